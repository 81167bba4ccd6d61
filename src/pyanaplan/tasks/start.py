"""Start a task without ever starting it twice by accident (api-notes §4.6.3).

Starting a task is the one call that must never be repeated blindly (api-notes §10.27): a
retried POST can run an import twice. The task ids are listed just before the first POST; after
an ambiguous failure (connection lost after sending, timeout, 5xx) the task list is checked for
tasks whose ids were not there before. Task lists include other users' tasks and name no user
(api-notes §4.6.5), so a new task is adopted as ours only when the evidence is unambiguous:
exactly one new task, no older than the newest task already listed. Anything else fails with
`AmbiguousTaskStartError` naming every candidate: never report another task's result. The
server's `creationTime` values are compared only with each other, never with our own clock,
which may be skewed by minutes.

Residual risk, stated in the README: a start that was sent but never reached the server, while
another client's start of the same definition landed in the same moment, leaves exactly one new
task that is not ours; the task list offers nothing to tell the two apart.
"""

from __future__ import annotations

import dataclasses
import logging
import shlex
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pyanaplan.errors import (
    AmbiguousTaskStartError,
    AnaplanError,
    ConfigError,
    ServerError,
    TaskInterrupted,
    TransportError,
)
from pyanaplan.http._session import ApiSession
from pyanaplan.models.tasks import TaskSummary, task_payload
from pyanaplan.tasks._common import (
    cancel_status,
    get_status,
    interrupted_task,
    list_summaries,
    task_commands,
    task_label,
    tasks_path,
)
from pyanaplan.tasks.wait import cancel_and_settle

__all__ = ["LOCALE", "START_ATTEMPTS", "mapping_parameters", "start_task"]

log = logging.getLogger(__name__)

#: How many times a start is attempted when earlier attempts failed ambiguously and the task
#: list showed no task created by them.
START_ATTEMPTS = 3
#: The only locale the API supports (api-notes §4.6.3).
LOCALE = "en_US"


@dataclasses.dataclass
class _Start:
    """How far a start got: read when Ctrl-C interrupts it."""

    posted: bool = False
    task_id: str | None = None
    known: dict[str, TaskSummary] | None = None
    candidates: list[TaskSummary] = dataclasses.field(default_factory=list)


