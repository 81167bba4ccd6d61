"""The task engine against the emulator: run, dumps, cancel, timeout, processes, exports."""

from __future__ import annotations

import logging
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from faultcheck import fired
from pyanaplan import Client
from pyanaplan.errors import TaskFailedError, TaskTimeoutError

SALES_IMPORT = "Sales from Sales.csv"
GOOD_SALES = (
    b"Product,Region,Units,Price,Comment\n"
    b"Road Bike 200,North America,10,899.00,ok\n"
    b"Helmet,Japan,5,59.00,\n"
)
BAD_SALES = GOOD_SALES + (
    b"Unknown Bike,Japan,1,1.00,no such product\n"
    b"Helmet,Nowhere,2,59.00,no such region\n"
    b"Helmet,Japan,lots,59.00,not a number\n"
)


def task_posts(emu: Any) -> list[dict[str, Any]]:
    return [r for r in emu.requests() if r["method"] == "POST" and r["path"].endswith("/tasks")]


def test_successful_import_counts_rows(emu: Any, client: Client) -> None:
    client.upload(GOOD_SALES, file="Sales.csv")
    steps: list[tuple[float, str]] = []
    result = client.run_import(SALES_IMPORT, on_task_progress=lambda p, s: steps.append((p, s)))
    assert result.successful is True and result.state == "COMPLETE"
    assert result.kind == "import" and result.object_id == "112000000003"
    assert result.counts.rows_successful == 2
    assert result.counts.rows_failed == 0
    assert result.dump_paths == []
    assert steps and steps[-1] == (1.0, "Complete.")
    assert len(task_posts(emu)) == 1


def test_failing_import_raises_with_its_dump_downloaded(
    emu: Any, client: Client, tmp_path: Path
) -> None:
    client.upload(BAD_SALES, file="Sales.csv")
    with pytest.raises(TaskFailedError) as info:
        client.run_import(SALES_IMPORT, dump_dir=tmp_path / "dumps")
    result = info.value.result
    assert result.successful is False and result.state == "COMPLETE"
    assert result.counts.rows_successful == 2
    assert result.counts.rows_failed == 3
    assert len(result.dump_paths) == 1
    dump = result.dump_paths[0].read_text()
    assert dump.splitlines()[0].startswith('"_Status_"')
    assert len(dump.splitlines()) == 1 + 3  # header + one line per failed row
    assert "Unknown Bike" in dump
    assert str(result.dump_paths[0]) in str(info.value)  # the message says where it is
    assert "Sales from Sales.csv" in str(info.value)


def test_check_false_returns_the_failed_result(emu: Any, client: Client, tmp_path: Path) -> None:
    client.upload(BAD_SALES, file="Sales.csv")
    result = client.run_import(SALES_IMPORT, check=False, dump_dir=tmp_path)
    assert result.successful is False
    assert result.counts.rows_failed == 3
    assert result.dump_paths and result.dump_paths[0].parent == tmp_path


