"""Pieces every task module shares: paths, one-request helpers, and what Ctrl-C reports.

`interrupted_task` is the one place that turns a cancel's outcome into the sentence the user
reads, so "a running server task was cancelled" is said only when the server confirmed it
(CANCELLED or CANCELLING); otherwise the task id and the commands to check or cancel it.
"""

from __future__ import annotations

import shlex

from pyanaplan.errors import ConfigError, TaskInterrupted
from pyanaplan.http._session import ApiSession
from pyanaplan.models.tasks import TaskStatus, TaskSummary, task_payload
from pyanaplan.tasks.results import KINDS
from pyanaplan.tasks.wait import CancelOutcome

__all__ = [
    "cancel_status",
    "get_status",
    "interrupted_task",
    "list_summaries",
    "task_commands",
    "task_label",
    "tasks_path",
]


def tasks_path(kind: str, workspace_id: str, model_id: str, object_id: str) -> str:
    try:
        segment = KINDS[kind]
    except KeyError:
        raise ConfigError(f"Unknown task kind {kind!r}; use one of: {', '.join(KINDS)}.") from None
    return f"/workspaces/{workspace_id}/models/{model_id}/{segment}/{object_id}/tasks"


def task_label(kind: str, object_name: str, object_id: str, model_id: str) -> str:
    return f"{kind.capitalize()} '{object_name}' ({object_id}) in model {model_id}"


def task_commands(kind: str, object_name: str, task_id: str | None = None) -> str:
    """The CLI commands that check (and cancel) a task, for hints: one sentence.

    With no task id, the command that lists the definition's tasks.
    """
    name = shlex.quote(object_name)
    if task_id is None:
        return f"List its tasks with `pyanaplan tasks {kind} {name}`."
    return (
        f"Check it with `pyanaplan task {kind} {name} {task_id}`; cancel it with "
        f"`pyanaplan cancel {kind} {name} {task_id}`."
    )


def get_status(session: ApiSession, path: str, task_id: str) -> TaskStatus:
    return TaskStatus.model_validate(task_payload(session.get_json(f"{path}/{task_id}")))


def cancel_status(session: ApiSession, path: str, task_id: str) -> TaskStatus | None:
    response = session.request("DELETE", f"{path}/{task_id}")
    payload = task_payload(response.json()) if response.content else {}
    return TaskStatus.model_validate(payload) if payload.get("taskId") else None


def list_summaries(session: ApiSession, path: str) -> dict[str, TaskSummary]:
    """The tasks the server lists now, by id (the baseline for `_adopt`)."""
    out: dict[str, TaskSummary] = {}
    for item in session.paged(path, "tasks"):
        if isinstance(item, dict) and item.get("taskId"):
            summary = TaskSummary.model_validate(item)
            out[summary.task_id] = summary
    return out


def interrupted_task(
    kind: str, name: str, label: str, task_id: str, outcome: CancelOutcome
) -> TaskInterrupted:
    """The TaskInterrupted for a known task, saying only what the server confirmed."""
    where = f"{label} (task {task_id})"
    if outcome.confirmed:
        return TaskInterrupted(
            f"Interrupted. A running server task was cancelled: {where} is {outcome.state}.",
            hint=task_commands(kind, name, task_id).split(";")[0] + " to see how it ended.",
            task_id=task_id,
            state=outcome.state,
            cancelled=True,
        )
    if outcome.state == "COMPLETE":
        return TaskInterrupted(
            f"Interrupted, but {where} had already finished (COMPLETE); nothing was cancelled.",
            hint=task_commands(kind, name, task_id).split(";")[0] + " to see its result.",
            task_id=task_id,
            state="COMPLETE",
        )
    if outcome.interrupted:
        why = "you interrupted again before the server confirmed the cancel"
    elif outcome.error is not None:
        reason = getattr(outcome.error, "message", None) or str(outcome.error)
        why = f"the cancel request failed ({str(reason).rstrip('.')})"
    else:
        why = f"the server did not confirm the cancel (state {outcome.state or 'unknown'})"
    return TaskInterrupted(
        f"Interrupted, but {where} may still be running: {why}.",
        hint=task_commands(kind, name, task_id),
        task_id=task_id,
        state=outcome.state,
    )
