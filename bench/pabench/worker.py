"""One contender run, in its own process: ``python -m pabench.worker < JOB_JSON``.

The harness starts one worker per run so that the client's peak RSS is measured from outside
(``os.wait4``) and no run inherits another's heap, connection pool or page of imported modules.
The job arrives on stdin (it holds a token, which must not show in ``ps``).
The worker prints one JSON line: ``{"elapsed_s": ..., "extra": {...}}``. Timing starts after the
imports and client construction (neither touches the network) and covers the operation only.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Job = dict[str, Any]


def _pyanaplan_client(job: Job):
    from pyanaplan import Client

    return Client(
        token=job["token"],
        api_url=job["origin"],
        auth_url=job["origin"],
        workspace=job["workspace_id"],
        model=job["model_id"],
    )


def _summary(result: Any) -> dict[str, Any]:
    """A JSON-safe summary of a pyanaplan result object (sizes and counts only)."""
    if dataclasses.is_dataclass(result):
        fields = dataclasses.asdict(result)
    elif hasattr(result, "model_dump"):
        fields = result.model_dump()
    else:
        return {}
    return {k: v for k, v in fields.items() if isinstance(v, int | float | bool | str) or v is None}


def _drop_none(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if v is not None}


def upload_pyanaplan(job: Job) -> Callable[[], dict[str, Any]]:
    """pyanaplan ``Client.upload`` from the path, with the job's options (defaults when empty)."""
    client = _pyanaplan_client(job)
    options = _drop_none(job.get("options", {}))

    def run() -> dict[str, Any]:
        with client:
            result = client.upload(Path(job["path"]), file=job["file_id"], **options)
        return _summary(result)

    return run


def upload_sdk(job: Job) -> Callable[[], dict[str, Any]]:
    """anaplan-sdk ``upload_file``: it takes the content in memory, so the read is timed too."""
    from pabench import sdk

    client = sdk.client(job["origin"], job["token"], job["workspace_id"], job["model_id"])

    def run() -> dict[str, Any]:
        # The SDK takes the content in memory: reading the file is part of using it.
        content = Path(job["path"]).read_bytes()
        client.upload_file(int(job["file_id"]), content)
        return {"chunk_size": client.upload_chunk_size, "threads": client._thread_count}

    return run


def upload_raw(job: Job) -> Callable[[], dict[str, Any]]:
    """The bare loop of ``raw.upload`` with explicit chunk size, threads and compressor."""
    from pabench import raw

    options = job["options"]
    compress = raw.compressor(options["library"], options["level"]) if options["compress"] else None

    def run() -> dict[str, Any]:
        return raw.upload(
            origin=job["origin"],
            token=job["token"],
            workspace_id=job["workspace_id"],
            model_id=job["model_id"],
            file_id=job["file_id"],
            path=Path(job["path"]),
            chunk_size=options["chunk_size"],
            concurrency=options["concurrency"],
            compress=compress,
        )

    return run


def download_pyanaplan(job: Job) -> Callable[[], dict[str, Any]]:
    """pyanaplan ``Client.download`` to the target path."""
    client = _pyanaplan_client(job)

    def run() -> dict[str, Any]:
        with client:
            result = client.download(job["file_id"], Path(job["target"]))
        return _summary(result)

    return run


def download_sdk(job: Job) -> Callable[[], dict[str, Any]]:
    """anaplan-sdk ``get_file`` (the whole file in memory), then written to the target."""
    from pabench import sdk

    client = sdk.client(job["origin"], job["token"], job["workspace_id"], job["model_id"])

    def run() -> dict[str, Any]:
        content = client.get_file(int(job["file_id"]))
        Path(job["target"]).write_bytes(content)
        return {"bytes": len(content)}

    return run


def download_raw(job: Job) -> Callable[[], dict[str, Any]]:
    """The bare loop of ``raw.download``."""
    from pabench import raw

    def run() -> dict[str, Any]:
        return raw.download(
            origin=job["origin"],
            token=job["token"],
            workspace_id=job["workspace_id"],
            model_id=job["model_id"],
            file_id=job["file_id"],
            target=Path(job["target"]),
            concurrency=job["options"]["concurrency"],
        )

    return run


def task_pyanaplan(job: Job) -> Callable[[], dict[str, Any]]:
    """pyanaplan ``Client.run_import``: start the import and wait for it."""
    client = _pyanaplan_client(job)

    def run() -> dict[str, Any]:
        with client:
            result = client.run_import(job["import_id"])
        return {"successful": bool(result.successful)}

    return run


def task_sdk(job: Job) -> Callable[[], dict[str, Any]]:
    """anaplan-sdk ``run_action``: start the import and wait for it."""
    from pabench import sdk

    client = sdk.client(job["origin"], job["token"], job["workspace_id"], job["model_id"])

    def run() -> dict[str, Any]:
        task = client.run_action(int(job["import_id"]))
        return {"successful": bool(task.result.successful)}

    return run


