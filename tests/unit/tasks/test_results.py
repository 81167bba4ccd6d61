"""Parsing task status payloads into TaskResult (api-notes §4.6.4, §10.1)."""

from __future__ import annotations

from pyanaplan.models.tasks import TaskStatus
from pyanaplan.tasks.results import parse_task_result

IMPORT_OK = {
    "taskId": "1B1D84DDD53847BAA621810B593C3FC1",
    "currentStep": "Complete.",
    "progress": 1.0,
    "result": {
        "details": [
            {
                "localMessageText": "Employees: 90 (0/90) rows successful, 5 ignored ",
                "occurrences": 0,
                "type": "hierarchyRowsProcessed",
                "values": [
                    "hierarchyName", "Employees", "successRowCount", "90",
                    "successCreateCount", "0", "successUpdateCount", "90", "failedCount", "0",
                    "ignoredCount", "5", "totalRowCount", "95", "updatedCount", "90",
                    "createdCount", "0",
                ],
            }
        ],
        "failureDumpAvailable": False,
        "objectId": "112000000009",
        "successful": True,
    },
    "taskState": "COMPLETE",
    "creationTime": 1571258347545,
}  # fmt: skip


def parse(body: dict, kind: str = "import", object_id: str = "112000000009"):
    return parse_task_result(
        TaskStatus.model_validate(body), kind=kind, object_id=object_id, object_name="Employees"
    )


def test_documented_import_result_counts() -> None:
    result = parse(IMPORT_OK)
    assert result.successful is True
    assert result.terminal
    c = result.counts
    assert (c.rows_successful, c.rows_failed, c.rows_ignored) == (90, 0, 5)
    assert (c.created, c.updated, c.total) == (0, 90, 95)
    assert result.details[0].values["hierarchyName"] == "Employees"
    assert result.creation_time_ms == 1571258347545
    assert "completed successfully" in result.describe()


def test_complete_but_unsuccessful_is_a_failure() -> None:
    body = {**IMPORT_OK, "result": {**IMPORT_OK["result"], "successful": False}}
    result = parse(body)
    assert result.state == "COMPLETE"
    assert result.successful is False
    assert "failed" in result.describe()


def test_failed_step_is_a_failure_even_when_successful_says_true() -> None:
    result = parse({**IMPORT_OK, "currentStep": "Failed."})
    assert result.successful is False


def test_cancelled_and_running_states() -> None:
    cancelled = parse({"taskId": "T", "taskState": "CANCELLED", "currentStep": "Cancelled."})
    assert cancelled.successful is False and cancelled.terminal
    assert "cancelled" in cancelled.describe()
    cancelling = parse({"taskId": "T", "taskState": "CANCELLING", "progress": 0.4})
    assert cancelling.successful is None and not cancelling.terminal
    running = parse({"taskId": "T", "taskState": "IN_PROGRESS", "progress": "0.5"})
    assert running.progress == 0.5 and running.successful is None
    unknown = parse({"taskId": "T", "taskState": "SOMETHING_NEW"})
    assert unknown.state == "SOMETHING_NEW" and not unknown.terminal


def test_process_nested_results_are_walked() -> None:
    body = {
        "taskId": "P",
        "taskState": "COMPLETE",
        "currentStep": "Complete.",
        "result": {
            "successful": True,  # the server may say true while a step failed (api-notes §10.1)
            "failureDumpAvailable": False,
            "objectId": "118000000001",
            "nestedResults": [
                {
                    "objectId": "112000000001",
                    "successful": True,
                    "details": [{"type": "x", "values": ["successRowCount", "3"]}],
                },
                {
                    "objectId": "112000000003",
                    "successful": False,
                    "failureDumpAvailable": True,
                    "details": [
                        {"type": "y", "values": ["successRowCount", "7", "failedCount", "2"]}
                    ],
                },
                {"objectId": "116000000001", "successful": True},
            ],
        },
    }
    result = parse(body, kind="process", object_id="118000000001")
    assert result.successful is False
    assert result.failure_dump_available
    assert [n.kind for n in result.nested] == ["import", "import", "export"]
    assert [n.successful for n in result.nested] == [True, False, True]
    assert result.counts.rows_successful == 10
    assert result.counts.rows_failed == 2
    assert result.counts.total is None
    assert "112000000003" in result.describe()


def test_odd_and_missing_values_are_tolerated() -> None:
    body = {
        "taskId": "T",
        "taskState": "COMPLETE",
        "extra": {"new": 1},
        "result": {
            "successful": "true",
            "details": [
                {"type": "moduleRowsProcessed", "values": ["successRowCount", "4", "dangling"]},
                {"type": "note", "values": None, "occurrences": None},
                {"type": "n", "values": ["failedCount", "not a number", "ignoredCount", 2]},
            ],
        },
    }
    result = parse(body)
    assert result.successful is True
    assert result.counts.rows_successful == 4
    assert result.counts.rows_failed is None
    assert result.counts.rows_ignored == 2
    assert result.object_id == "112000000009"  # filled in from the caller
