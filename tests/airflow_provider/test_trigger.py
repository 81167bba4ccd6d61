"""`AnaplanTaskTrigger` on its own, as a triggerer runs it: rebuilt from `serialize()`, polling
the emulator, and each event it can fire; its `on_kill` cancels the Anaplan task. Plus the
operators' deadline, which ends in a cancelled task and a failed Airflow task."""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Iterator
from typing import Any

import pytest
from afhelpers import GOOD_SALES, SALES_IMPORT, task_held, task_posts

from faultcheck import fired
from pyanaplan import Client
from pyanaplan.airflow import AnaplanTaskTrigger


@pytest.fixture
def client(emu: Any) -> Iterator[Client]:
    user, password = emu.users[0]
    with Client(
        api_url=emu.api_url, auth_url=emu.auth_url, user=user, password=password,
        workspace="Demo Workspace", model="Sales Planning",
    ) as c:  # fmt: skip
        c.upload(GOOD_SALES, file="Sales.csv")
        yield c


def trigger_for(client: Client, task_id: str, **kwargs: Any) -> AnaplanTaskTrigger:
    """Built, then rebuilt from its serialized form as the triggerer does."""
    ref = client.model_ref()
    found = client.resolve("import", SALES_IMPORT)
    built = AnaplanTaskTrigger(
        anaplan_conn_id="anaplan_default", kind="import", workspace_id=ref.workspace_id,
        model_id=ref.model_id, object_id=found.id, object_name=found.name, task_id=task_id,
        poll_interval_s=0.05, **kwargs,
    )  # fmt: skip
    classpath, kwargs = built.serialize()
    module, _, name = classpath.rpartition(".")
    return getattr(importlib.import_module(module), name)(**kwargs)


def events(trigger: AnaplanTaskTrigger) -> list[dict[str, Any]]:
    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return asyncio.run(collect())


def test_fires_once_when_the_task_has_ended(emu: Any, anaplan_conn: str, client: Client) -> None:
    with task_held(emu, until_polls=3):
        started = client.run_import(SALES_IMPORT, wait=False)
        (event,) = events(trigger_for(client, started.task_id))
    assert event["status"] == "ended" and event["state"] == "COMPLETE"
    assert event["task_id"] == started.task_id and event["object_name"] == SALES_IMPORT


def test_fires_timeout_at_the_deadline(emu: Any, anaplan_conn: str, client: Client) -> None:
    with task_held(emu, until_polls=None):
        started = client.run_import(SALES_IMPORT, wait=False)
        (event,) = events(trigger_for(client, started.task_id, deadline=time.time()))
    assert event["status"] == "timeout" and event["state"] == "IN_PROGRESS"


def test_transient_failures_are_polled_through(emu: Any, anaplan_conn: str, client: Client) -> None:
    started = client.run_import(SALES_IMPORT, wait=False)
    emu.inject(path="*/imports/*/tasks/*", method="GET", status=503, times=2)
    (event,) = events(trigger_for(client, started.task_id))
    assert event["status"] == "ended"
    assert fired(emu) == [2]


def test_an_unknown_task_fires_an_error(emu: Any, anaplan_conn: str, client: Client) -> None:
    (event,) = events(trigger_for(client, "0" * 32))
    assert event["status"] == "error" and "has no task " + "0" * 32 in event["message"]
    assert event["hint"]


def test_on_kill_cancels_the_task(emu: Any, anaplan_conn: str, client: Client) -> None:
    emu.set_task_timing(steps=400, step_s=0.05)  # about 20 s unless cancelled
    started = client.run_import(SALES_IMPORT, wait=False)
    asyncio.run(trigger_for(client, started.task_id).on_kill())
    (task,) = client.tasks("import", SALES_IMPORT)
    assert task.task_id == started.task_id
    assert task.task_state in ("CANCELLING", "CANCELLED")


def test_deferred_operator_past_its_timeout_cancels_and_fails(
    emu: Any, anaplan_conn: str, run_dag: Any, client: Client
) -> None:
    emu.set_task_timing(steps=400, step_s=0.05)  # about 20 s; the operator allows 0.2 s
    run = run_dag(
        [{"task_id": "load", "operator": "AnaplanImportOperator",
          "kwargs": {"name": SALES_IMPORT, "timeout_s": 0.2, "poll_interval_s": 0.05}}]
    )  # fmt: skip
    assert run.state == "failed"
    assert "deferred" in run.events("load")
    assert len(task_posts(emu)) == 1
    (task,) = client.tasks("import", SALES_IMPORT)
    assert task.task_state in ("CANCELLING", "CANCELLED")
