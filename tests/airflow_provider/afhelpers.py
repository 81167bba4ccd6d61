"""Helpers for the Airflow provider tests (a plain module: fixtures live in conftest.py)."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

#: The DAGs folder (conftest.py points Airflow at it before Airflow is imported).
DAGS = Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
#: Where `task_held` parks a task: its data committed, its state still IN_PROGRESS.
HELD_AT = "task-after-model-commit"
WORKSPACE = "Demo Workspace"
MODEL = "Sales Planning"
SALES_IMPORT = "Sales from Sales.csv"
GOOD_SALES = (
    b"Product,Region,Units,Price,Comment\n"
    b"Road Bike 200,North America,10,899.00,ok\n"
    b"Helmet,Japan,5,59.00,\n"
)
BAD_SALES = GOOD_SALES + (
    b"Unknown Bike,Japan,1,1.00,no such product\n"
    b"Helmet,Nowhere,2,59.00,no such region\n"
    b"Helmet,Japan,lots,59.00,not a number\n"
)


def conn_json(emu: Any, **extra: Any) -> str:
    """An `AIRFLOW_CONN_…` value: basic auth to the emulator, demo workspace and model."""
    user, password = emu.users[0]
    extras = {
        "api_url": emu.api_url,
        "auth_url": emu.auth_url,
        "oauth_url": emu.oauth_url,
        "workspace": WORKSPACE,
        "model": MODEL,
        **extra,
    }
    return json.dumps(
        {"conn_type": "anaplan", "login": user, "password": password, "extra": extras}
    )


class DagRunResult:
    """A finished DAG run and what it left in the metadata database."""

    def __init__(self, dag_run: Any) -> None:
        self.dag_id = str(dag_run.dag_id)
        self.run_id = str(dag_run.run_id)
        self._state = str(dag_run.state)

    @classmethod
    def latest(cls, dag_id: str) -> DagRunResult:
        """The newest run of a DAG (e.g. one a killed process left behind)."""
        from airflow.models.dagrun import DagRun
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            dag_run = session.scalar(
                select(DagRun).where(DagRun.dag_id == dag_id).order_by(DagRun.id.desc())
            )
            assert dag_run is not None, f"no run of {dag_id}"
            session.expunge(dag_run)
        return cls(dag_run)

    @property
    def state(self) -> str:
        """The run's state when it was looked at ("success", "failed", "running")."""
        return self._state

    def task_states(self) -> dict[str, str]:
        from airflow.models import TaskInstance
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            rows = session.scalars(
                select(TaskInstance).where(
                    TaskInstance.dag_id == self.dag_id, TaskInstance.run_id == self.run_id
                )
            )
            return {ti.task_id: str(ti.state) for ti in rows}

    def tries(self, task_id: str) -> int:
        from airflow.models import TaskInstance
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            ti = session.scalar(
                select(TaskInstance).where(
                    TaskInstance.dag_id == self.dag_id,
                    TaskInstance.run_id == self.run_id,
                    TaskInstance.task_id == task_id,
                )
            )
            return int(ti.try_number)

    def xcom(self, task_id: str, key: str = "return_value") -> Any:
        from airflow.models.xcom import XComModel
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            row = session.scalar(
                select(XComModel).where(
                    XComModel.dag_id == self.dag_id,
                    XComModel.run_id == self.run_id,
                    XComModel.task_id == task_id,
                    XComModel.key == key,
                )
            )
            return None if row is None else XComModel.deserialize_value(row)

    def events(self, task_id: str) -> list[str]:
        """State changes Airflow logged for the task ("running", "deferred", …), in order."""
        from airflow.models.log import Log
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            rows = session.scalars(
                select(Log)
                .where(Log.dag_id == self.dag_id, Log.run_id == self.run_id)
                .where(Log.task_id == task_id)
                .order_by(Log.id)
            )
            return [str(r.event) for r in rows]


