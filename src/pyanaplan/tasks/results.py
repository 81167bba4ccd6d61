"""TaskResult: the parsed outcome of an import, export, action or process task.

A COMPLETE task is not necessarily a successful one. Whether it did its job is decided by
`tasks.outcome.decide_outcome` from every signal of the result (`successful`,
`failureDumpAvailable`, the row counts in `details`, nested results, `currentStep`);
`parse_task_result` stores that decision as `TaskResult.outcome` and sets `successful` from it.
Row counts come from the key/value pairs in `result.details[].values`, summed over details and
nested results, so list imports (`hierarchyRowsProcessed`), module imports and any detail type
Anaplan adds later are read the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyanaplan.models.tasks import TaskDetail, TaskResultPayload, TaskStatus
from pyanaplan.tasks.outcome import (
    IGNORED_KEYS,
    WARNING_KEYS,
    Outcome,
    TaskOutcome,
    decide_outcome,
)

__all__ = [
    "KINDS",
    "TERMINAL_STATES",
    "ResultDetail",
    "TaskCounts",
    "TaskResult",
    "judge_result",
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

# detail value key -> TaskCounts field; the first key present in a detail wins for that field.
_COUNT_KEYS: dict[str, tuple[str, ...]] = {
    "rows_successful": ("successRowCount",),
    "rows_failed": ("failedCount", "errorRowCount"),
    "rows_ignored": IGNORED_KEYS,
    "created": ("createdCount", "successCreateCount"),
    "updated": ("updatedCount", "successUpdateCount"),
    "total": ("totalRowCount",),
    "rows_invalid": ("invalidCount",),
    "rows_with_warnings": WARNING_KEYS,
}
# Object id prefix -> kind (§2.5), to label the nested results of a process.
_PREFIX_KIND = {"112": "import", "116": "export", "117": "action", "118": "process"}


@dataclass(frozen=True)
class TaskCounts:
    """Row counts reported by the task; None where the server reported nothing.

    Each field sums one kind of count over the result's `details[].values` (and, on a
    process, over its nested results).

    Attributes:
        rows_successful: Rows loaded (`successRowCount`).
        rows_failed: Rows rejected (`failedCount`, else `errorRowCount`).
        rows_ignored: Rows skipped without failing, e.g. values for calculated line items
            (`ignoredCount`).
        created: Items or cells created (`createdCount`, else `successCreateCount`).
        updated: Items or cells updated (`updatedCount`, else `successUpdateCount`).
        total: Rows read from the source (`totalRowCount`).
        rows_invalid: Rows with invalid values (`invalidCount`).
        rows_with_warnings: Rows loaded with a warning (`warningsRowCount`).
    """

    rows_successful: int | None = None
    rows_failed: int | None = None
    rows_ignored: int | None = None
    created: int | None = None
    updated: int | None = None
    total: int | None = None
    rows_invalid: int | None = None
    rows_with_warnings: int | None = None

    def __add__(self, other: TaskCounts) -> TaskCounts:
        def plus(a: int | None, b: int | None) -> int | None:
            return None if a is None and b is None else (a or 0) + (b or 0)

        return TaskCounts(**{f: plus(getattr(self, f), getattr(other, f)) for f in _COUNT_KEYS})


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
        successful: True once terminal when the task did everything it was asked, judged from
            every signal (`outcome.status` is SUCCEEDED): False for rejected rows even when the
            server said `successful: true`, for failures and for CANCELLED; None while running.
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
        server_successful: `result.successful` exactly as the server sent it (None: no result).
        outcome: The decision about this result (status, counts, reasons); see `tasks.outcome`.
        warnings: Things the caller must hear that did not change the task's outcome, e.g. a
            failure dump that could not be saved, or a cancel that found the task finished.
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
    server_successful: bool | None = None
    outcome: TaskOutcome = field(default_factory=lambda: TaskOutcome(Outcome.UNFINISHED))
    warnings: list[str] = field(default_factory=list)

    @property
    def terminal(self) -> bool:
        """True once the task cannot change any more."""
        return self.state in TERMINAL_STATES

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON data: the `task` object of docs/cli-output.md.

        The same keys, always all of them, as `pyanaplan … -o json` prints for a task (a test
        keeps the two equal), so a script or an orchestrator (the Airflow provider's XCom)
        reads one schema wherever the result comes from. Paths are strings, `created` is ISO
        8601 UTC, `outcome.status` is the `Outcome` value ("succeeded", "partial", …).
        """
        outcome = self.outcome
        return {
            "task_id": self.task_id,
            "kind": self.kind,
            "object_id": self.object_id,
            "object_name": self.object_name,
            "state": self.state,
            "progress": self.progress,
            "created": _iso_utc(self.creation_time_ms),
            "successful": self.successful,
            "server_successful": self.server_successful,
            "outcome": {
                "status": outcome.status.value,
                "accepted": outcome.accepted,
                "rows_rejected": outcome.rows_rejected,
                "rows_ignored": outcome.rows_ignored,
                "rows_with_warnings": outcome.rows_with_warnings,
                "reasons": list(outcome.reasons),
                "notes": list(outcome.notes),
                "dumps_available": outcome.dumps_available,
            },
            "current_step": self.current_step,
            "counts": {
                "rows_successful": self.counts.rows_successful,
                "rows_failed": self.counts.rows_failed,
                "rows_ignored": self.counts.rows_ignored,
                "rows_invalid": self.counts.rows_invalid,
                "rows_with_warnings": self.counts.rows_with_warnings,
                "created": self.counts.created,
                "updated": self.counts.updated,
                "total": self.counts.total,
            },
            "failure_dump_available": self.failure_dump_available,
            "dump_paths": [str(p) for p in self.dump_paths],
            "output_path": str(self.output_path) if self.output_path is not None else None,
            "cancelled_by": self.cancelled_by,
            "warnings": list(self.warnings),
            "details": [
                {
                    "type": d.type,
                    "message": d.message,
                    "occurrences": d.occurrences,
                    "values": dict(d.values),
                }
                for d in self.details
            ],
            "nested": [n.to_dict() for n in self.nested],
        }

    def describe(self, where: str = "") -> str:
        """A one-line summary naming the object and the outcome, e.g. for error messages.

        Args:
            where: Inserted after the object's name, e.g. "in model 'FP&A' (task …)".
        """
        name = f"{self.kind.capitalize()} '{self.object_name}' ({self.object_id})"
        name += f" {where}" if where else ""
        outcome = self.outcome
        verb = {
            Outcome.SUCCEEDED: "completed successfully",
            Outcome.PARTIAL: "loaded only part of its data",
            Outcome.FAILED: "failed",
            Outcome.CANCELLED: "was cancelled",
        }.get(outcome.status, f"is {self.state or 'unknown'} ({self.progress:.0%})")
        text = f"{name} {verb}"
        if outcome.status in (Outcome.PARTIAL, Outcome.FAILED) and outcome.summary:
            text += f": {outcome.summary}"
        counts = _counts_text(self.counts)
        if counts and outcome.status is not Outcome.UNFINISHED:
            text += (
                f"; totals: {counts}" if outcome.status is not Outcome.SUCCEEDED else f": {counts}"
            )
        return text