def start_task(
    session: ApiSession,
    kind: str,
    *,
    workspace_id: str,
    model_id: str,
    object_id: str,
    object_name: str | None = None,
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
        object_name: Its name, for messages (the id when None).
        mapping: Import mapping parameters, `{"Dimension": "Item"}` (api-notes §4.6.3).
        sleep: Sleep function between attempts (tests pass a fake).

    Returns:
        The task id.

    Raises:
        AmbiguousTaskStartError: A start's answer was lost and the task list does not show
            unambiguously which task it created (the candidates are named).
        TransportError, ServerError: Every attempt failed and no task appeared in the list.
        TaskInterrupted: Ctrl-C; says whether a task may have been started (and cancels it
            when it is known).
        APIError: Any other error (not retried).
    """
    name = object_name or object_id
    path = tasks_path(kind, workspace_id, model_id, object_id)
    label = task_label(kind, name, object_id, model_id)
    state = _Start()
    try:
        return _start(session, path, kind, name, label, mapping, sleep, state)
    except KeyboardInterrupt:
        raise _interrupted_start(session, path, kind, name, label, state) from None


def _start(
    session: ApiSession,
    path: str,
    kind: str,
    name: str,
    label: str,
    mapping: Mapping[str, str] | Sequence[Mapping[str, str]] | None,
    sleep: Callable[[float], None],
    state: _Start,
) -> str:
    # localeName first, as the docs ask (api-notes §4.6.3).
    body: dict[str, Any] = {"localeName": LOCALE}
    parameters = mapping_parameters(mapping)
    if parameters:
        body["mappingParameters"] = parameters
    # Taken once, before the first attempt: a task created by an earlier attempt that shows up in
    # the list only late is still recognised as new by a later check.
    known = list_summaries(session, path)
    state.known = known
    for attempt in range(1, START_ATTEMPTS + 1):
        sent_before = state.posted
        try:
            state.posted = True
            response = session.request("POST", path, json=body, retry=False)
        except (TransportError, ServerError) as exc:
            if isinstance(exc, TransportError) and exc.request_sent is False:
                # The request never left this machine: this attempt cannot have started a task.
                state.posted = sent_before
                if attempt == START_ATTEMPTS:
                    raise
                log.warning("Could not send the task start (%s); retrying", exc)
                sleep(0.5 * attempt)
                continue
            adopted = _adopt(session, path, known, label, kind, name, exc, state)
            if adopted is not None:
                log.warning(
                    "Starting the task failed ambiguously (%s); adopting task %s, the only "
                    "task that appeared meanwhile",
                    exc,
                    adopted,
                )
                state.task_id = adopted
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
        state.task_id = str(task_id)
        return state.task_id
    raise AssertionError("unreachable")  # pragma: no cover


def _new_tasks(
    session: ApiSession, path: str, known: Mapping[str, TaskSummary]
) -> list[TaskSummary]:
    return [t for i, t in list_summaries(session, path).items() if i not in known]


def _plausibly_ours(task: TaskSummary, known: Mapping[str, TaskSummary]) -> bool:
    """A new task created before a task that was already listed is not the one we just posted.

    Only server times are compared with each other. Without times there is nothing to check.
    """
    times = [t.creation_time for t in known.values() if t.creation_time is not None]
    if not times or task.creation_time is None:
        return True
    return task.creation_time >= max(times)


def _adopt(
    session: ApiSession,
    path: str,
    known: Mapping[str, TaskSummary],
    label: str,
    kind: str,
    name: str,
    cause: AnaplanError,
    state: _Start,
) -> str | None:
    """The task our ambiguous start created: the only new one, if it can be ours; None when no
    new task appeared; `AmbiguousTaskStartError` otherwise."""
    new = _new_tasks(session, path, known)
    state.candidates = new
    if not new:
        return None
    if len(new) == 1 and _plausibly_ours(new[0], known):
        return new[0].task_id
    raise _ambiguous_start(label, kind, name, cause, new)


def _ambiguous_start(
    label: str, kind: str, name: str, cause: AnaplanError, new: Sequence[TaskSummary]
) -> AmbiguousTaskStartError:
    ids = ", ".join(f"{t.task_id} ({t.task_state})" for t in new)
    why = (
        f"{len(new)} new tasks appeared (other users' tasks are listed too)"
        if len(new) > 1
        else "the only new task was created before one already listed, so it is not ours"
    )
    return AmbiguousTaskStartError(
        f"Starting {label} is ambiguous: the answer was lost ({cause.message.rstrip('.')}) and "
        f"{why}: {ids}; none of them is reported as ours.",
        candidates=[{"name": f"task {t.task_state}", "id": t.task_id} for t in new],
        hint=(
            f"Check each candidate with `pyanaplan task {kind} {shlex.quote(name)} TASK_ID` and "
            f"cancel the ones you do not want with `pyanaplan cancel {kind} {shlex.quote(name)} "
            "TASK_ID`; run the job again if none of them is yours."
        ),
    )


def _interrupted_start(
    session: ApiSession, path: str, kind: str, name: str, label: str, state: _Start
) -> TaskInterrupted:
    """Ctrl-C during a start: cancel the task when it is provably ours, else say what may run.

    When the start was sent but its answer not read (Ctrl-C during the POST, or while looking
    for the task a lost answer created), the task list is read once more: the same evidence as
    adoption (exactly one new task that can be ours) identifies the task to cancel. A second
    Ctrl-C, or a failing list, leaves it unknown, and the message says so.
    """
    if state.task_id is None and state.posted and state.known is not None:
        try:
            new = _new_tasks(session, path, state.known)
        except (AnaplanError, KeyboardInterrupt):
            new = state.candidates
        state.candidates = new
        if len(new) == 1 and _plausibly_ours(new[0], state.known):
            state.task_id = new[0].task_id
    if state.task_id is not None:
        task_id = state.task_id
        outcome = cancel_and_settle(
            lambda: get_status(session, path, task_id),
            lambda: cancel_status(session, path, task_id),
            f"{label} (task {task_id})",
        )
        return interrupted_task(kind, name, label, task_id, outcome)
    if not state.posted:
        return TaskInterrupted(
            f"Interrupted before {label} was started; nothing was started on the server.",
            hint="Run the command again when you are ready.",
        )
    seen = ", ".join(t.task_id for t in state.candidates)
    return TaskInterrupted(
        f"Interrupted while starting {label}: a task may have been started and may be running"
        + (f" (new tasks seen: {seen})." if seen else "."),
        hint=task_commands(kind, name)
        + f" Cancel one with `pyanaplan cancel {kind} {shlex.quote(name)} TASK_ID`.",
    )


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
