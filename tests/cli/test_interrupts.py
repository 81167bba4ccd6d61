"""Ctrl-C and cancels tell the truth: "cancelled" only when the server confirmed it.

Each test runs the installed console script (real SIGINT, real exit code) against the emulator,
with a fault that puts the interrupt exactly where the case needs it, and asserts the fault fired.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from typing import Any

SALES_IMPORT = "Sales from Sales.csv"
CANCELLED = "A running server task was cancelled"


def _wait_for(predicate: Callable[[], bool], proc: Any, what: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        assert proc.poll() is None, (what, proc.communicate())
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _polling(emu: Any) -> bool:
    return any(r["method"] == "GET" and "/tasks/" in r["path"] for r in emu.requests())


def _only_task(cli: Any) -> dict[str, Any]:
    (task,) = cli("tasks", "import", SALES_IMPORT).json()
    return task


def test_failed_cancel_request_is_not_reported_as_a_cancel_even_with_q(cli, emu, spawn) -> None:
    emu.set_task_timing(steps=400, step_s=0.25)  # runs ~100 s unless cancelled
    proc = spawn(["-q", "--retry-deadline", "1", "import", SALES_IMPORT])
    _wait_for(lambda: _polling(emu), proc, "the import to start polling")
    emu.inject(path="*/imports/*/tasks/*", method="DELETE", status=500, times=1000)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, (stdout, stderr)
    deletes = [r for r in emu.requests() if r["method"] == "DELETE"]
    assert deletes and all(r["status"] == 500 for r in deletes)  # the fault fired
    task = _only_task(cli)
    assert task["state"] == "IN_PROGRESS"  # it really runs on
    assert CANCELLED not in stderr
    assert "may still be running" in stderr and task["task_id"] in stderr
    assert f"pyanaplan cancel import 'Sales from Sales.csv' {task['task_id']}" in stderr
    emu.clear_faults()
    cli("cancel", "import", SALES_IMPORT, task["task_id"])


def test_ctrl_c_while_a_lost_start_is_being_adopted_cancels_that_task(cli, emu, spawn) -> None:
    emu.set_task_timing(steps=400, step_s=0.25)
    # The start is run by the server but its answer is lost (after a pause that lets the test
    # arm the next fault); the client then lists the tasks to find it, and that list is held.
    emu.inject(path="*/imports/*/tasks", method="POST", drop=True, delay_s=1.5, times=1)
    proc = spawn(["-o", "json", "import", SALES_IMPORT])
    _wait_for(
        lambda: any(r["method"] == "POST" and r["path"].endswith("/tasks") for r in emu.requests()),
        proc,
        "the task start",
    )
    emu.inject(path="*/imports/*/tasks", method="GET", delay_s=5, times=1)

    def adopting() -> bool:
        lists = [r for r in emu.requests() if r["method"] == "GET" and r["path"].endswith("/tasks")]
        return len(lists) >= 2 and lists[-1]["status"] is None  # baseline, then the held one

    _wait_for(adopting, proc, "the adoption listing")
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, (stdout, stderr)
    posts = [r for r in emu.requests() if r["method"] == "POST" and r["path"].endswith("/tasks")]
    assert [r["status"] for r in posts] == ["dropped"]
    task = _only_task(cli)
    assert task["state"] in ("CANCELLED", "CANCELLING"), task
    assert CANCELLED in stderr and task["task_id"] in stderr
    assert json.loads(stdout)["error"]["code"] == "interrupted"


def test_second_ctrl_c_exits_130_and_says_the_cancel_was_not_confirmed(cli, emu, spawn) -> None:
    emu.set_task_timing(steps=400, step_s=0.25)
    proc = spawn(["import", SALES_IMPORT])
    _wait_for(lambda: _polling(emu), proc, "the import to start polling")
    emu.inject(path="*/imports/*/tasks/*", method="DELETE", delay_s=5, times=1)
    proc.send_signal(signal.SIGINT)
    _wait_for(
        lambda: any(r["method"] == "DELETE" for r in emu.requests()), proc, "the cancel request"
    )
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, (stdout, stderr)  # an exit code, not death by SIGINT (-2)
    task_id = _only_task(cli)["task_id"]
    assert CANCELLED not in stderr
    assert "may still be running" in stderr and "interrupted again" in stderr
    assert task_id in stderr and "pyanaplan cancel import" in stderr
    assert "Traceback" not in stderr


def test_cancelling_a_finished_task_says_so(cli, emu) -> None:
    done = cli("import", "Regions from Regions.csv")
    assert done.exit_code == 0, done
    task_id = done.json()["task_id"]
    run = cli("-q", "cancel", "import", "Regions from Regions.csv", task_id)
    assert run.exit_code == 0, run
    assert run.json()["state"] == "COMPLETE"
    assert "Warning:" in run.stderr and "nothing was cancelled" in run.stderr


def test_unwritable_dump_dir_keeps_the_task_exit_code_and_result(cli, emu, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    # The demo's default Sales.csv has bad rows: the import fails with a dump.
    run = cli("-q", "import", SALES_IMPORT, "--dump-dir", str(blocker / "dumps"))
    assert run.exit_code == 1, run  # the task's own outcome, not 5 "this is a bug"
    error = run.json()["error"]
    assert error["code"] == "task_failed"
    task_id = _only_task(cli)["task_id"]
    assert task_id in error["message"] and "failed" in error["message"]
    assert error["warnings"] and "could not be saved" in error["warnings"][0]
    assert "Warning:" in run.stderr and "could not be saved" in run.stderr
    assert "bug" not in run.stderr


def test_interrupting_a_transfer_does_not_mention_a_server_task() -> None:
    from pyanaplan.cli._errors import report_for

    report = report_for(KeyboardInterrupt())
    assert report.exit_code == 130
    assert "server task" not in report.message + report.hint
    assert "cancel" not in (report.message + report.hint).lower()
