"""The outcome of a task, decided once from every signal its result carries.

Why this exists: Anaplan's public material does not settle what a task result says when an import
completes with some rows rejected. Every official example shows a clean run (`successful: true`,
`failureDumpAvailable: false`); the help page on import dumps says a dump exists "when an import
task has errors"; other clients disagree on what to read (`successful` alone, or also
`currentStep == "Failed."`). A client that keys on `successful` alone exits 0 and skips the dump
on a load that lost rows if the service answers `successful: true` with
`failureDumpAvailable: true` (api-notes §4.6.4, §10.1). So `decide_outcome` reads all of them, for
the result and for every nested result of a process, and the worst one wins:

| signal (any result, nested ones included)                   | status      |
| ----------------------------------------------------------- | ----------- |
| `taskState` CANCELLED                                       | CANCELLED   |
| `taskState` not terminal (NOT_STARTED, IN_PROGRESS, …)      | UNFINISHED  |
| `currentStep` "Failed."                                     | FAILED      |
| a failed/invalid row count above 0, or `failureDumpAvailable` | PARTIAL   |
| ignored rows, when the caller asked `fail_on_ignored`       | PARTIAL     |
| `successful: false` with none of the above                  | FAILED      |
| otherwise (ignored rows and warnings are only noted)        | SUCCEEDED   |

FAILED outranks PARTIAL, which outranks SUCCEEDED. A task is *accepted* (the caller's job is done,
no `TaskFailedError`, CLI exit 0) when it SUCCEEDED, or is PARTIAL and the caller passed
`accept_partial`. A failure dump never counts as "nothing went wrong", even when the counts say
no row failed: the dump is the one signal every tenant is documented to give.

Row counts are read from the key/value pairs of `details[].values` (see the task status example
on Anaplan's help page "Check the status of the import action": `failedCount`, `invalidCount`,
`ignoredCount`, `warningsRowCount`, …). Rejected rows of one detail are the largest of its
rejected-row counts, since the service may report the same rows under more than one key.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyanaplan.tasks.results import ResultDetail, TaskResult

__all__ = [
    "FAILED_STEP",
    "IGNORED_KEYS",
    "REJECTED_KEYS",
    "WARNING_KEYS",
    "Outcome",
    "TaskOutcome",
    "decide_outcome",
    "detail_count",
]

FAILED_STEP = "Failed."
#: `details[].values` keys that count rows the task rejected (not loaded, written to the dump).
REJECTED_KEYS = ("failedCount", "errorRowCount", "invalidCount")
#: Keys that count rows the task skipped on purpose (e.g. empty rows, calculated line items).
IGNORED_KEYS = ("ignoredCount",)
#: Keys that count rows loaded with a warning.
WARNING_KEYS = ("warningsRowCount",)

_TERMINAL = frozenset({"COMPLETE", "CANCELLED"})


class Outcome(enum.Enum):
    """What a task achieved, whatever `successful` said."""

    SUCCEEDED = "succeeded"
    #: Rows were rejected (or ignored, with `fail_on_ignored`); the rest was loaded.
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNFINISHED = "unfinished"


_RANK = {Outcome.SUCCEEDED: 0, Outcome.PARTIAL: 1, Outcome.FAILED: 2}


@dataclass(frozen=True)
class TaskOutcome:
    """The decision about one task result (see the module docstring for the table).

    Attributes:
        status: What the task achieved.
        accepted: The caller's job is done: SUCCEEDED, or PARTIAL with `accept_partial`.
        rows_rejected: Rows rejected, summed over the result and its nested results; None when
            the server reported no rejected-row count at all.
        rows_ignored: Rows ignored (None when not reported).
        rows_with_warnings: Rows loaded with a warning (None when not reported).
        reasons: Why the status is not SUCCEEDED, one sentence each, naming counts and steps.
        notes: Reported but not failed: ignored rows, rows with warnings.
        dumps_available: The server says a failure dump exists (for the task or a nested import).
    """

    status: Outcome
    accepted: bool = False
    rows_rejected: int | None = None
    rows_ignored: int | None = None
    rows_with_warnings: int | None = None
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    dumps_available: bool = False

    @property
    def summary(self) -> str:
        """The reasons (or, on success, the notes) as one clause for messages."""
        return "; ".join(self.reasons or self.notes)


def decide_outcome(
    result: TaskResult, *, accept_partial: bool = False, fail_on_ignored: bool = False
) -> TaskOutcome:
    """Decide what a task achieved from every signal of its parsed result.

    Pure: reads only the result's raw fields (`state`, `server_successful`, `current_step`,
    `failure_dump_available`, `details`, `nested`), never its `successful` or `outcome`.

    Args:
        result: The parsed task result (nested results are walked recursively).
        accept_partial: A load that rejected rows is accepted (still reported as PARTIAL).
        fail_on_ignored: Ignored rows make the outcome PARTIAL, like rejected rows.

    Returns:
        The outcome; `accepted` applies the two policies above.
    """
    if result.state == "CANCELLED":
        return TaskOutcome(Outcome.CANCELLED, reasons=("the task was cancelled",))
    if result.state not in _TERMINAL:
        return TaskOutcome(
            Outcome.UNFINISHED, reasons=(f"the task is {result.state or 'in an unknown state'}",)
        )
    verdict = _judge(result, "", fail_on_ignored=fail_on_ignored)
    status, reasons = verdict.status, list(verdict.reasons)
    if result.current_step == FAILED_STEP:
        status = Outcome.FAILED
        reasons.insert(0, _failed_text(result, top=True))
    accepted = status is Outcome.SUCCEEDED or (status is Outcome.PARTIAL and accept_partial)
    return TaskOutcome(
        status,
        accepted=accepted,
        rows_rejected=_sum(verdict.rejected),
        rows_ignored=_sum(verdict.ignored),
        rows_with_warnings=_sum(verdict.warned),
        reasons=tuple(_unique(reasons)) if status is not Outcome.SUCCEEDED else (),
        notes=tuple(_unique(verdict.notes)),
        dumps_available=verdict.dumps,
    )


def detail_count(detail: ResultDetail, keys: Iterable[str]) -> int | None:
    """The largest count among `keys` in one detail's values; None when none is a number."""
    found = [n for n in (_to_int(detail.values.get(k)) for k in keys) if n is not None]
    return max(found) if found else None


