"""Run, inspect and cancel import/export/action/process tasks (api-notes §4.6).

`run_task` starts a task (`start.py`: never twice by accident), waits for it (`wait.py`), saves
its failure dumps and, for an export, downloads its output. Ctrl-C at any point ends in a
`TaskInterrupted` that says what the server confirmed: cancelled (CANCELLED or CANCELLING),
finished anyway, or unknown, with the commands to check or cancel the task.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from pyanaplan.errors import (
    AnaplanError,
    APIError,
    ConfigError,
    TaskFailedError,
    TaskInterrupted,
    TransferError,
    TransportError,
)
from pyanaplan.http._session import ApiSession
from pyanaplan.models.tasks import TaskStatus, TaskSummary, task_payload
from pyanaplan.tasks._common import (
    cancel_status,
    get_status,
    interrupted_task,
    list_summaries,
    task_commands,
    task_label,
    tasks_path,
)
from pyanaplan.tasks.dumps import download_dumps
from pyanaplan.tasks.outcome import Outcome
from pyanaplan.tasks.results import TaskResult, parse_task_result
from pyanaplan.tasks.start import START_ATTEMPTS, mapping_parameters, start_task
from pyanaplan.tasks.wait import (
    CANCEL_STATES,
    CancelOutcome,
    TaskTimeoutError,
    cancel_and_settle,
    wait_for_task,
)
from pyanaplan.transfer.download import download_file
from pyanaplan.transfer.progress import TaskProgressCallback

__all__ = [
    "START_ATTEMPTS",
    "cancel_task",
    "export_output_version",
    "finish_task",
    "get_task",
    "list_tasks",
    "mapping_parameters",
    "run_task",
    "start_task",
    "task_commands",
]

log = logging.getLogger(__name__)


def list_tasks(
    session: ApiSession, kind: str, *, workspace_id: str, model_id: str, object_id: str
) -> list[TaskSummary]:
    """The tasks of an import/export/action/process (may include other users' tasks, §10.18)."""
    path = tasks_path(kind, workspace_id, model_id, object_id)
    return [TaskSummary.model_validate(item) for item in session.paged(path, "tasks")]


def get_task(
    session: ApiSession,
    kind: str,
    *,
    workspace_id: str,
    model_id: str,
    object_id: str,
    object_name: str,
    task_id: str,
    dump_dir: Path | None = None,
) -> TaskResult:
    """The current state of one task; with `dump_dir`, download its failure dumps too.

    A dump that cannot be saved (unwritable directory, network) does not hide the task's
    result: it is returned with a warning in `TaskResult.warnings`.

    Raises:
        NotFoundError: No such task.
    """
    path = tasks_path(kind, workspace_id, model_id, object_id)
    result = parse_task_result(
        get_status(session, path, task_id), kind=kind, object_id=object_id, object_name=object_name
    )
    if dump_dir is not None and result.outcome.dumps_available:
        result = _with_dumps(
            session, result, workspace_id=workspace_id, model_id=model_id, dump_dir=dump_dir
        )
    return result


def _with_dumps(
    session: ApiSession,
    result: TaskResult,
    *,
    workspace_id: str,
    model_id: str,
    dump_dir: Path | None,
) -> TaskResult:
    """`result` with its dumps downloaded, or with a warning saying why they could not be.

    The task's own outcome (its id, counts, success) matters more than its dump: a dump that
    cannot be written must never turn a finished task into an unrelated error.
    """
    try:
        dumps = download_dumps(
            session, result, workspace_id=workspace_id, model_id=model_id, dump_dir=dump_dir
        )
    except (AnaplanError, OSError) as exc:
        reason = getattr(exc, "message", None) or getattr(exc, "strerror", None) or str(exc)
        where = f" to {dump_dir}" if dump_dir is not None else ""
        warning = (
            f"The failure dump of task {result.task_id} could not be saved{where}: "
            f"{str(reason).rstrip('.')}. Save it later with `pyanaplan task {result.kind} "
            f"{shlex.quote(result.object_name or result.object_id)} {result.task_id} "
            "--dump-dir DIR`."
        )
        log.warning("%s", warning)
        return dataclasses.replace(result, warnings=[*result.warnings, warning])
    return dataclasses.replace(result, dump_paths=dumps)


def cancel_task(
    session: ApiSession,
    kind: str,
    *,
    workspace_id: str,
    model_id: str,
    object_id: str,
    object_name: str,
    task_id: str,
) -> TaskResult:
    """Ask the server to cancel a task; returns its state right after.

    The state is CANCELLING or CANCELLED when the cancel took hold; a task that had already
    finished stays COMPLETE, and the result then carries a warning saying nothing was cancelled.
    Cancelling is not guaranteed to stop a task (§4.6.6): poll `get_task` to see how it ended.
    """
    path = tasks_path(kind, workspace_id, model_id, object_id)
    response = session.request("DELETE", f"{path}/{task_id}")
    payload = task_payload(response.json()) if response.content else {}
    if not payload.get("taskId"):
        result = get_task(
            session,
            kind,
            workspace_id=workspace_id,
            model_id=model_id,
            object_id=object_id,
            object_name=object_name,
            task_id=task_id,
        )
    else:
        result = parse_task_result(
            TaskStatus.model_validate(payload),
            kind=kind,
            object_id=object_id,
            object_name=object_name,
        )
    if result.state not in CANCEL_STATES:
        label = task_label(kind, object_name, object_id, model_id)
        done = "had already finished" if result.state == "COMPLETE" else "is"
        warning = (
            f"Task {task_id} of {label} {done} ({result.state}); nothing was cancelled."
            if result.state == "COMPLETE"
            else f"Task {task_id} of {label} is {result.state}: the server did not confirm "
            "the cancel."
        )
        result = dataclasses.replace(result, warnings=[*result.warnings, warning])
    return result


def run_task(
    session: ApiSession,
    kind: str,
    *,
    workspace_id: str,
    model_id: str,
    object_id: str,
    object_name: str,
    mapping: Mapping[str, str] | Sequence[Mapping[str, str]] | None = None,
    wait: bool = True,
    timeout_s: float | None = None,
    dump_dir: Path | None = None,
    check: bool = True,
    accept_partial: bool = False,
    fail_on_ignored: bool = False,
    on_task_progress: TaskProgressCallback | None = None,
    download_to: str | os.PathLike[str] | IO[bytes] | None = None,
) -> TaskResult:
    """Start a task and (by default) wait for it, download its dumps, and check it succeeded.

    Success is decided from every signal of the result (`tasks.outcome.decide_outcome`): an
    import that rejected rows is a failure even when the server says `successful: true`.

    Args:
        session: The API session.
        kind: "import", "export", "action" or "process".
        workspace_id: Workspace id.
        model_id: Model id.
        object_id: Id of the import/export/action/process.
        object_name: Its name (for messages and dump file names).
        mapping: Import mapping parameters `{"Dimension": "Item"}`.
        wait: Wait for the task to end; False returns right after starting it.
        timeout_s: Give up after this many seconds: the server task is cancelled and awaited,
            then `TaskTimeoutError` is raised. None waits as long as it takes.
        dump_dir: Where failure dumps go; None for `./anaplan-dumps`. A dump that cannot be
            saved leaves a warning in `TaskResult.warnings`; the task's outcome stands.
        check: Raise `TaskFailedError` when the outcome is not accepted (dumps already saved);
            False returns every result for the caller to inspect (`result.outcome`).
        accept_partial: Accept a load that rejected rows (outcome PARTIAL): no error, the
            result's `outcome` still says PARTIAL and names the counts. Failures still raise.
        fail_on_ignored: Treat ignored rows (e.g. values for calculated line items) like
            rejected rows; by default they are only reported in `outcome.notes`.
        on_task_progress: `on_task_progress(progress, current_step)` on every change.
        download_to: For exports: download the output file here once the export succeeded.

    Returns:
        The `TaskResult` (with `dump_paths` and `output_path` filled in).

    Raises:
        TaskFailedError: The task failed, was cancelled, or rejected rows without
            `accept_partial` (unless `check=False`); the message names the counts.
        TaskTimeoutError: `timeout_s` passed (the server task was asked to cancel).
        AmbiguousTaskStartError: The start's answer was lost and no task is provably ours.
        TaskInterrupted: Ctrl-C; says whether the server confirmed the cancel.
        AnaplanError: Starting or polling failed (a lost connection while waiting names the
            task id and the commands to check it).
    """
    task_id = start_task(
        session,
        kind,
        workspace_id=workspace_id,
        model_id=model_id,
        object_id=object_id,
        object_name=object_name,
        mapping=mapping,
    )
    log.info("Started %s: task %s", task_label(kind, object_name, object_id, model_id), task_id)
    if not wait:
        return TaskResult(
            task_id=task_id,
            kind=kind,
            object_id=object_id,
            object_name=object_name,
            state="NOT_STARTED",
            successful=None,
        )
    return finish_task(
        session,
        kind,
        workspace_id=workspace_id,
        model_id=model_id,
        object_id=object_id,
        object_name=object_name,
        task_id=task_id,
        timeout_s=timeout_s,
        dump_dir=dump_dir,
        check=check,
        accept_partial=accept_partial,
        fail_on_ignored=fail_on_ignored,
        on_task_progress=on_task_progress,
        download_to=download_to,
    )


def finish_task(
    session: ApiSession,
    kind: str,
    *,
    workspace_id: str,
    model_id: str,
    object_id: str,
    object_name: str,
    task_id: str,
    timeout_s: float | None = None,
    dump_dir: Path | None = None,
    check: bool = True,
    accept_partial: bool = False,
    fail_on_ignored: bool = False,
    on_task_progress: TaskProgressCallback | None = None,
    download_to: str | os.PathLike[str] | IO[bytes] | None = None,
) -> TaskResult:
    """Wait for a started task, save its dumps (and an export's output), check the outcome.

    The second half of `run_task`, on its own so a task started earlier (with `wait=False`, by
    another process, or by an earlier try of an orchestrator's job) is collected exactly as
    `run_task` collects its own. A task that has already ended costs one status request.

    Args: as for `run_task`; `task_id` is the task to wait for.

    Raises: as `run_task` does after the start (TaskFailedError, TaskTimeoutError,
        TaskInterrupted, AnaplanError); NotFoundError for an unknown task id.
    """
    path = tasks_path(kind, workspace_id, model_id, object_id)
    label = task_label(kind, object_name, object_id, model_id)
    try:
        return _wait_and_collect(
            session,
            kind,
            path=path,
            label=label,
            task_id=task_id,
            workspace_id=workspace_id,
            model_id=model_id,
            object_id=object_id,
            object_name=object_name,
            timeout_s=timeout_s,
            dump_dir=dump_dir,
            check=check,
            accept_partial=accept_partial,
            fail_on_ignored=fail_on_ignored,
            on_task_progress=on_task_progress,
            download_to=download_to,
        )
    except TaskInterrupted:
        raise
    except KeyboardInterrupt:
        # Ctrl-C outside the poll loop (right after the start, or while saving dumps or the
        # export's output): the same cancel, reported by what the server confirms.
        outcome = cancel_and_settle(
            lambda: get_status(session, path, task_id),
            lambda: cancel_status(session, path, task_id),
            f"{label} (task {task_id})",
        )
        raise interrupted_task(kind, object_name, label, task_id, outcome) from None


def _wait_and_collect(
    session: ApiSession,
    kind: str,
    *,
    path: str,
    label: str,
    task_id: str,
    workspace_id: str,
    model_id: str,
    object_id: str,
    object_name: str,
    timeout_s: float | None,
    dump_dir: Path | None,
    check: bool,
    accept_partial: bool,
    fail_on_ignored: bool,
    on_task_progress: TaskProgressCallback | None,
    download_to: str | os.PathLike[str] | IO[bytes] | None,
) -> TaskResult:
    def parse(status: TaskStatus) -> TaskResult:
        return parse_task_result(
            status,
            kind=kind,
            object_id=object_id,
            object_name=object_name,
            accept_partial=accept_partial,
            fail_on_ignored=fail_on_ignored,
        )

    def on_status(status: TaskStatus) -> None:
        if on_task_progress is not None:
            on_task_progress(status.progress, status.current_step)

    def on_timeout(last: TaskStatus | None, outcome: CancelOutcome) -> BaseException:
        final = outcome.status or last
        result = parse(final) if final is not None else None
        where = f"{label} (task {task_id}) did not finish within {timeout_s:g} s"
        if outcome.confirmed:
            return TaskTimeoutError(
                f"{where}; it was cancelled and is {outcome.state}.", result=result
            )
        why = (
            f"the cancel request failed ({_reason(outcome.error)})"
            if outcome.error is not None
            else f"the server did not confirm the cancel (state {outcome.state or 'unknown'})"
        )
        return TaskTimeoutError(
            f"{where}, and it may still be running: {why}.",
            result=result,
            hint=task_commands(kind, object_name, task_id),
        )

    def on_interrupt(_last: TaskStatus | None, outcome: CancelOutcome) -> BaseException:
        return interrupted_task(kind, object_name, label, task_id, outcome)

    try:
        status = wait_for_task(
            lambda: get_status(session, path, task_id),
            cancel=lambda: cancel_status(session, path, task_id),
            label=f"{label} (task {task_id})",
            timeout_s=timeout_s,
            on_status=on_status,
            on_timeout=on_timeout,
            on_interrupt=on_interrupt,
        )
    except TaskFailedError:
        raise
    except AnaplanError as exc:
        # Polling gave up (connection lost, server errors): the task itself may run on.
        raise _with_context(
            exc,
            f"Lost track of {label} (task {task_id}) while waiting for it, and it may still be "
            f"running: {exc.message}",
            task_commands(kind, object_name, task_id),
        ) from exc
    result = parse(status)
    # Keyed on the outcome, not on `successful`: a server that says `successful: true` next to
    # `failureDumpAvailable: true` still gets its dump downloaded.
    if result.outcome.dumps_available:
        result = _with_dumps(
            session, result, workspace_id=workspace_id, model_id=model_id, dump_dir=dump_dir
        )
    if result.successful and kind == "export" and download_to is not None:
        try:
            downloaded = download_file(
                session,
                download_to,
                workspace_id=workspace_id,
                model_id=model_id,
                file_id=object_id,  # an export's output file has the export's id (api-notes §4.5.6)
                file_name=object_name,
                content_version=lambda: export_output_version(session, path),
            )
        except AnaplanError as exc:
            raise _with_context(
                exc,
                f"{label} (task {task_id}) completed, but its output could not be downloaded: "
                f"{exc.message}",
                exc.hint,
            ) from exc
        result = dataclasses.replace(result, output_path=downloaded.path)
    if check and not result.outcome.accepted:
        raise TaskFailedError(
            _failure_message(result, model_id), result=result, hint=_failure_hint(result)
        )
    return result


def export_output_version(session: ApiSession, tasks_path: str) -> str:
    """A token that changes whenever the export's output file may have been rewritten.

    The output is written by the export's tasks, so the token is built from the newest COMPLETE
    task and every task not yet terminal (by any user: the list names no user, and a rerun by
    another user may share the output). A new run, or a queued one finishing, changes it.
    """
    tasks = list(list_summaries(session, tasks_path).values())
    complete = [t for t in tasks if t.task_state == "COMPLETE"]
    newest = max(complete, key=lambda t: t.creation_time or 0, default=None)
    relevant = [t for t in tasks if t.task_state not in ("COMPLETE", "CANCELLED")]
    if newest is not None:
        relevant.append(newest)
    parts = sorted(f"{t.task_id}:{t.task_state}" for t in relevant)
    return "export-tasks:" + ",".join(parts)


def _reason(error: BaseException | None) -> str:
    text = getattr(error, "message", None) or str(error)
    return str(text).rstrip(".")


def _with_context(exc: AnaplanError, message: str, hint: str) -> AnaplanError:
    """The same kind of error (same class and fields), with a message that names the task."""
    if isinstance(exc, APIError):
        return type(exc)(
            message,
            status=exc.status,
            code=exc.code,
            request_id=exc.request_id,
            method=exc.method,
            url=exc.url,
            hint=hint,
        )
    if isinstance(exc, TransportError):
        return TransportError(message, hint=hint, request_sent=exc.request_sent)
    if isinstance(exc, TransferError | ConfigError):
        return type(exc)(message, hint=hint)
    return AnaplanError(message, hint=hint)


def _failure_message(result: TaskResult, model_id: str) -> str:
    message = result.describe(f"in model {model_id} (task {result.task_id})") + "."
    if result.dump_paths:
        message += " Failure dump: " + ", ".join(str(p) for p in result.dump_paths)
    elif result.outcome.status is Outcome.PARTIAL and result.outcome.dumps_available:
        message += " The failure dump could not be downloaded (expired or replaced)."
    return message


def _failure_hint(result: TaskResult) -> str | None:
    if result.outcome.status is Outcome.PARTIAL:
        return (
            "Fix the rejected rows (the failure dump lists each with its error) and run it "
            "again, or accept partial loads explicitly (CLI: --accept-partial; Python: "
            "accept_partial=True)."
        )
    return None
