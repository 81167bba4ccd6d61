"""The task outcome decision (tasks/outcome.py): every combination of result fields.

The property tests build task status payloads from every signal the decision reads and check
them against an oracle computed from what the generator *meant* (not from the parser), so a
parsing slip shows up too. The one rule above all: a result with rejected rows is never a
success, and is accepted only when the caller asked for partial loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyanaplan import Outcome
from pyanaplan.models.tasks import TaskStatus
from pyanaplan.tasks.outcome import IGNORED_KEYS, REJECTED_KEYS, WARNING_KEYS, decide_outcome
from pyanaplan.tasks.results import TaskResult, parse_task_result

# (raw value as the server might send it, the count it means; None = no count)
COUNT_VALUES: list[tuple[Any, int | None]] = [
    (0, 0),
    (3, 3),
    ("0", 0),
    ("2", 2),
    ("7.0", 7),
    ("", None),
    ("n/a", None),
    (None, None),
    ("-1", None),
]
# (raw `successful` / `failureDumpAvailable`, the flag it means; a missing key reads false)
FLAG_VALUES: list[tuple[Any, bool]] = [
    (True, True),
    (False, False),
    ("true", True),
    ("FALSE", False),
    ("missing", False),
]
COUNT_KEYS = (*REJECTED_KEYS, *IGNORED_KEYS, *WARNING_KEYS, "successRowCount")
RANK = {Outcome.SUCCEEDED: 0, Outcome.PARTIAL: 1, Outcome.FAILED: 2}


@dataclass
class Node:
    """One generated `result` (or nested result) and what its fields mean."""

    payload: dict[str, Any]
    successful: bool
    dump: bool
    details: list[dict[str, int | None]]
    nested: list[Node] = field(default_factory=list)

    def own(self, keys: tuple[str, ...]) -> list[int]:
        """Per detail, the largest meant count among `keys` (details without one left out)."""
        found = []
        for detail in self.details:
            counts = [detail[k] for k in keys if detail.get(k) is not None]
            if counts:
                found.append(max(c for c in counts if c is not None))
        return found

    def walk(self) -> list[Node]:
        return [self, *(n for child in self.nested for n in child.walk())]

    def rejected(self) -> bool:
        return any(self.own(REJECTED_KEYS)) or self.dump

    def ignored(self) -> bool:
        return any(self.own(IGNORED_KEYS))


@st.composite
def details(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, int | None]]:
    keys = draw(st.lists(st.sampled_from(COUNT_KEYS), unique=True, max_size=4))
    values: list[Any] = []
    meant: dict[str, int | None] = {}
    for key in keys:
        raw, count = draw(st.sampled_from(COUNT_VALUES))
        values += [key, raw]
        meant[key] = count
    detail = {"type": draw(st.sampled_from(["hierarchyRowsProcessed", "moduleRowsProcessed"]))}
    detail["values"] = values
    detail["localMessageText"] = draw(st.sampled_from(["", "Sales: some text "]))
    return detail, meant


@st.composite
def nodes(draw: st.DrawFn, depth: int = 0) -> Node:
    raw_ok, ok = draw(st.sampled_from(FLAG_VALUES))
    raw_dump, dump = draw(st.sampled_from(FLAG_VALUES))
    drawn = draw(st.lists(details(), max_size=2))
    nested = draw(st.lists(nodes(depth + 1), max_size=3)) if depth < 2 else []
    payload: dict[str, Any] = {
        "objectId": draw(st.sampled_from(["112000000003", "116000000001", "117000000001"])),
        "details": [d for d, _ in drawn],
        "nestedResults": [n.payload for n in nested],
    }
    if raw_ok != "missing":
        payload["successful"] = raw_ok
    if raw_dump != "missing":
        payload["failureDumpAvailable"] = raw_dump
    return Node(payload, ok, dump, [m for _, m in drawn], nested)


@dataclass
class Case:
    state: str
    step: str
    root: Node | None  # None: the status carries no result


@st.composite
def cases(draw: st.DrawFn) -> Case:
    state = draw(
        st.sampled_from(
            ["COMPLETE"] * 6 + ["CANCELLED", "CANCELLING", "IN_PROGRESS", "NOT_STARTED"]
        )
    )
    step = draw(st.sampled_from(["Complete.", "Failed.", "", "Processing ..."]))
    root = draw(st.none() | nodes())
    return Case(state, step, root)


def parsed(case: Case, **policy: bool) -> TaskResult:
    body: dict[str, Any] = {"taskId": "T", "taskState": case.state, "currentStep": case.step}
    if case.root is not None:
        body["result"] = case.root.payload
    return parse_task_result(
        TaskStatus.model_validate(body),
        kind="process",
        object_id="118000000001",
        object_name="Load",
        **policy,
    )


def expected_status(case: Case, *, fail_on_ignored: bool) -> Outcome:
    """The decision table, applied to what the generator meant."""
    if case.state == "CANCELLED":
        return Outcome.CANCELLED
    if case.state != "COMPLETE":
        return Outcome.UNFINISHED
    if case.root is None or case.step == "Failed.":
        return Outcome.FAILED

    def judge(node: Node) -> Outcome:
        worst = Outcome.SUCCEEDED
        if node.rejected() or (fail_on_ignored and node.ignored()):
            worst = Outcome.PARTIAL
        for child in node.nested:
            child_status = judge(child)
            worst = child_status if RANK[child_status] > RANK[worst] else worst
        if not node.successful and worst is Outcome.SUCCEEDED:
            return Outcome.FAILED
        return worst

    return judge(case.root)


policies = st.fixed_dictionaries(
    {"accept_partial": st.booleans(), "fail_on_ignored": st.booleans()}
)


@settings(max_examples=300, deadline=None)
@given(case=cases(), policy=policies)
def test_rejected_rows_are_never_a_success(case: Case, policy: dict[str, bool]) -> None:
    result = parsed(case, **policy)
    outcome = result.outcome
    rows_lost = case.root is not None and any(n.rejected() for n in case.root.walk())
    if case.state == "COMPLETE" and rows_lost:
        assert outcome.status in (Outcome.PARTIAL, Outcome.FAILED)
        assert result.successful is False
        assert outcome.accepted == (policy["accept_partial"] and outcome.status is Outcome.PARTIAL)
        assert outcome.reasons  # the message says why
    if outcome.accepted:
        assert outcome.status is Outcome.SUCCEEDED or (
            outcome.status is Outcome.PARTIAL and policy["accept_partial"]
        )


@settings(max_examples=300, deadline=None)
@given(case=cases(), policy=policies)
def test_status_follows_the_decision_table(case: Case, policy: dict[str, bool]) -> None:
    result = parsed(case, **policy)
    status = expected_status(case, fail_on_ignored=policy["fail_on_ignored"])
    assert result.outcome.status is status
    assert result.successful is (
        None if status is Outcome.UNFINISHED else status is Outcome.SUCCEEDED
    )
    clean = (
        case.state == "COMPLETE"
        and case.step != "Failed."
        and case.root is not None
        and all(n.successful and not n.rejected() for n in case.root.walk())
        and not (policy["fail_on_ignored"] and any(n.ignored() for n in case.root.walk()))
    )
    assert (status is Outcome.SUCCEEDED) == clean
    if case.step == "Failed." and case.state == "COMPLETE":
        assert not result.outcome.accepted  # --accept-partial never hides a failure


@settings(max_examples=200, deadline=None)
@given(case=cases())
def test_counts_and_dumps_are_reported_exactly(case: Case) -> None:
    result = parsed(case)
    outcome = result.outcome
    if case.state != "COMPLETE":
        assert outcome.dumps_available is False and outcome.rows_rejected is None
        return
    walked = case.root.walk() if case.root is not None else []
    rejected = [c for n in walked for c in n.own(REJECTED_KEYS)]
    ignored = [c for n in walked for c in n.own(IGNORED_KEYS)]
    assert outcome.rows_rejected == (sum(rejected) if rejected else None)
    assert outcome.rows_ignored == (sum(ignored) if ignored else None)
    assert outcome.dumps_available == any(n.dump for n in walked)
    # The message a user sees names the rows each result rejected.
    for node in walked:
        if sum(node.own(REJECTED_KEYS)):
            assert f"{sum(node.own(REJECTED_KEYS)):,} rows rejected" in result.describe() or (
                f"{sum(node.own(REJECTED_KEYS)):,} row rejected" in result.describe()
            )


@settings(max_examples=300, deadline=None)
@given(case=cases(), policy=policies)
def test_nested_results_carry_their_own_decision(case: Case, policy: dict[str, bool]) -> None:
    result = parsed(case, **policy)
    for nested in result.nested:
        again = decide_outcome(nested, **policy)
        assert nested.outcome == again
        assert nested.successful is (
            None if again.status is Outcome.UNFINISHED else again.status is Outcome.SUCCEEDED
        )
        if nested.outcome.status is not Outcome.SUCCEEDED and result.outcome.status in (
            Outcome.SUCCEEDED,
        ):
            pytest.fail("a failing step cannot leave its process a success")


# ---- the decision table, one row at a time ------------------------------------------------


def import_result(**result: Any) -> TaskResult:
    body = {"taskId": "T", "taskState": "COMPLETE", "currentStep": "Complete.", "result": result}
    return parse_task_result(
        TaskStatus.model_validate(body), kind="import", object_id="112", object_name="Sales"
    )


def counts(**values: int) -> list[dict[str, Any]]:
    flat: list[Any] = []
    for key, value in values.items():
        flat += [key, str(value)]
    return [{"type": "moduleRowsProcessed", "values": flat}]


@pytest.mark.parametrize("server_says", [True, False])
def test_rejected_rows_fail_whatever_successful_says(server_says: bool) -> None:
    result = import_result(
        successful=server_says,
        failureDumpAvailable=True,
        details=counts(successRowCount=7, failedCount=3, invalidCount=3),
    )
    assert result.outcome.status is Outcome.PARTIAL
    assert not result.outcome.accepted and result.successful is False
    assert result.server_successful is server_says
    assert result.outcome.rows_rejected == 3  # the same rows under two keys, not 6
    assert result.outcome.reasons == ("3 rows rejected (failedCount 3, invalidCount 3)",)
    assert "loaded only part of its data: 3 rows rejected" in result.describe()


def test_a_dump_without_counts_is_still_rejected_rows() -> None:
    result = import_result(successful=True, failureDumpAvailable=True)
    assert result.outcome.status is Outcome.PARTIAL
    assert "failure dump is available" in result.outcome.reasons[0]
    zero = import_result(successful=True, failureDumpAvailable=True, details=counts(failedCount=0))
    assert zero.outcome.status is Outcome.PARTIAL
    assert "counts no rejected rows" in zero.outcome.reasons[0]


@pytest.mark.parametrize("key", ["failedCount", "errorRowCount", "invalidCount"])
def test_any_rejected_count_is_rejected_rows_without_a_dump(key: str) -> None:
    result = import_result(successful=True, failureDumpAvailable=False, details=counts(**{key: 2}))
    assert result.outcome.status is Outcome.PARTIAL
    assert result.outcome.rows_rejected == 2


def test_accept_partial_accepts_rejected_rows_only() -> None:
    body = {
        "successful": True,
        "failureDumpAvailable": True,
        "details": counts(failedCount=1),
    }
    partial = parse_task_result(
        TaskStatus.model_validate({"taskId": "T", "taskState": "COMPLETE", "result": body}),
        kind="import",
        object_id="112",
        object_name="Sales",
        accept_partial=True,
    )
    assert partial.outcome.status is Outcome.PARTIAL and partial.outcome.accepted
    assert partial.successful is False  # accepted, but not a clean success
    failed = parse_task_result(
        TaskStatus.model_validate(
            {"taskId": "T", "taskState": "COMPLETE", "currentStep": "Failed.", "result": body}
        ),
        kind="import",
        object_id="112",
        object_name="Sales",
        accept_partial=True,
    )
    assert failed.outcome.status is Outcome.FAILED and not failed.outcome.accepted


def test_ignored_rows_are_reported_not_failed_unless_asked() -> None:
    body = {"successful": True, "details": counts(successRowCount=90, ignoredCount=5)}
    status = TaskStatus.model_validate({"taskId": "T", "taskState": "COMPLETE", "result": body})
    reported = parse_task_result(status, kind="import", object_id="112", object_name="Employees")
    assert reported.outcome.status is Outcome.SUCCEEDED and reported.outcome.accepted
    assert reported.outcome.notes == ("5 rows ignored",)
    assert reported.outcome.rows_ignored == 5
    strict = parse_task_result(
        status, kind="import", object_id="112", object_name="Employees", fail_on_ignored=True
    )
    assert strict.outcome.status is Outcome.PARTIAL and not strict.outcome.accepted
    assert strict.outcome.reasons == ("5 rows ignored",)


def test_warnings_are_noted() -> None:
    result = import_result(successful=True, details=counts(warningsRowCount=2))
    assert result.outcome.status is Outcome.SUCCEEDED
    assert result.outcome.notes == ("2 rows loaded with warnings",)


def test_unsuccessful_without_rejected_rows_is_a_failure_with_its_message() -> None:
    result = import_result(
        successful=False, details=[{"type": "actionFailed", "localMessageText": "No content"}]
    )
    assert result.outcome.status is Outcome.FAILED
    assert result.outcome.reasons == ("the task reported successful: false: No content",)


def test_complete_without_a_result_is_a_failure() -> None:
    status = TaskStatus.model_validate({"taskId": "T", "taskState": "COMPLETE"})
    result = parse_task_result(status, kind="import", object_id="112", object_name="Sales")
    assert result.outcome.status is Outcome.FAILED and result.successful is False
    assert result.server_successful is None


def test_process_that_says_successful_with_a_rejecting_step_is_partial() -> None:
    body = {
        "taskId": "P",
        "taskState": "COMPLETE",
        "currentStep": "Complete.",
        "result": {
            "successful": True,
            "failureDumpAvailable": True,
            "objectId": "118000000001",
            "nestedResults": [
                {"objectId": "112000000001", "successful": True, "details": counts(failedCount=0)},
                {
                    "objectId": "112000000003",
                    "objectName": "Sales from Sales.csv",
                    "successful": True,
                    "failureDumpAvailable": True,
                    "details": counts(failedCount=5, invalidCount=5),
                },
                {"objectId": "116000000001", "successful": True},
            ],
        },
    }
    result = parse_task_result(
        TaskStatus.model_validate(body), kind="process", object_id="118", object_name="Load"
    )
    assert result.outcome.status is Outcome.PARTIAL and result.successful is False
    assert [n.outcome.status for n in result.nested] == [
        Outcome.SUCCEEDED,
        Outcome.PARTIAL,
        Outcome.SUCCEEDED,
    ]
    assert result.outcome.reasons == (
        "import 'Sales from Sales.csv' (112000000003): 5 rows rejected "
        "(failedCount 5, invalidCount 5)",
    )


def test_process_with_a_failed_export_step_is_a_failure() -> None:
    body = {
        "taskId": "P",
        "taskState": "COMPLETE",
        "result": {
            "successful": False,
            "nestedResults": [
                {"objectId": "112000000001", "successful": True},
                {"objectId": "116000000001", "objectName": "Report", "successful": False},
            ],
        },
    }
    result = parse_task_result(
        TaskStatus.model_validate(body), kind="process", object_id="118", object_name="Load"
    )
    assert result.outcome.status is Outcome.FAILED
    assert result.outcome.reasons == ("export 'Report' reported successful: false",)