def parse_task_result(
    status: TaskStatus,
    *,
    kind: str,
    object_id: str,
    object_name: str,
    accept_partial: bool = False,
    fail_on_ignored: bool = False,
) -> TaskResult:
    """Turn a task status payload into a `TaskResult`, its outcome decided.

    Args:
        status: The parsed `task` object.
        kind: Task kind.
        object_id: Id of the import/export/action/process (used when the result omits it).
        object_name: Its name.
        accept_partial: Passed to `decide_outcome`: rejected rows are accepted.
        fail_on_ignored: Passed to `decide_outcome`: ignored rows count as rejected.
    """
    state = status.task_state
    payload = status.result
    common = {
        "task_id": status.task_id,
        "kind": kind,
        "state": state,
        "current_step": status.current_step,
        "progress": status.progress,
        "creation_time_ms": status.creation_time,
        "cancelled_by": status.cancelled_by,
    }
    if payload is None:
        raw = TaskResult(object_id=object_id, object_name=object_name, successful=None, **common)
    else:
        nested = [
            _parse_nested(n, task_id=status.task_id, process_state=state)
            for n in payload.nested_results
        ]
        details = [_parse_detail(d) for d in payload.details]
        counts = _sum_counts(_counts_of(d) for d in details)
        if nested:
            counts = counts + _sum_counts(n.counts for n in nested)
        raw = TaskResult(
            object_id=payload.object_id or object_id,
            object_name=payload.object_name or object_name,
            successful=None,
            counts=counts,
            details=details,
            nested=nested,
            failure_dump_available=payload.failure_dump_available
            or any(n.failure_dump_available for n in nested),
            server_successful=payload.successful,
            **common,
        )
    return judge_result(raw, accept_partial=accept_partial, fail_on_ignored=fail_on_ignored)


def judge_result(
    result: TaskResult, *, accept_partial: bool = False, fail_on_ignored: bool = False
) -> TaskResult:
    """`result` with `outcome` and `successful` decided by `decide_outcome`, nested ones too."""
    nested = [
        judge_result(n, accept_partial=accept_partial, fail_on_ignored=fail_on_ignored)
        for n in result.nested
    ]
    outcome = decide_outcome(result, accept_partial=accept_partial, fail_on_ignored=fail_on_ignored)
    successful = (
        None if outcome.status is Outcome.UNFINISHED else outcome.status is Outcome.SUCCEEDED
    )
    return dataclasses.replace(result, nested=nested, outcome=outcome, successful=successful)


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
        successful=None,  # decided by judge_result
        counts=counts,
        details=details,
        nested=inner,
        failure_dump_available=payload.failure_dump_available,
        server_successful=payload.successful,
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


def _iso_utc(epoch_ms: int | None) -> str | None:
    """Epoch milliseconds as ISO 8601 UTC, e.g. 2026-01-31T09:05:00Z."""
    if epoch_ms is None:
        return None
    when = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _counts_text(counts: TaskCounts) -> str:
    parts = []
    if counts.rows_successful is not None:
        noun = "row" if counts.rows_successful == 1 else "rows"
        parts.append(f"{counts.rows_successful:,} {noun} successful")
    for label, value in (("failed", counts.rows_failed), ("ignored", counts.rows_ignored)):
        if value is not None:
            parts.append(f"{value:,} {label}")
    return ", ".join(parts)
