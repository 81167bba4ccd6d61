"""Every operator in a real DAG run (`dag.test()`) against the emulator.

Deferral is observed where Airflow records it: the task's state log reads running → deferred →
running → success, the trigger having polled in between; `deferrable=False` never defers.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from afhelpers import BAD_SALES, GOOD_SALES, SALES_IMPORT, task_held, task_posts

PROCESS = "Load Sales and Export"
EXPORT = "Sales Report.csv"
FAST = {"poll_interval_s": 0.05}


def task(task_id: str, operator: str, after: tuple[str, ...] = (), **kwargs: Any) -> dict:
    return {"task_id": task_id, "operator": operator, "kwargs": kwargs, "after": list(after)}


def status_gets(emu: Any, task_id: str) -> list[dict[str, Any]]:
    return [r for r in emu.requests() if r["method"] == "GET" and r["path"].endswith(task_id)]


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferred", "in-worker"])
def test_import_uploads_its_source_then_runs_once(
    emu: Any, anaplan_conn: str, run_dag: Any, tmp_path: Path, deferrable: bool
) -> None:
    source = tmp_path / "sales.csv"
    source.write_bytes(GOOD_SALES)
    with task_held(emu, until_polls=2):  # still running at the first two polls
        run = run_dag(
            [task("load", "AnaplanImportOperator", name=SALES_IMPORT, source=str(source),
                  deferrable=deferrable, **FAST)]
        )  # fmt: skip
    assert run.state == "success"
    expected = (
        ["running", "deferred", "running", "success"] if deferrable else ["running", "success"]
    )
    assert run.events("load") == expected
    result = run.xcom("load")
    assert result["outcome"]["status"] == "succeeded"
    assert result["counts"]["rows_successful"] == 2 and result["counts"]["rows_failed"] == 0
    started = run.xcom("load", "anaplan_task")
    assert started["task_id"] == result["task_id"] and started["object_id"] == "112000000003"
    assert len(task_posts(emu)) == 1
    assert len(status_gets(emu, result["task_id"])) >= 3  # polled while it ran, then collected
    uploads = [r for r in emu.requests() if r["method"] == "PUT" and "/files/" in r["path"]]
    assert sum(r["request_bytes"] for r in uploads) > 0


def test_upload_from_object_storage_then_import(
    emu: Any, anaplan_conn: str, run_dag: Any, tmp_path: Path
) -> None:
    source = tmp_path / "bucket" / "sales.csv"
    source.parent.mkdir()
    source.write_bytes(GOOD_SALES)
    run = run_dag(
        [
            task("upload", "AnaplanUploadOperator", source={"object_storage": source.as_uri()},
                 file="Sales.csv"),
            task("load", "AnaplanImportOperator", ("upload",), name=SALES_IMPORT, **FAST),
        ]
    )  # fmt: skip
    assert run.state == "success"
    uploaded = run.xcom("upload")
    assert uploaded["file_name"] == "Sales.csv" and uploaded["size"] == len(GOOD_SALES)
    assert uploaded["chunks"] == 1 and len(uploaded["sha256"]) == 64
    assert run.xcom("load")["counts"]["rows_successful"] == 2


def test_export_to_a_templated_local_path_and_to_object_storage(
    emu: Any, anaplan_conn: str, run_dag: Any, tmp_path: Path
) -> None:
    emu.set_task_timing(steps=2, step_s=0.02)
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    run = run_dag(
        [
            task("upload", "AnaplanUploadOperator", source=_write(tmp_path, GOOD_SALES),
                 file="Sales.csv"),
            task("load", "AnaplanImportOperator", ("upload",), name=SALES_IMPORT, **FAST),
            task("report", "AnaplanExportOperator", ("load",),
                 name="{{ 'Sales Report' }}.csv",
                 download_to=f"{tmp_path}/{{{{ ti.task_id }}}}.csv", **FAST),
            task("report_s3", "AnaplanExportOperator", ("load",), name=EXPORT,
                 download_to={"object_storage": (bucket / "report.csv").as_uri()},
                 deferrable=False),
        ]
    )  # fmt: skip
    assert run.state == "success"
    local = tmp_path / "report.csv"
    assert run.xcom("report")["output_path"] == str(local)
    assert "Helmet,Japan,5" in local.read_text()
    assert run.xcom("report_s3")["output_path"] == (bucket / "report.csv").as_uri()
    assert (bucket / "report.csv").read_text() == local.read_text()


def test_action_runs(emu: Any, anaplan_conn: str, run_dag: Any) -> None:
    run = run_dag([task("purge", "AnaplanActionOperator", name="Delete Discontinued Products",
                        **FAST)])  # fmt: skip
    assert run.state == "success"
    result = run.xcom("purge")
    assert result["kind"] == "action" and result["outcome"]["status"] == "succeeded"


def test_process_accepting_partial_loads_passes_and_saves_the_dumps(
    emu: Any, anaplan_conn: str, run_dag: Any, tmp_path: Path
) -> None:
    dumps = tmp_path / "dumps"
    run = run_dag(
        [
            task("upload", "AnaplanUploadOperator", source=_write(tmp_path, BAD_SALES),
                 file="Sales.csv"),
            task("process", "AnaplanProcessOperator", ("upload",), name=PROCESS,
                 accept_partial=True, dump_dir=str(dumps), **FAST),
        ]
    )  # fmt: skip
    assert run.state == "success"
    result = run.xcom("process")
    assert result["outcome"]["status"] == "partial" and result["outcome"]["accepted"] is True
    assert [n["object_id"] for n in result["nested"]][-1] == "116000000001"
    (dump,) = result["dump_paths"]
    assert Path(dump).parent == dumps and _data_rows(Path(dump)) == 3


def test_download_and_delete_file(
    emu: Any, anaplan_conn: str, run_dag: Any, tmp_path: Path
) -> None:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    run = run_dag(
        [
            task("upload", "AnaplanUploadOperator", source=_write(tmp_path, GOOD_SALES),
                 file="Sales.csv"),
            task("get", "AnaplanDownloadOperator", ("upload",), file="Sales.csv",
                 target=str(tmp_path / "out" / "sales.csv")),
            task("get_s3", "AnaplanDownloadOperator", ("upload",), file="Sales.csv",
                 target={"object_storage": (bucket / "sales.csv").as_uri()}),
            task("delete", "AnaplanDeleteFileOperator", ("get", "get_s3"), file="Sales.csv"),
        ]
    )  # fmt: skip
    assert run.state == "success"
    assert (tmp_path / "out" / "sales.csv").read_bytes() == GOOD_SALES
    assert (bucket / "sales.csv").read_bytes() == GOOD_SALES
    got = run.xcom("get_s3")
    assert got["path"] == (bucket / "sales.csv").as_uri() and got["size"] == len(GOOD_SALES)
    assert run.xcom("delete") == {
        "file_id": got["file_id"], "file_name": "Sales.csv", "deleted": True,
    }  # fmt: skip
    deletes = [r for r in emu.requests() if r["method"] == "DELETE" and "/files/" in r["path"]]
    assert len(deletes) == 1


def _write(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "upload.csv"
    path.write_bytes(data)
    return str(path)


def _data_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1