@dataclass
class _Verdict:
    """The judgement of one result and everything nested in it."""

    status: Outcome = Outcome.SUCCEEDED
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rejected: list[int | None] = field(default_factory=list)
    ignored: list[int | None] = field(default_factory=list)
    warned: list[int | None] = field(default_factory=list)
    dumps: bool = False
    #: Rows were rejected somewhere in this subtree (a count above 0 or a dump).
    rows_lost: bool = False

    def worsen(self, status: Outcome) -> None:
        if _RANK[status] > _RANK[self.status]:
            self.status = status


def _judge(node: TaskResult, label: str, *, fail_on_ignored: bool) -> _Verdict:
    """Judge one result: its own signals, then its nested results'; the worst status wins."""
    prefix = f"{label}: " if label else ""
    verdict = _Verdict()
    rejected = _sum(detail_count(d, REJECTED_KEYS) for d in node.details)
    ignored = _sum(detail_count(d, IGNORED_KEYS) for d in node.details)
    warned = _sum(detail_count(d, WARNING_KEYS) for d in node.details)
    verdict.rejected.append(rejected)
    verdict.ignored.append(ignored)
    verdict.warned.append(warned)
    children = [_judge(n, _label(n), fail_on_ignored=fail_on_ignored) for n in node.nested]
    if rejected:
        verdict.worsen(Outcome.PARTIAL)
        verdict.rows_lost = True
        keys = _keys_text(node, REJECTED_KEYS)
        verdict.reasons.append(f"{prefix}{_rows(rejected)} rejected ({keys})")
    if node.failure_dump_available:
        verdict.dumps = verdict.rows_lost = True
        verdict.worsen(Outcome.PARTIAL)
        # A process's flag is the OR of its steps' flags: the step that has the dump explains it.
        if not rejected and not any(c.rows_lost for c in children):
            counted = (
                "counts no rejected rows" if rejected == 0 else "reports no rejected-row count"
            )
            verdict.reasons.append(
                f"{prefix}a failure dump is available although the result {counted}"
            )
    if ignored:
        text = f"{prefix}{_rows(ignored)} ignored"
        if fail_on_ignored:
            verdict.worsen(Outcome.PARTIAL)
            verdict.reasons.append(text)
        else:
            verdict.notes.append(text)
    if warned:
        verdict.notes.append(f"{prefix}{_rows(warned)} loaded with warnings")
    for child in children:
        verdict.worsen(child.status)
        verdict.reasons += child.reasons
        verdict.notes += child.notes
        verdict.rejected += child.rejected
        verdict.ignored += child.ignored
        verdict.warned += child.warned
        verdict.dumps = verdict.dumps or child.dumps
        verdict.rows_lost = verdict.rows_lost or child.rows_lost
    # `successful: false` (or no result at all) that nothing above explains: the task failed for
    # a reason the counts do not show (an export or action that failed, a step that did not run).
    if node.server_successful is not True and verdict.status is Outcome.SUCCEEDED:
        verdict.status = Outcome.FAILED
        verdict.reasons.append(_failed_text(node, top=not label))
    return verdict


def _label(node: TaskResult) -> str:
    name = node.object_name or node.object_id or "?"
    ident = f" ({node.object_id})" if node.object_id and node.object_name else ""
    return f"{node.kind} '{name}'{ident}"


def _failed_text(node: TaskResult, *, top: bool) -> str:
    what = "the task" if top else f"{node.kind} '{node.object_name or node.object_id}'"
    if top and node.current_step == FAILED_STEP:
        text = f"{what} failed (currentStep '{FAILED_STEP}')"
    elif node.server_successful is None:
        text = f"{what} completed without a result"
    else:
        text = f"{what} reported successful: false"
    message = next((d.message.strip() for d in node.details if d.message.strip()), "")
    return f"{text}: {message}" if message else text


def _keys_text(node: TaskResult, keys: tuple[str, ...]) -> str:
    totals: dict[str, int] = {}
    for detail in node.details:
        for key in keys:
            number = _to_int(detail.values.get(key))
            if number is not None:
                totals[key] = totals.get(key, 0) + number
    return ", ".join(f"{key} {value:,}" for key, value in totals.items())


def _rows(count: int) -> str:
    return f"{count:,} row" + ("" if count == 1 else "s")


def _sum(values: Iterable[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _to_int(value: object) -> int | None:
    """A count from a `values` entry (strings like "5" or "5.0"); negatives and junk read None."""
    if value is None or value == "":
        return None
    try:
        number = int(float(str(value)))
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number >= 0 else None
