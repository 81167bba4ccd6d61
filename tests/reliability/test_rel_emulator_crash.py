"""Suite 3 — emulator crashes: `pyanaplan emulator serve` SIGKILLed, restarted on the same dir.

* Mid-upload: every chunk the server acknowledged (a 204 in its request log before the kill) is
  still listed after the restart with exactly the bytes sent, and rerunning the same upload
  resumes and ends byte-identical.
* Mid-import: the task that was running when the server died is reported failed (or cancelled)
  after the restart, and the model data is exactly as before (the export output is unchanged);
  the same import then applies normally, which shows the check can tell the difference.
* Between the two databases: a crash point parks the task worker just before or just after the
  model database commits (the platform database still says IN_PROGRESS), the server is killed
  there, and after the restart the task's reported outcome matches the model data: committed
  rows are reported as the task's real result (a process's export output installed), rolled-back
  ones as failed with no changes.
"""

from __future__ import annotations

import gzip
import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from pyanaplan import Client, RetryPolicy
from pyanaplan.errors import AnaplanError

MIB = 1024 * 1024
SALES_IMPORT = "Sales from Sales.csv"
EXPORT = "Sales Report.csv"
WORKSPACE = "Demo Workspace"
MODEL = "Sales Planning"
DEMO = ("demo@pyanaplan.example", "demo-password")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServedEmulator:
    """`pyanaplan emulator serve` in a subprocess on a fixed port and data dir.

    The control token is new on every start; it is read from the ``--env-file`` that serve
    writes (the same ``export PYANAPLAN_EMULATOR_TOKEN=…`` line it prints).
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.origin = f"http://127.0.0.1:{self.port}"
        self.env_file = data_dir.parent / f"emulator-{self.port}.env"
        self.token = ""

    def start(self) -> None:
        entry = Path(sys.executable).parent / "pyanaplan"
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANAPLAN_")}
        self.env_file.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [
                str(entry),
                "emulator",
                "serve",
                "--data-dir",
                str(self.data_dir),
                "--port",
                str(self.port),
                "--env-file",
                str(self.env_file),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited: {self.proc.stderr.read()!r}")  # type: ignore[union-attr]
            self.token = self._token()
            try:
                if self.token and self._get("clock").status_code == 200:
                    return
            except httpx2.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("serve did not start in 30 s")

    def _token(self) -> str:
        try:
            text = self.env_file.read_text(encoding="utf-8")
        except OSError:
            return ""
        for line in text.splitlines():
            if line.startswith("export PYANAPLAN_EMULATOR_TOKEN="):
                return line.split("=", 1)[1]
        return ""

    def _get(self, name: str) -> httpx2.Response:
        return httpx2.get(
            f"{self.origin}/__emulator__/{name}",
            headers={"X-Emulator-Token": self.token},
            timeout=1,
        )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def control(self, method: str, name: str, json: Any = None) -> Any:
        response = httpx2.request(
            method,
            f"{self.origin}/__emulator__/{name}",
            json=json,
            headers={"X-Emulator-Token": self.token, "Content-Type": "application/json"},
            timeout=10,
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def client(self, **kwargs: Any) -> Client:
        policy = RetryPolicy(attempts=2, base_s=0.01, max_backoff_s=0.05, deadline_s=3)
        return Client(
            api_url=self.origin,
            auth_url=self.origin,
            oauth_url=self.origin,
            user=DEMO[0],
            password=DEMO[1],
            workspace=WORKSPACE,
            model=MODEL,
            retry=policy,
            **kwargs,
        )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ServedEmulator]:
    server = ServedEmulator(tmp_path / "emulator-data")
    server.start()
    yield server
    server.stop()


def _acked_chunks(server: ServedEmulator) -> set[int]:
    log = server.control("GET", "requests")["requests"]
    return {
        int(r["path"].rsplit("/", 1)[1])
        for r in log
        if r["method"] == "PUT" and "/chunks/" in r["path"] and r["status"] == 204
    }


def _upload_crash(
    server: ServedEmulator, tmp_path: Path, make_csv: Callable[..., bytes], seed: int
) -> dict[str, Any]:
    data = make_csv(6 * MIB - 99, seed=seed)
    source = tmp_path / "Sales.csv"
    source.write_bytes(data)
    server.control("POST", "bandwidth", {"request_bps": 3 * MIB})
    errors: list[BaseException] = []

    import threading

    def upload() -> None:
        try:
            with server.client() as client:
                client.upload(source, chunk_size=MIB, concurrency=2)
        except BaseException as exc:  # judged by the test thread
            errors.append(exc)

    worker = threading.Thread(target=upload, daemon=True)
    worker.start()
    acked: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(acked) < 2:
        acked = _acked_chunks(server)
        time.sleep(0.02)
    acked = _acked_chunks(server)
    server.kill()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the upload hung after the server died"
    assert errors and isinstance(errors[0], AnaplanError), errors  # a clear error, not success
    assert 2 <= len(acked) < 6, acked

    server.start()
    with server.client() as client:
        ref = client.model_ref()
        path = f"{ref.path}/files/113000000003"
        listed = {str(c["id"]) for c in client.session.paged(f"{path}/chunks", "chunks")}
        assert {str(i) for i in acked} <= listed, (acked, listed)
        for index in sorted(acked):
            body = client.session.request("GET", f"{path}/chunks/{index}").content
            if body[:2] == b"\x1f\x8b":
                body = gzip.decompress(body)
            assert body == data[index * MIB : (index + 1) * MIB], f"chunk {index} differs"
        result = client.upload(source, chunk_size=MIB)
        buffer = io.BytesIO()
        client.download("Sales.csv", buffer)
    assert buffer.getvalue() == data
    return {"acked": len(acked), "skipped": result.chunks_skipped}


def _import_crash(server: ServedEmulator, tmp_path: Path, base: int = 12000) -> str:
    rows = ["Product,Region,Units,Price,Comment"]
    rows += [f"Road Bike 200,North America,{base + i},899.00,crash test" for i in range(3000)]
    data = ("\n".join(rows) + "\n").encode()
    with server.client() as client:
        before = tmp_path / "before.csv"
        client.run_export(EXPORT, download_to=before)
        client.upload(data, file="Sales.csv")
        server.control("POST", "task-timing", {"steps": 400, "step_s": 0.05})
        started = client.run_import(SALES_IMPORT, wait=False)
        task_id = started.task_id
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            state = client.task("import", SALES_IMPORT, task_id)
            if state.state == "IN_PROGRESS" and (state.progress or 0) > 0:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the import never got going")
    server.kill()
    server.start()
    with server.client() as client:
        after_restart = client.task("import", SALES_IMPORT, task_id)
        assert after_restart.state in ("COMPLETE", "CANCELLED"), after_restart
        assert after_restart.successful is not True, after_restart
        after = tmp_path / "after.csv"
        client.run_export(EXPORT, download_to=after)
        assert after.read_bytes() == before.read_bytes(), "the interrupted import was applied"
        # The same import applies when nothing interrupts it: the check can see a change.
        server.control("POST", "task-timing", {"steps": 1, "step_s": 0.0})
        client.run_import(SALES_IMPORT, check=False)
        applied = tmp_path / "applied.csv"
        client.run_export(EXPORT, download_to=applied)
        assert applied.read_bytes() != before.read_bytes()
        assert f",{base + 2999},".encode() in applied.read_bytes()  # the last row won
    details = " ".join(str(d) for d in (after_restart.details or []))
    return f"task {after_restart.state}, successful={after_restart.successful}; {details[:120]}"


def test_server_killed_mid_upload_keeps_acknowledged_chunks(
    served: ServedEmulator, tmp_path: Path, make_csv: Callable[..., bytes], figures: Any
) -> None:
    outcome = _upload_crash(served, tmp_path, make_csv, seed=5)
    figures.emulator_crash(
        phase="mid-upload (6 chunks, killed after ≥ 2 acknowledged)",
        iterations=1,
        result=f"{outcome['acked']} acknowledged chunks all present with their bytes after "
        f"restart; rerun skipped {outcome['skipped']} and ended byte-identical",
    )


def test_server_killed_mid_import_is_never_half_applied(
    served: ServedEmulator, tmp_path: Path, figures: Any
) -> None:
    outcome = _import_crash(served, tmp_path)
    figures.emulator_crash(
        phase="mid-import (3,000 rows, killed while IN_PROGRESS)",
        iterations=1,
        result=f"{outcome}; export output unchanged; rerun applied",
    )


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_server_crash_loop(tmp_path: Path, make_csv: Callable[..., bytes], figures: Any) -> None:
    """Five kills mid-upload and five mid-import on one data dir that keeps growing."""
    server = ServedEmulator(tmp_path / "emulator-data")
    server.start()
    uploads: list[int] = []
    imports: list[str] = []
    try:
        for n in range(5):
            run_dir = tmp_path / f"u{n}"
            run_dir.mkdir()
            uploads.append(_upload_crash(server, run_dir, make_csv, seed=100 + n)["acked"])
            run_dir = tmp_path / f"i{n}"
            run_dir.mkdir()
            imports.append(_import_crash(server, run_dir, base=20000 + 10000 * n))
    finally:
        server.stop()
    figures.emulator_crash(
        phase="mid-upload, repeated on one data dir",
        iterations=len(uploads),
        result=f"acknowledged chunks per kill {uploads}: all present; every rerun byte-identical",
    )
    figures.emulator_crash(
        phase="mid-import, repeated on one data dir",
        iterations=len(imports),
        result="every interrupted task reported failed/cancelled; data unchanged each time",
    )


# ---- the window between the model and platform commits -------------------------------------------
PROCESS = "Load Sales and Export"
BEFORE_COMMIT = "task-before-model-commit"
AFTER_COMMIT = "task-after-model-commit"


def _park_at(server: ServedEmulator, point: str) -> None:
    """Wait (bounded) until a task worker is parked at the armed crash point."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.control("GET", "crash-points")["points"].get(point) == "reached":
            return
        time.sleep(0.02)
    raise AssertionError(f"no task reached {point} in 30 s")


