"""Start, wait for, inspect and cancel import/export/action/process tasks (reference §4.6).

Starting a task is the one call that must never be repeated blindly (§10.27): a retried POST can
run an import twice. The task ids are listed just before the first POST; after an ambiguous failure
(connection lost, timeout, 5xx) the task list is checked for a task whose id was not there before
another start is attempted. Only ids are compared: the server's `creationTime` is never compared
with our own clock, which may be skewed by minutes.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from pyanaplan.errors import ConfigError, ServerError, TaskFailedError, TransportError
from pyanaplan.http._session import ApiSession
from pyanaplan.models.tasks import TaskStatus, TaskSummary, task_payload
from pyanaplan.tasks.dumps import download_dumps
from pyanaplan.tasks.outcome import Outcome
from pyanaplan.tasks.results import KINDS, TaskResult, parse_task_result
from pyanaplan.tasks.wait import TaskTimeoutError, wait_for_task
from pyanaplan.transfer.download import download_file
from pyanaplan.transfer.progress import TaskProgressCallback

__all__ = [
    "START_ATTEMPTS",
    "cancel_task",
    "get_task",
    "list_tasks",
    "mapping_parameters",
    "run_task",
    "start_task",
]

log = logging.getLogger(__name__)

#: How many times a start is attempted when earlier attempts failed ambiguously and the task
#: list showed no task created by them.
START_ATTEMPTS = 3
#: The only locale the API supports (§4.6.3).
LOCALE = "en_US"


def _tasks_path(kind: str, workspace_id: str, model_id: str, object_id: str) -> str:
    try:
        segment = KINDS[kind]
    except KeyError:
        raise ConfigError(f"Unknown task kind {kind!r}; use one of: {', '.join(KINDS)}.") from None
    return f"/workspaces/{workspace_id}/models/{model_id}/{segment}/{object_id}/tasks"


def _label(kind: str, object_name: str, object_id: str, model_id: str) -> str:
    return f"{kind.capitalize()} '{object_name}' ({object_id}) in model {model_id}"


def start_task(
    session: ApiSession,
    kind: str,
    *,
    workspace_id: str,
    model_id: str,
    object_id: str,
    mapping: Mapping[str, str] | Sequence[Mapping[str, str]] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Start a task and return its id, without ever starting it twice by accident.

    Args:
        session: The API session.
        kind: "import", "export", "action" or "process".
        workspace_id: Workspace id.
        model_id: Model id.
        object_id: Id of the import/export/action/process.
        mapping: Import mapping parameters, `{"Dimension": "Item"}` (§4.6.3).
        sleep: Sleep function between attempts (tests pass a fake).

    Returns:
        The task id.

    Raises:
        TransportError, ServerError: Every attempt failed and no task appeared in the list.
        APIError: Any other error (not retried).
    """
    path = _tasks_path(kind, workspace_id, model_id, object_id)
    body: dict[str, Any] = {"localeName": LOCALE}  # localeName first, as the docs ask (§4.6.3)
    parameters = mapping_parameters(mapping)
    if parameters:
        body["mappingParameters"] = parameters
    # Taken once, before the first attempt: a task created by an earlier attempt that shows up in
    # the list only late is still recognised as ours by a later check.
    known = _task_ids(session, path)
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            response = session.request("POST", path, json=body, retry=False)
        except (TransportError, ServerError) as exc:
            adopted = _find_started(session, path, known=known)
            if adopted is not None:
                log.warning(
                    "Starting the task failed ambiguously (%s); adopting task %s", exc, adopted
                )
                return adopted
            if attempt == START_ATTEMPTS:
                raise
            log.warning("Starting the task failed (%s) and no task was created; retrying", exc)
            sleep(0.5 * attempt)
            continue
        task = task_payload(response.json() if response.content else {})
        task_id = task.get("taskId")
        if not task_id:
            raise ServerError(
                "The server accepted the task start but returned no task id.",
                status=response.status_code,
                method="POST",
                url=path,
            )
        return str(task_id)
    raise AssertionError("unreachable")  # pragma: no cover


def mapping_parameters(
    mapping: Mapping[str, str] | Sequence[Mapping[str, str]] | None,
) -> list[dict[str, str]]:
    """`mappingParameters` from `{"Dim": "Item"}`, or from a list of such dicts or of
    `{"entityType": …, "entityName": …}` dicts (the API's own shape)."""
    if not mapping:
        return []
    items = [mapping] if isinstance(mapping, Mapping) else list(mapping)
    out: list[dict[str, str]] = []
    for item in items:
        if not isinstance(item, Mapping):
            raise ConfigError(
                "A mapping is {'Dimension': 'Item'} or a list of such dicts.",
                hint="Example: mapping={'Version': 'Actual'}.",
            )
        if "entityType" in item and "entityName" in item:
            out.append(
                {"entityType": str(item["entityType"]), "entityName": str(item["entityName"])}
            )
            continue
        out.extend({"entityType": str(k), "entityName": str(v)} for k, v in item.items())
    return out


def _task_ids(session: ApiSession, path: str) -> frozenset[str]:
    """The ids of the tasks the server lists now (the baseline for `_find_started`)."""
    return frozenset(
        str(item["taskId"])
        for item in session.paged(path, "tasks")
        if isinstance(item, dict) and item.get("taskId")
    )