def test_default_dump_dir_is_anaplan_dumps_in_cwd(
    emu: Any, client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    client.upload(BAD_SALES, file="Sales.csv")
    result = client.run_import(SALES_IMPORT, check=False)
    assert [p.parent for p in result.dump_paths] == [tmp_path / "anaplan-dumps"]


def test_process_reports_nested_results_and_nested_dumps(
    emu: Any, client: Client, tmp_path: Path
) -> None:
    client.upload(BAD_SALES, file="Sales.csv")
    with pytest.raises(TaskFailedError) as info:
        client.run_process("Load Sales and Export", dump_dir=tmp_path)
    result = info.value.result
    assert result.kind == "process"
    assert [n.object_id for n in result.nested] == [
        "112000000001",
        "112000000002",
        "112000000003",
        "116000000001",
    ]
    failed = [n for n in result.nested if n.successful is False]
    assert [n.object_id for n in failed] == ["112000000003"]
    assert failed[0].counts.rows_failed == 3
    assert len(result.dump_paths) == 1
    assert "Unknown Bike" in result.dump_paths[0].read_text()
    dump_gets = [r["path"] for r in emu.requests() if "/dumps/112000000003" in r["path"]]
    assert dump_gets and all("/processes/118000000001/tasks/" in p for p in dump_gets)


def test_export_runs_and_downloads_its_output(emu: Any, client: Client, tmp_path: Path) -> None:
    client.upload(GOOD_SALES, file="Sales.csv")
    client.run_import(SALES_IMPORT)
    target = tmp_path / "report.csv"
    result = client.run_export("Sales Report.csv", download_to=target)
    assert result.successful is True
    assert result.output_path == target
    text = target.read_text()
    assert text.splitlines()[0].startswith("Products,Regions")
    assert "Helmet,Japan,5" in text


def test_cancelled_task_ends_the_wait(emu: Any, client: Client) -> None:
    emu.set_task_timing(steps=200, step_s=0.05)  # ~10 s unless cancelled
    cancelled: list[Any] = []

    def cancel_soon() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            tasks = client.tasks("import", SALES_IMPORT)
            if tasks:
                cancelled.append(client.cancel_task("import", SALES_IMPORT, tasks[0].task_id))
                return
            time.sleep(0.05)

    canceller = threading.Thread(target=cancel_soon)
    started = time.monotonic()
    canceller.start()
    try:
        with pytest.raises(TaskFailedError) as info:
            client.run_import(SALES_IMPORT)
    finally:
        canceller.join(15)
    assert time.monotonic() - started < 8
    assert cancelled and cancelled[0].state in ("CANCELLING", "CANCELLED")
    assert info.value.result.state == "CANCELLED"
    assert info.value.result.successful is False
    assert "cancelled" in str(info.value)


def test_timeout_cancels_the_server_task(emu: Any, client: Client) -> None:
    emu.set_task_timing(steps=200, step_s=0.05)
    started = time.monotonic()
    with pytest.raises(TaskTimeoutError) as info:
        client.run_import(SALES_IMPORT, timeout_s=0.6)
    assert time.monotonic() - started < 8
    assert isinstance(info.value, TimeoutError)
    assert info.value.result.state == "CANCELLED"
    (task,) = client.tasks("import", SALES_IMPORT)
    assert task.task_state == "CANCELLED"
    assert [r for r in emu.requests() if r["method"] == "DELETE" and "/tasks/" in r["path"]]


def test_wait_false_returns_at_once_and_get_task_follows_up(
    emu: Any, client: Client, tmp_path: Path
) -> None:
    client.upload(BAD_SALES, file="Sales.csv")
    started = client.run_import(SALES_IMPORT, wait=False)
    assert started.state == "NOT_STARTED" and started.successful is None
    deadline = time.monotonic() + 10
    result = client.task("import", SALES_IMPORT, started.task_id)
    while not result.terminal and time.monotonic() < deadline:
        time.sleep(0.05)
        result = client.task("import", SALES_IMPORT, started.task_id)
    assert result.successful is False
    assert result.dump_paths == []  # no dump_dir: nothing downloaded
    again = client.task("import", SALES_IMPORT, started.task_id, dump_dir=tmp_path)
    assert len(again.dump_paths) == 1 and again.dump_paths[0].exists()


def test_wait_task_collects_a_task_started_earlier_like_run_does(
    emu: Any, client: Client, tmp_path: Path
) -> None:
    client.upload(BAD_SALES, file="Sales.csv")
    emu.set_task_timing(steps=4, step_s=0.05)
    started = client.run_import(SALES_IMPORT, wait=False)
    with pytest.raises(TaskFailedError) as info:
        client.wait_task("import", SALES_IMPORT, started.task_id, dump_dir=tmp_path)
    failed = info.value.result
    assert failed.task_id == started.task_id and failed.counts.rows_failed == 3
    assert len(failed.dump_paths) == 1 and failed.dump_paths[0].parent == tmp_path
    # The same ended task again: accepted as a partial load, one status request, no new task.
    before = len(emu.requests())
    accepted = client.wait_task(
        "import", SALES_IMPORT, started.task_id, accept_partial=True, dump_dir=tmp_path
    )
    assert accepted.outcome.status.value == "partial" and accepted.outcome.accepted
    status_gets = [
        r for r in emu.requests()[before:] if r["path"].endswith(f"/tasks/{started.task_id}")
    ]
    assert len(status_gets) == 1
    assert len(task_posts(emu)) == 1


def test_wait_task_downloads_an_export_output(emu: Any, client: Client, tmp_path: Path) -> None:
    client.upload(GOOD_SALES, file="Sales.csv")
    client.run_import(SALES_IMPORT)
    started = client.run_export("Sales Report.csv", wait=False)
    target = tmp_path / "report.csv"
    result = client.wait_task("export", "Sales Report.csv", started.task_id, download_to=target)
    assert result.output_path == target and "Helmet,Japan,5" in target.read_text()


def test_wait_task_for_an_unknown_task_names_it(client: Client) -> None:
    from pyanaplan.errors import NotFoundError

    with pytest.raises(NotFoundError) as info:
        client.wait_task("import", SALES_IMPORT, "0" * 32)
    assert "has no task " + "0" * 32 in str(info.value)


def test_ambiguous_start_adopts_the_created_task(emu: Any, client: Client) -> None:
    # The server creates the task, then the connection drops before the answer arrives.
    emu.inject(path="*/imports/*/tasks", method="POST", drop=True, times=1)
    client.upload(GOOD_SALES, file="Sales.csv")
    result = client.run_import(SALES_IMPORT)
    assert result.successful is True
    assert len(client.tasks("import", SALES_IMPORT)) == 1  # not started twice
    assert len(task_posts(emu)) == 1


def test_rejected_start_is_retried_once_no_task_exists(emu: Any, client: Client) -> None:
    emu.inject(path="*/imports/*/tasks", method="POST", status=503, times=1)
    client.upload(GOOD_SALES, file="Sales.csv")
    result = client.run_import(SALES_IMPORT)
    assert result.successful is True
    assert len(client.tasks("import", SALES_IMPORT)) == 1
    assert len(task_posts(emu)) == 2


def test_status_polling_survives_transient_errors(emu: Any, client: Client) -> None:
    emu.set_task_timing(steps=4, step_s=0.1)
    emu.inject(path="*/imports/*/tasks/*", method="GET", status=503, times=3)
    client.upload(GOOD_SALES, file="Sales.csv")
    assert client.run_import(SALES_IMPORT).successful is True
    assert fired(emu) == [3]  # three polls in a row failed, and the wait carried on


def test_action_runs(emu: Any, client: Client) -> None:
    result = client.run_action("Delete Discontinued Products")
    assert result.successful is True and result.kind == "action"


def test_ctrl_c_cancels_the_server_task_then_reraises(emu: Any, client: Client) -> None:
    emu.set_task_timing(steps=200, step_s=0.05)
    main = threading.get_ident()
    waiting = threading.Event()  # set only while the main thread is inside run_import
    lock = threading.Lock()

    def interrupt_once_started() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if client.tasks("import", SALES_IMPORT):
                time.sleep(0.2)  # let the poller get going
                with lock:
                    if waiting.is_set():  # never leak a Ctrl-C into pytest itself
                        signal.pthread_kill(main, signal.SIGINT)
                return
            time.sleep(0.05)

    interrupter = threading.Thread(target=interrupt_once_started)
    interrupter.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            waiting.set()
            try:
                client.run_import(SALES_IMPORT)
            finally:
                with lock:
                    waiting.clear()
    finally:
        interrupter.join(15)
    (task,) = client.tasks("import", SALES_IMPORT)
    assert task.task_state == "CANCELLED"


def test_replaced_dump_is_a_warning_not_a_crash(
    emu: Any, client: Client, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client.upload(BAD_SALES, file="Sales.csv")
    first = client.run_import(SALES_IMPORT, check=False, dump_dir=tmp_path / "a")
    second = client.run_import(SALES_IMPORT, check=False, dump_dir=tmp_path / "b")
    assert (len(first.dump_paths), len(second.dump_paths)) == (1, 1)
    # The second run replaced the first run's dump (§4.7.1): the server answers 404 for it.
    with caplog.at_level(logging.WARNING, logger="pyanaplan.tasks"):
        old = client.task("import", SALES_IMPORT, first.task_id, dump_dir=tmp_path / "c")
    assert old.successful is False and old.failure_dump_available
    assert old.dump_paths == []
    assert any("no longer available" in r.getMessage() for r in caplog.records)


def test_refused_dump_chunk_list_falls_back_to_the_whole_dump(
    emu: Any, client: Client, tmp_path: Path
) -> None:
    client.upload(BAD_SALES, file="Sales.csv")
    emu.inject(path="*/dump/chunks", method="GET", status=400, times=1)
    result = client.run_import(SALES_IMPORT, check=False, dump_dir=tmp_path)
    assert len(result.dump_paths) == 1
    assert "Unknown Bike" in result.dump_paths[0].read_text()
    whole = [r for r in emu.requests() if r["method"] == "GET" and r["path"].endswith("/dump")]
    assert len(whole) == 1 and whole[0]["status"] == 200


def test_lost_start_with_another_users_task_in_between_is_ambiguous_never_adopted(
    emu: Any, client: Client, make_client: Any
) -> None:
    """Two users start the same import; our start's answer is lost after the server ran it.

    Attempt 1 is refused (503, nothing created); while we wait to retry, the other user starts
    the import; attempt 2 is run by the server but its answer is lost. Two tasks are new: the
    other user's (older) and ours. Neither may be reported as ours.
    """
    from pyanaplan.errors import AmbiguousTaskStartError
    from pyanaplan.tasks.start import start_task

    emu.set_task_timing(steps=200, step_s=0.05)  # both stay running while we look
    other_email, other_password = emu.users[1]
    other = make_client(
        user=other_email, password=other_password, workspace="Demo Workspace",
        model="Sales Planning",
    )  # fmt: skip
    ref = client.model_ref()
    import_id = client.resolve("import", SALES_IMPORT).id
    emu.inject(path="*/imports/*/tasks", method="POST", status=503, times=1)
    theirs: list[str] = []

    def between_attempts(_seconds: float) -> None:
        theirs.append(other.run_import(SALES_IMPORT, wait=False).task_id)
        emu.inject(path="*/imports/*/tasks", method="POST", drop=True, times=1)

    with pytest.raises(AmbiguousTaskStartError) as info:
        start_task(
            client.session,
            "import",
            workspace_id=ref.workspace_id,
            model_id=ref.model_id,
            object_id=import_id,
            object_name=SALES_IMPORT,
            sleep=between_attempts,
        )
    assert [r["status"] for r in task_posts(emu)] == [503, 200, "dropped"]  # faults fired
    listed = {t.task_id for t in client.tasks("import", SALES_IMPORT)}
    assert len(listed) == 2 and theirs[0] in listed
    candidates = {c["id"] for c in info.value.candidates}
    assert candidates == listed
    assert all(task_id in str(info.value) for task_id in listed)
    assert "ambiguous" in str(info.value)
    assert "pyanaplan task import" in info.value.hint


def test_lost_start_adopts_only_the_single_new_task(emu: Any, client: Client) -> None:
    emu.inject(path="*/imports/*/tasks", method="POST", drop=True, times=1)
    client.upload(GOOD_SALES, file="Sales.csv")
    result = client.run_import(SALES_IMPORT)
    (task,) = client.tasks("import", SALES_IMPORT)
    assert result.task_id == task.task_id and result.successful is True
    assert [r["status"] for r in task_posts(emu)] == ["dropped"]


def test_lost_connection_while_waiting_names_the_task_and_the_command(
    emu: Any, client: Client
) -> None:
    from pyanaplan.errors import ServerError

    emu.set_task_timing(steps=100, step_s=0.1)
    emu.inject(path="*/imports/*/tasks/*", method="GET", status=503, times=10_000)
    with pytest.raises(ServerError) as info:
        client.run_import(SALES_IMPORT)
    (task,) = client.tasks("import", SALES_IMPORT)
    assert task.task_id in str(info.value) and "may still be running" in str(info.value)
    assert f"pyanaplan task import 'Sales from Sales.csv' {task.task_id}" in info.value.hint


def test_dump_that_cannot_be_saved_keeps_the_task_result_with_a_warning(
    emu: Any, client: Client, tmp_path: Path
) -> None:
    client.upload(BAD_SALES, file="Sales.csv")
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the dump directory should be")
    with pytest.raises(TaskFailedError) as info:
        client.run_import(SALES_IMPORT, dump_dir=blocker / "dumps")
    result = info.value.result
    assert result.task_id and result.counts.rows_failed == 3 and result.dump_paths == []
    assert len(result.warnings) == 1 and "could not be saved" in result.warnings[0]
    assert result.task_id in result.warnings[0]
    # The same through `task --dump-dir`: the result, plus the warning.
    again = client.task("import", SALES_IMPORT, result.task_id, dump_dir=blocker / "dumps")
    assert again.successful is False and again.warnings


def test_cancelling_a_finished_task_says_nothing_was_cancelled(emu: Any, client: Client) -> None:
    client.upload(GOOD_SALES, file="Sales.csv")
    done = client.run_import(SALES_IMPORT)
    result = client.cancel_task("import", SALES_IMPORT, done.task_id)
    assert result.state == "COMPLETE" and result.successful is True
    assert result.warnings and "nothing was cancelled" in result.warnings[0]