def _window_crash(server: ServedEmulator, tmp_path: Path, point: str, kind: str, base: int) -> str:
    """Run an import (or the process) to ``point``, SIGKILL the emulator there, restart it on the
    same data dir, and check that the task's reported outcome matches the model's data.

    ``task-after-model-commit`` is the window that used to lie: the rows were committed, yet
    the restarted emulator said the task failed and "no changes were applied" (and a process's
    export output was lost). ``task-before-model-commit`` is the other side: nothing committed,
    and that is what must be reported.
    """
    last = f"{base + 499}"
    rows = ["Product,Region,Units,Price,Comment"]
    rows += [f"Road Bike 200,North America,{base + i},899.00,window" for i in range(500)]
    with server.client() as client:
        before = tmp_path / "before.csv"
        client.run_export(EXPORT, download_to=before)
        client.upload(("\n".join(rows) + "\n").encode(), file="Sales.csv")
        server.control("POST", "task-timing", {"steps": 1, "step_s": 0.0})
        server.control("POST", "crash-points", {"point": point})
        if kind == "import":
            task_id = client.run_import(SALES_IMPORT, wait=False).task_id
        else:
            task_id = client.run_process(PROCESS, wait=False).task_id
    _park_at(server, point)
    server.kill()
    server.start()
    kind_name = "import" if kind == "import" else "process"
    object_name = SALES_IMPORT if kind == "import" else PROCESS
    with server.client() as client:
        task = client.task(kind_name, object_name, task_id)
        after = tmp_path / "after.csv"
        client.run_export(EXPORT, download_to=after)
        applied = f",{last},".encode() in after.read_bytes()
        assert task.state == "COMPLETE", task
        if point == AFTER_COMMIT:
            assert applied, "the committed rows are missing"
            assert task.successful is True, task  # the truth: it ran and its rows are there
            assert "no changes were applied" not in str(task.details), task.details
            sales = task if kind == "import" else task.nested[2]
            assert sales.counts.rows_successful == 500, sales.counts
            if kind == "process":
                # The process's own export output was installed by the recovery, and it holds
                # exactly what the export produces from the data now.
                kept = tmp_path / "kept.csv"
                client.download("Sales Report.csv", kept)
                assert kept.read_bytes() == after.read_bytes()
        else:
            assert not applied and after.read_bytes() == before.read_bytes()
            assert task.successful is False, task
            assert "no changes were applied" in str(task.details), task.details
    return f"{kind} at {point}: {task.state}, successful={task.successful}, rows applied={applied}"


