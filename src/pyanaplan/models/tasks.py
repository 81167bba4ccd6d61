"""Tolerant models of task payloads: start, status, list and cancel (api-notes §4.6.3–§4.6.6).

Task states are kept as plain strings: Anaplan documents NOT_STARTED, IN_PROGRESS, COMPLETE,
CANCELLING and CANCELLED, and other clients broke when a value they did not know appeared
(api-notes §10.2).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from pyanaplan.models._base import AnaplanModel, Id, ListOf, OptionalId, payload

__all__ = ["TaskDetail", "TaskResultPayload", "TaskStatus", "TaskSummary", "task_payload"]


def _epoch_ms(value: Any) -> Any:
    # creationTime is epoch milliseconds (api-notes §2.6); tolerate strings and floats.
    if value is None or value == "":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _progress(value: Any) -> Any:
    # `1` or `1.0` (api-notes §10.23); anything unparseable reads as 0.
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _int(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _bool(value: Any) -> Any:
    # Booleans may come as strings in any case; null reads as false.
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


Flag = Annotated[bool, BeforeValidator(_bool)]


class TaskDetail(AnaplanModel):
    """One `result.details[]` entry: `values` are key, value, key, value … pairs
    (api-notes §4.6.4)."""

    type: str = ""
    local_message_text: str | None = ""
    occurrences: Annotated[int, BeforeValidator(_int)] = 0
    values: Annotated[list[Any], ListOf] = Field(default_factory=list)


class TaskResultPayload(AnaplanModel):
    """`task.result`: present once the task is terminal."""

    successful: Flag = False
    failure_dump_available: Flag = False
    object_id: OptionalId = None
    object_name: str | None = None
    details: Annotated[list[TaskDetail], ListOf] = Field(default_factory=list)
    nested_results: Annotated[list[TaskResultPayload], ListOf] = Field(default_factory=list)


class TaskSummary(AnaplanModel):
    """One entry of a task list (`GET …/tasks`)."""

    task_id: Id
    task_state: str = ""
    creation_time: Annotated[int | None, BeforeValidator(_epoch_ms)] = None


class TaskStatus(TaskSummary):
    """`GET …/tasks/{taskId}` (and the DELETE answer)."""

    progress: Annotated[float, BeforeValidator(_progress)] = 0.0
    current_step: str = ""
    result: TaskResultPayload | None = None
    cancelled_by: str | None = None


def task_payload(body: Any) -> dict[str, Any]:
    """The task object of a response: `task` in the v2 envelope, else the bare body
    (api-notes §10.3)."""
    found = payload(body, "task")
    return found if isinstance(found, dict) else {}