def task_bare(job: Job) -> Callable[[], dict[str, Any]]:
    """Start the import and poll its status back to back: the emulator's own completion time."""
    import httpx2

    http = httpx2.Client(
        base_url=f"{job['origin']}/2/0/workspaces/{job['workspace_id']}/models/{job['model_id']}",
        headers={"Authorization": f"AnaplanAuthToken {job['token']}"},
        timeout=60.0,
    )
    base = f"/imports/{job['import_id']}/tasks"

    def run() -> dict[str, Any]:
        with http:
            started = http.post(base, json={"localeName": "en_US"})
            started.raise_for_status()
            task_id = started.json()["task"]["taskId"]
            deadline = time.monotonic() + job.get("timeout_s", 120)
            polls = 0
            while time.monotonic() < deadline:
                polls += 1
                task = http.get(f"{base}/{task_id}").json()["task"]
                if task["taskState"] in ("COMPLETE", "CANCELLED"):
                    return {
                        "successful": bool(task.get("result", {}).get("successful")),
                        "polls": polls,
                    }
            raise TimeoutError("task did not finish")

    return run


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _load_table(job: Job) -> tuple[Any, dict[str, Any]]:
    """The job's Parquet table, in memory before timing starts (its size is part of the RSS)."""
    import pyarrow.parquet as pq

    table = pq.read_table(job["parquet"])
    return table, {"table_bytes": table.nbytes, "rss_after_load_kib": _rss_kib()}


def tables_upload_arrow(job: Job) -> Callable[[], dict[str, Any]]:
    """pyanaplan ``Client.upload_table``: the Arrow table straight into the streamed upload."""
    client = _pyanaplan_client(job)
    table, loaded = _load_table(job)

    def run() -> dict[str, Any]:
        with client:
            result = client.upload_table(table, file=job["file_id"])
        return {**_summary(result), **loaded}

    return run


def tables_upload_csv_file(job: Job) -> Callable[[], dict[str, Any]]:
    """``pyarrow.csv.write_csv`` to a file, then ``Client.upload`` of that file (both timed)."""
    import pyarrow.csv

    client = _pyanaplan_client(job)
    table, loaded = _load_table(job)
    path = Path(job["csv_path"])

    def run() -> dict[str, Any]:
        pyarrow.csv.write_csv(table, path)
        with client:
            result = client.upload(path, file=job["file_id"], resume=False)
        path.unlink()
        return {**_summary(result), **loaded}

    return run


def tables_export_arrow(job: Job) -> Callable[[], dict[str, Any]]:
    """pyanaplan ``Client.download(export, as_table=...)``: download streamed into the parser."""
    import pyarrow.compute
    import pyarrow.csv  # noqa: F401 - imported before timing, as pandas is for its contender

    if job["as_table"] == "pandas":
        import pandas  # noqa: F401

    client = _pyanaplan_client(job)

    def run() -> dict[str, Any]:
        with client:
            table = client.download(job["file_id"], as_table=job["as_table"])
        rows = table.num_rows if hasattr(table, "num_rows") else len(table)
        return {"rows": rows, "as_table": job["as_table"]}

    return run


def tables_export_pandas_read_csv(job: Job) -> Callable[[], dict[str, Any]]:
    """``Client.download`` to a file, then ``pandas.read_csv`` of it (both timed)."""
    import pandas as pd

    client = _pyanaplan_client(job)
    path = Path(job["csv_path"])

    def run() -> dict[str, Any]:
        with client:
            client.download(job["file_id"], path, resume=False)
        frame = pd.read_csv(path)
        path.unlink()
        return {"rows": len(frame)}

    return run


def airflow_deferred(job: Job) -> Callable[[], dict[str, Any]]:
    """The Airflow provider's deferrable path (``pabench/airflow_bench.py``)."""
    from pabench.airflow_bench import deferred

    return deferred(job)


def airflow_back_to_back(job: Job) -> Callable[[], dict[str, Any]]:
    """The Airflow provider with ``deferrable=False`` (``pabench/airflow_bench.py``)."""
    from pabench.airflow_bench import back_to_back

    return back_to_back(job)


CONTENDERS: dict[str, Callable[[Job], Callable[[], dict[str, Any]]]] = {
    "upload.pyanaplan": upload_pyanaplan,
    "upload.sdk": upload_sdk,
    "upload.raw": upload_raw,
    "download.pyanaplan": download_pyanaplan,
    "download.sdk": download_sdk,
    "download.raw": download_raw,
    "task.pyanaplan": task_pyanaplan,
    "task.sdk": task_sdk,
    "task.bare": task_bare,
    "tables.upload.arrow": tables_upload_arrow,
    "tables.upload.csvfile": tables_upload_csv_file,
    "tables.export.arrow": tables_export_arrow,
    "tables.export.pandas": tables_export_pandas_read_csv,
    "airflow.deferred": airflow_deferred,
    "airflow.back_to_back": airflow_back_to_back,
}


def main() -> int:
    job: Job = json.loads(sys.stdin.read())
    os.environ.update(job.get("env", {}))  # before pyanaplan reads its settings
    run = CONTENDERS[job["contender"]](job)
    started = time.perf_counter()
    extra = run()
    elapsed_s = time.perf_counter() - started
    print(json.dumps({"elapsed_s": elapsed_s, "extra": extra}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