@pytest.mark.parametrize(
    ("point", "kind"),
    [(AFTER_COMMIT, "import"), (BEFORE_COMMIT, "import"), (AFTER_COMMIT, "process")],
)
def test_killed_between_the_two_databases_reports_what_the_data_shows(
    served: ServedEmulator, tmp_path: Path, figures: Any, point: str, kind: str
) -> None:
    outcome = _window_crash(served, tmp_path, point, kind, base=30000)
    figures.emulator_crash(
        phase=f"{kind} parked at crash point {point}, SIGKILLed there",
        iterations=1,
        result=f"{outcome}; reported outcome matches the model data",
    )


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_crash_window_loop(tmp_path: Path, figures: Any) -> None:
    """Twelve kills at the two crash points, imports and processes, on one data dir."""
    server = ServedEmulator(tmp_path / "emulator-data")
    server.start()
    seen: list[str] = []
    try:
        for n in range(12):
            point = (AFTER_COMMIT, BEFORE_COMMIT)[n % 2]
            kind = ("import", "import", "process")[n % 3]
            run_dir = tmp_path / f"w{n}"
            run_dir.mkdir()
            seen.append(_window_crash(server, run_dir, point, kind, base=40000 + 1000 * n))
    finally:
        server.stop()
    figures.emulator_crash(
        phase="crash points before/after the model commit, imports and processes, one data dir",
        iterations=len(seen),
        result=f"{len(seen)}/{len(seen)} reported outcomes matched the model data",
    )