def task_posts(emu: Any) -> list[dict[str, Any]]:
    """Task starts the emulator saw (`POST …/tasks`)."""
    return [r for r in emu.requests() if r["method"] == "POST" and r["path"].endswith("/tasks")]


def wait_until(check: Callable[[], bool], *, timeout_s: float = 20.0, what: str) -> None:
    """Poll `check` until true; fail the test with `what` after `timeout_s` (bounded loop)."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.05)


def fail_like_a_lost_worker(run: DagRunResult, task_id: str) -> str:
    """What the scheduler does to a running task whose worker stopped heartbeating: the task
    instance's failure handling (up for retry while retries remain). Returns the new state."""
    from airflow.models import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        ti = session.scalar(
            select(TaskInstance).where(
                TaskInstance.dag_id == run.dag_id,
                TaskInstance.run_id == run.run_id,
                TaskInstance.task_id == task_id,
            )
        )
        assert ti is not None and str(ti.state) == "running", ti and ti.state
        ti.handle_failure("the worker was killed (no heartbeat)", session=session)
        session.flush()
        return str(ti.state)


def resume_dag_run(dag: Any, run_id: str, *, timeout_s: float = 120.0) -> DagRunResult:
    """Carry on an existing DAG run to its end, as `dag.test()` runs one (whose own first step,
    replacing any run of the same date, would delete the task state an adopting retry needs)."""
    from airflow.models.dagrun import DagRun
    from airflow.sdk import DagRunState, TaskInstanceState
    from airflow.sdk.definitions.dag import _run_task
    from airflow.serialization.serialized_objects import DagSerialization
    from airflow.utils.session import create_session
    from sqlalchemy import select

    deadline = time.monotonic() + timeout_s
    with create_session() as session:
        dag_run = session.scalar(
            select(DagRun).where(DagRun.dag_id == dag.dag_id, DagRun.run_id == run_id)
        )
        assert dag_run is not None
        dag_run.dag = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))
        while dag_run.state == DagRunState.RUNNING:
            if time.monotonic() > deadline:
                pytest.fail(f"the DAG run {run_id} did not end within {timeout_s:g} s")
            session.expire_all()
            schedulable, _ = dag_run.update_state(session=session)
            for ti in schedulable:
                if ti.state != TaskInstanceState.UP_FOR_RESCHEDULE:
                    ti.try_number += 1
                ti.state = TaskInstanceState.SCHEDULED
            session.commit()
            scheduled = [
                ti
                for ti in dag_run.get_task_instances(session=session)
                if ti.state == TaskInstanceState.SCHEDULED
            ]
            if not scheduled:
                time.sleep(0.2)
            for ti in scheduled:
                _run_task(ti=ti, task=dag.task_dict[ti.task_id], run_triggerer=True)
        return DagRunResult(dag_run)


_STATUS_PATH = re.compile(r"/tasks/[0-9A-F]{32}$")


def status_polls(emu: Any) -> int:
    """Task status requests (`GET …/tasks/{taskId}`) the emulator has answered."""
    return sum(1 for r in emu.requests() if r["method"] == "GET" and _STATUS_PATH.search(r["path"]))


@contextmanager
def task_held(emu: Any, *, until_polls: int | None, timeout_s: float = 60.0) -> Iterator[None]:
    """Keep the next task IN_PROGRESS (parked in the emulator's engine after its data is
    committed) until the emulator has answered `until_polls` status requests in all, then let
    it finish: a task that is surely still running when the code under test looks at it,
    without guessing at durations. With `until_polls=None` only the test releases it
    (`emu.disarm_crash_points()`), or the end of the block."""
    emu.arm_crash_point(HELD_AT)
    done = threading.Event()

    def release() -> None:
        deadline = time.monotonic() + timeout_s
        while until_polls is not None and not done.is_set() and time.monotonic() < deadline:
            if status_polls(emu) >= until_polls:
                break
            time.sleep(0.02)
        done.wait() if until_polls is None else None
        emu.disarm_crash_points()

    thread = threading.Thread(target=release, name="release-held-task", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=10)
