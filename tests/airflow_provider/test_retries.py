"""Retries never start a second Anaplan task; killing the worker or the user cancels it.

The started task is kept in the task instance's `task_state_store`; a later try adopts it while
it runs. Each test counts the task starts the emulator saw and the tasks it holds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from afhelpers import (
    DAGS,
    GOOD_SALES,
    SALES_IMPORT,
    DagRunResult,
    fail_like_a_lost_worker,
    resume_dag_run,
    status_polls,
    task_held,
    task_posts,
    wait_until,
)

from faultcheck import fired
from pyanaplan import Client

CHILD = Path(__file__).with_name("run_dag_child.py")


@pytest.fixture
def client(emu: Any) -> Any:
    user, password = emu.users[0]
    with Client(
        api_url=emu.api_url, auth_url=emu.auth_url, user=user, password=password,
        workspace="Demo Workspace", model="Sales Planning",
    ) as c:  # fmt: skip
        c.upload(GOOD_SALES, file="Sales.csv")
        yield c


def wait_for_first_poll(emu: Any, worker: subprocess.Popen[bytes]) -> None:
    """Until the worker process polls the task it started (it stored the task id before)."""

    def polled() -> bool:
        if worker.poll() is not None:
            pytest.fail(f"the worker process ended early (exit {worker.returncode})")
        return status_polls(emu) >= 1

    wait_until(polled, timeout_s=120, what="the worker polls the task it started")


def load(**kwargs: Any) -> dict[str, Any]:
    args = {"name": SALES_IMPORT, "poll_interval_s": 0.05, **kwargs}
    return {"task_id": "load", "operator": "AnaplanImportOperator", "kwargs": args,
            "retries": 1, "retry_delay_s": 0}  # fmt: skip


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferred", "in-worker"])
def test_a_retry_after_a_failed_wait_adopts_the_running_task(
    emu: Any, anaplan_conn: str, run_dag: Any, client: Client, deferrable: bool
) -> None:
    # The first status request is refused (a non-transient error): the first try fails while
    # the import is still running; the retry must wait on that import, not start another.
    emu.inject(path="*/imports/*/tasks/*", method="GET", status=403, times=1)
    with task_held(emu, until_polls=4):
        run = run_dag([load(deferrable=deferrable)])
    assert run.state == "success"
    assert run.tries("load") == 2
    assert fired(emu) == [1]
    assert len(task_posts(emu)) == 1
    (only,) = client.tasks("import", SALES_IMPORT)
    assert run.xcom("load")["task_id"] == only.task_id
    assert run.xcom("load")["counts"]["rows_successful"] == 2


def test_a_retry_starts_anew_when_the_earlier_task_ended(
    emu: Any, anaplan_conn: str, run_dag: Any, client: Client
) -> None:
    # The import ends while the first try cannot see it (its status request is refused): the
    # retry finds it ended, so running the job means a new task.
    emu.inject(path="*/imports/*/tasks/*", method="GET", status=403, times=1)
    run = run_dag([load(deferrable=False)])
    assert run.state == "success"
    assert run.tries("load") == 2
    assert len(task_posts(emu)) == 2
    assert len(client.tasks("import", SALES_IMPORT)) == 2


def test_a_killed_worker_s_retry_adopts_the_task_it_started(
    emu: Any, anaplan_conn: str, client: Client
) -> None:
    """SIGKILL the worker process mid-wait; the scheduler's heartbeat check fails the try; the
    retry (in this process) adopts the task: exactly one Anaplan task."""
    import anaplan_dags

    spec = {"dag_id": "killed_worker", "tasks": [load(deferrable=False)]}
    spec_file = DAGS / "killed_worker.json"
    spec_file.write_text(json.dumps(spec))
    try:
        with task_held(emu, until_polls=None):  # released below, once the retry waits
            worker = subprocess.Popen(
                [sys.executable, str(CHILD), str(spec_file)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                wait_for_first_poll(emu, worker)
            finally:
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait(timeout=30)
            assert len(task_posts(emu)) == 1
            run = DagRunResult.latest("killed_worker")
            assert fail_like_a_lost_worker(run, "load") == "up_for_retry"
            polls_before = status_polls(emu)

            def release_once_the_retry_waits() -> None:
                wait_until(
                    lambda: status_polls(emu) >= polls_before + 2,
                    timeout_s=120,
                    what="the retry waits on the task",
                )
                emu.disarm_crash_points()

            releaser = threading.Thread(target=release_once_the_retry_waits, daemon=True)
            releaser.start()
            done = resume_dag_run(anaplan_dags.build(spec), run.run_id)
            releaser.join(timeout=30)
    finally:
        spec_file.unlink(missing_ok=True)
    assert done.state == "success"
    assert done.tries("load") == 2
    assert len(task_posts(emu)) == 1
    (only,) = client.tasks("import", SALES_IMPORT)
    assert only.task_state == "COMPLETE"
    assert done.xcom("load")["task_id"] == only.task_id


def test_terminating_the_worker_cancels_the_anaplan_task(
    emu: Any, anaplan_conn: str, client: Client
) -> None:
    """SIGTERM (what Airflow sends a task it stops: mark failed, timeout) reaches `on_kill`."""
    spec = {"dag_id": "terminated_worker", "tasks": [load(deferrable=False)]}
    spec_file = DAGS / "terminated_worker.json"
    spec_file.write_text(json.dumps(spec))
    emu.set_task_timing(steps=400, step_s=0.05)  # about 20 s unless cancelled
    try:
        worker = subprocess.Popen(
            [sys.executable, str(CHILD), str(spec_file)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_first_poll(emu, worker)
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
        finally:
            if worker.poll() is None:
                worker.kill()
    finally:
        spec_file.unlink(missing_ok=True)
    deletes = [r for r in emu.requests() if r["method"] == "DELETE" and "/tasks/" in r["path"]]
    assert len(deletes) == 1
    (only,) = client.tasks("import", SALES_IMPORT)
    assert only.task_state in ("CANCELLING", "CANCELLED")
