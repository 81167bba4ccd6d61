"""`AnaplanTaskSensor` waits for a task started elsewhere and judges how it ended; it never
starts or cancels a task."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from afhelpers import BAD_SALES, GOOD_SALES, SALES_IMPORT, task_held, task_posts

from pyanaplan import Client


@pytest.fixture
def client(emu: Any) -> Any:
    user, password = emu.users[0]
    with Client(
        api_url=emu.api_url, auth_url=emu.auth_url, user=user, password=password,
        workspace="Demo Workspace", model="Sales Planning",
    ) as c:  # fmt: skip
        yield c


def sensor(task_id: str, **kwargs: Any) -> list[dict[str, Any]]:
    args = {"kind": "import", "name": SALES_IMPORT, "anaplan_task_id": task_id,
            "poll_interval_s": 0.05, **kwargs}  # fmt: skip
    return [{"task_id": "wait", "operator": "AnaplanTaskSensor", "kwargs": args}]


@pytest.mark.parametrize(
    ("deferrable", "events"),
    [(True, ["running", "deferred", "running", "success"]), (False, ["running", "success"])],
    ids=["deferred", "poking"],
)
def test_sensor_waits_for_a_task_started_elsewhere(
    emu: Any, anaplan_conn: str, run_dag: Any, client: Client, deferrable: bool, events: list
) -> None:
    client.upload(GOOD_SALES, file="Sales.csv")
    with task_held(emu, until_polls=2):  # running at the sensor's first look and next poll
        started = client.run_import(SALES_IMPORT, wait=False)
        run = run_dag(sensor(started.task_id, deferrable=deferrable))
    assert run.state == "success"
    assert run.events("wait") == events
    result = run.xcom("wait")
    assert result["task_id"] == started.task_id and result["state"] == "COMPLETE"
    assert result["counts"]["rows_successful"] == 2
    assert len(task_posts(emu)) == 1  # the sensor started nothing


def test_sensor_fails_for_rejected_rows_and_saves_the_dump(
    emu: Any, anaplan_conn: str, run_dag: Any, client: Client, tmp_path: Path
) -> None:
    client.upload(BAD_SALES, file="Sales.csv")
    started = client.run_import(SALES_IMPORT, wait=False)
    run = run_dag(sensor(started.task_id, dump_dir=str(tmp_path)))
    assert run.state == "failed"
    result = run.xcom("wait", "anaplan_result")
    assert result["outcome"]["status"] == "partial" and result["counts"]["rows_failed"] == 3
    (dump,) = result["dump_paths"]
    assert Path(dump).parent == tmp_path and "Unknown Bike" in Path(dump).read_text()


def test_sensor_for_an_unknown_task_fails_with_its_id(
    emu: Any, anaplan_conn: str, run_dag: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    run = run_dag(sensor("0" * 32))
    assert run.state == "failed"
    assert "has no task " + "0" * 32 in capfd.readouterr().out