def _find_started(session: ApiSession, path: str, *, known: frozenset[str]) -> str | None:
    """The task our ambiguous start created, if any: one whose id is not in `known`.

    Several new tasks mean another client (task lists include other users' tasks, §10.18) started
    one too since our baseline; ours was posted right after the baseline was taken, so the
    earliest new one is most likely ours. Residual race: if another client's start lands between
    our listing and our POST, we adopt its task and ours runs unobserved. Only the server's own
    `creationTime` values are compared with each other, never with our clock.
    """
    new = [
        TaskSummary.model_validate(item)
        for item in session.paged(path, "tasks")
        if isinstance(item, dict) and item.get("taskId") and str(item["taskId"]) not in known
    ]
    if not new:
        return None
    # A task without creationTime sorts last; ties keep list order (stable sort).
    return min(new, key=lambda t: (t.creation_time is None, t.creation_time or 0)).task_id


def list_tasks(
    session: ApiSession, kind: str, *, workspace_id: str, model_id: str, object_id: str
) -> list[TaskSummary]:
    """The tasks of an import/export/action/process (may include other users' tasks, §10.18)."""
    path = _tasks_path(kind, workspace_id, model_id, object_id)
    return [TaskSummary.model_validate(item) for item in session.paged(path, "tasks")]


def _get_status(session: ApiSession, path: str, task_id: str) -> TaskStatus:
    return TaskStatus.model_validate(task_payload(session.get_json(f"{path}/{task_id}")))


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

    Raises:
        NotFoundError: No such task.
    """
    path = _tasks_path(kind, workspace_id, model_id, object_id)
    result = parse_task_result(
        _get_status(session, path, task_id), kind=kind, object_id=object_id, object_name=object_name
    )
    if dump_dir is not None and result.outcome.dumps_available:
        dumps = download_dumps(
            session, result, workspace_id=workspace_id, model_id=model_id, dump_dir=dump_dir
        )
        result = dataclasses.replace(result, dump_paths=dumps)
    return result


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
    """Ask the server to cancel a task; returns its state right after (CANCELLING or CANCELLED).

    Cancelling is not guaranteed to stop a task (§4.6.6): poll `get_task` to see how it ended.
    """
    path = _tasks_path(kind, workspace_id, model_id, object_id)
    response = session.request("DELETE", f"{path}/{task_id}")
    payload = task_payload(response.json()) if response.content else {}
    if not payload.get("taskId"):
        return get_task(
            session,
            kind,
            workspace_id=workspace_id,
            model_id=model_id,
            object_id=object_id,
            object_name=object_name,
            task_id=task_id,
        )
    return parse_task_result(
        TaskStatus.model_validate(payload), kind=kind, object_id=object_id, object_name=object_name
    )


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
        dump_dir: Where failure dumps go; None for `./anaplan-dumps`.
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
        TaskTimeoutError: `timeout_s` passed (the server task was cancelled).
        KeyboardInterrupt: Re-raised after cancelling the server task.
        AnaplanError: Starting or polling failed.
    """
    path = _tasks_path(kind, workspace_id, model_id, object_id)
    label = _label(kind, object_name, object_id, model_id)
    task_id = start_task(
        session,
        kind,
        workspace_id=workspace_id,
        model_id=model_id,
        object_id=object_id,
        mapping=mapping,
    )
    log.info("Started %s: task %s", label, task_id)

    def parse(status: TaskStatus) -> TaskResult:
        return parse_task_result(
            status,
            kind=kind,
            object_id=object_id,
            object_name=object_name,
            accept_partial=accept_partial,
            fail_on_ignored=fail_on_ignored,
        )

    if not wait:
        return TaskResult(
            task_id=task_id,
            kind=kind,
            object_id=object_id,
            object_name=object_name,
            state="NOT_STARTED",
            successful=None,
        )

    def on_status(status: TaskStatus) -> None:
        if on_task_progress is not None:
            on_task_progress(status.progress, status.current_step)

    def on_timeout(status: TaskStatus | None) -> BaseException:
        last = parse(status) if status is not None else None
        return TaskTimeoutError(
            f"{label} (task {task_id}) did not finish within {timeout_s:g} s; it was cancelled"
            + (f" and is now {last.state}." if last is not None else "."),
            result=last,
        )

    status = wait_for_task(
        lambda: _get_status(session, path, task_id),
        cancel=lambda: _cancel_status(session, path, task_id),
        label=f"{label} (task {task_id})",
        timeout_s=timeout_s,
        on_status=on_status,
        on_timeout=on_timeout,
    )
    result = parse(status)
    # Keyed on the outcome, not on `successful`: a server that says `successful: true` next to
    # `failureDumpAvailable: true` still gets its dump downloaded.
    if result.outcome.dumps_available:
        dumps = download_dumps(
            session, result, workspace_id=workspace_id, model_id=model_id, dump_dir=dump_dir
        )
        result = dataclasses.replace(result, dump_paths=dumps)
    if result.successful and kind == "export" and download_to is not None:
        downloaded = download_file(
            session,
            download_to,
            workspace_id=workspace_id,
            model_id=model_id,
            file_id=object_id,  # an export's output file has the export's id (§4.5.6)
            file_name=object_name,
        )
        result = dataclasses.replace(result, output_path=downloaded.path)
    if check and not result.outcome.accepted:
        raise TaskFailedError(
            _failure_message(result, model_id), result=result, hint=_failure_hint(result)
        )
    return result


def _cancel_status(session: ApiSession, path: str, task_id: str) -> TaskStatus | None:
    response = session.request("DELETE", f"{path}/{task_id}")
    payload = task_payload(response.json()) if response.content else {}
    return TaskStatus.model_validate(payload) if payload.get("taskId") else None


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
