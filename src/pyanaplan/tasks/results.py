"""TaskResult: the parsed outcome of an import, export, action or process task.

`COMPLETE` is not success (reference §10.1): success needs `result.successful`, every nested result
of a process successful too, and `currentStep` other than `"Failed."`. Row counts come from the
key/value pairs in `result.details[].values` (§4.6.4), summed over details and nested results, so
list imports (`hierarchyRowsProcessed`), module imports and any detail type Anaplan adds later
are read the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyanaplan.models.tasks import TaskDetail, TaskResultPayload, TaskStatus

__all__ = [
    "KINDS",
    "TERMINAL_STATES",
    "ResultDetail",
    "TaskCounts",
    "TaskResult",
    "kind_of_object",
    "parse_task_result",
]

#: Task kinds and the path segment of each (`…/{segment}/{id}/tasks`).
KINDS: dict[str, str] = {
    "import": "imports",
    "export": "exports",
    "action": "actions",
    "process": "processes",
}
#: States after which a task never changes (§10.2). CANCELLING is not one of them.
TERMINAL_STATES = frozenset({"COMPLETE", "CANCELLED"})
FAILED_STEP = "Failed."

# detail value key -> TaskCounts field; the first key present in a detail wins for that field.
_COUNT_KEYS: dict[str, tuple[str, ...]] = {
    "rows_successful": ("successRowCount",),
    "rows_failed": ("failedCount", "errorRowCount"),
    "rows_ignored": ("ignoredCount",),
    "created": ("createdCount", "successCreateCount"),
    "updated": ("updatedCount", "successUpdateCount"),
    "total": ("totalRowCount",),
}
# Object id prefix -> kind (§2.5), to label the nested results of a process.
_PREFIX_KIND = {"112": "import", "116": "export", "117": "action", "118": "process"}


@dataclass(frozen=True)
class TaskCounts:
    """Row counts reported by the task; None where the server reported nothing."""

    rows_successful: int | None = None
    rows_failed: int | None = None
    rows_ignored: int | None = None
    created: int | None = None
    updated: int | None = None
    total: int | None = None

    def __add__(self, other: TaskCounts) -> TaskCounts:
        def plus(a: int | None, b: int | None) -> int | None:
            return None if a is None and b is None else (a or 0) + (b or 0)

        return TaskCounts(
            *(plus(getattr(self, f), getattr(other, f)) for f in _COUNT_KEYS)  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class ResultDetail:
    """One detail of a task result.

    Attributes:
        type: Anaplan's detail type (e.g. "hierarchyRowsProcessed", "exportSucceeded").
        message: `localMessageText`.
        occurrences: How often it occurred.
        values: The key/value pairs of `values`, as a dict of strings.
    """

    type: str
    message: str
    occurrences: int
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskResult:
    """The outcome of a task, as far as it has got.

    Attributes:
        task_id: Server task id.
        kind: "import", "export", "action" or "process".
        object_id: Id of the import/export/action/process.
        object_name: Its name.
        state: taskState as the server sent it (NOT_STARTED … COMPLETE, CANCELLED).
        successful: True/False once terminal (CANCELLED is False); None while running.
        current_step: The server's `currentStep` text.
        progress: 0..1.
        counts: Row counts summed over details (and nested results).
        details: Parsed details of this result (not of nested ones).
        nested: Results of each action of a process, in run order.
        dump_paths: Failure dumps downloaded for this task.
        output_path: Where an export's output was downloaded, if it was.
        failure_dump_available: The server says a failure dump exists.
        creation_time_ms: Task creation time, epoch milliseconds.
        cancelled_by: Who cancelled the task, when it was cancelled.
    """

    task_id: str
    kind: str
    object_id: str
    object_name: str
    state: str
    successful: bool | None
    current_step: str = ""
    progress: float = 0.0
    counts: TaskCounts = field(default_factory=TaskCounts)
    details: list[ResultDetail] = field(default_factory=list)
    nested: list[TaskResult] = field(default_factory=list)
    dump_paths: list[Path] = field(default_factory=list)
    output_path: Path | None = None
    failure_dump_available: bool = False
    creation_time_ms: int | None = None
    cancelled_by: str | None = None

    @property
    def terminal(self) -> bool:
        """True once the task cannot change any more."""
        return self.state in TERMINAL_STATES

    def describe(self) -> str:
        """A one-line summary naming the object, e.g. for error messages."""
        name = f"{self.kind.capitalize()} '{self.object_name}' ({self.object_id})"
        if self.state == "CANCELLED":
            outcome = "was cancelled"
        elif self.successful:
            outcome = "completed successfully"
        elif self.successful is False:
            step = self.current_step
            outcome = "failed" + (f" ({step})" if step and step != "Complete." else "")
        else:
            outcome = f"is {self.state or 'unknown'} ({self.progress:.0%})"
        counts = _counts_text(self.counts)
        failed_steps = [n for n in self.nested if n.successful is False]
        steps = ""
        if failed_steps:
            steps = "; failed steps: " + ", ".join(
                f"{n.kind} '{n.object_name or n.object_id}'" for n in failed_steps
            )
        return f"{name} {outcome}{': ' + counts if counts else ''}{steps}"


def parse_task_result(
    status: TaskStatus, *, kind: str, object_id: str, object_name: str
) -> TaskResult:
    """Turn a task status payload into a `TaskResult`.

    Args:
        status: The parsed `task` object.
        kind: Task kind.
        object_id: Id of the import/export/action/process (used when the result omits it).
        object_name: Its name.
    """
    state = status.task_state
    payload = status.result
    if payload is None:
        successful = False if state == "CANCELLED" else (False if state == "COMPLETE" else None)
        return TaskResult(
            task_id=status.task_id,
            kind=kind,
            object_id=object_id,
            object_name=object_name,
            state=state,
            successful=successful,
            current_step=status.current_step,
            progress=status.progress,
            creation_time_ms=status.creation_time,
            cancelled_by=status.cancelled_by,
        )
    nested = [
        _parse_nested(n, task_id=status.task_id, process_state=state)
        for n in payload.nested_results
    ]
    details = [_parse_detail(d) for d in payload.details]
    counts = _sum_counts(_counts_of(d) for d in details)
    if nested:
        counts = counts + _sum_counts(n.counts for n in nested)
    if state == "COMPLETE":
        successful: bool | None = (
            payload.successful
            and status.current_step != FAILED_STEP
            and all(n.successful is not False for n in nested)
        )
    elif state == "CANCELLED":
        successful = False
    else:
        successful = None
    return TaskResult(
        task_id=status.task_id,
        kind=kind,
        object_id=payload.object_id or object_id,
        object_name=payload.object_name or object_name,
        state=state,
        successful=successful,
        current_step=status.current_step,
        progress=status.progress,
        counts=counts,
        details=details,
        nested=nested,
        failure_dump_available=payload.failure_dump_available
        or any(n.failure_dump_available for n in nested),
        creation_time_ms=status.creation_time,
        cancelled_by=status.cancelled_by,
    )


def kind_of_object(object_id: str) -> str:
    """Guess the kind of an action from its id prefix (§2.5); "action" when unknown."""
    return _PREFIX_KIND.get(object_id[:3], "action")


def _parse_nested(payload: TaskResultPayload, *, task_id: str, process_state: str) -> TaskResult:
    object_id = payload.object_id or ""
    details = [_parse_detail(d) for d in payload.details]
    inner = [
        _parse_nested(n, task_id=task_id, process_state=process_state)
        for n in payload.nested_results
    ]
    counts = _sum_counts(_counts_of(d) for d in details)
    if inner:
        counts = counts + _sum_counts(n.counts for n in inner)
    return TaskResult(
        task_id=task_id,
        kind=kind_of_object(object_id),
        object_id=object_id,
        object_name=payload.object_name or "",
        state=process_state,
        successful=payload.successful and all(n.successful is not False for n in inner),
        counts=counts,
        details=details,
        nested=inner,
        failure_dump_available=payload.failure_dump_available,
    )


def _parse_detail(detail: TaskDetail) -> ResultDetail:
    raw = detail.values
    pairs: dict[str, str] = {}
    for i in range(0, len(raw) - 1, 2):
        key = raw[i]
        if key is None:
            continue
        pairs.setdefault(str(key), "" if raw[i + 1] is None else str(raw[i + 1]))
    return ResultDetail(
        type=detail.type,
        message=detail.local_message_text or "",
        occurrences=detail.occurrences,
        values=pairs,
    )


def _counts_of(detail: ResultDetail) -> TaskCounts:
    found: dict[str, int | None] = {}
    for name, keys in _COUNT_KEYS.items():
        found[name] = None
        for key in keys:
            number = _to_int(detail.values.get(key))
            if number is not None:
                found[name] = number
                break
    return TaskCounts(**found)


def _sum_counts(items: Iterable[TaskCounts]) -> TaskCounts:
    total = TaskCounts()
    for item in items:
        total = total + item
    return total


def _to_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _counts_text(counts: TaskCounts) -> str:
    parts = []
    for label, value in (
        ("rows successful", counts.rows_successful),
        ("failed", counts.rows_failed),
        ("ignored", counts.rows_ignored),
    ):
        if value is not None:
            parts.append(f"{value} {label}")
    return ", ".join(parts)
