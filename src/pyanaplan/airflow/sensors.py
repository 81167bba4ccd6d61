"""`AnaplanTaskSensor`: wait for an Anaplan task started elsewhere (another DAG, a user, a
scheduled action in Anaplan) and judge how it ended, as the operators judge their own tasks.

Deferrable by default (the same `AnaplanTaskTrigger` as the operators); with `deferrable=False`
it pokes in the worker (`mode="reschedule"` frees the slot between pokes). Once the task has
ended it is collected with `Client.wait_task`: dumps saved, the outcome decided by the library,
and a task whose outcome is not accepted fails the sensor (unless `check=False`). It never
starts or cancels anything.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue
from airflow.sdk.exceptions import AirflowException

from pyanaplan.airflow._collect import collect_task
from pyanaplan.airflow._poll import TaskRef
from pyanaplan.airflow.hooks import AnaplanHook
from pyanaplan.airflow.triggers import DEFAULT_POLL_INTERVAL_S, AnaplanTaskTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

__all__ = ["AnaplanTaskSensor"]


class AnaplanTaskSensor(BaseSensorOperator):
    """Wait until an Anaplan task has ended; succeed when its outcome is accepted.

    Args:
        kind: "import", "export", "action" or "process" (templated).
        name: Name, code or ID of the object whose task it is (templated).
        anaplan_task_id: The Anaplan task id (templated), e.g.
            `"{{ ti.xcom_pull('start', key='anaplan_task')['task_id'] }}"`.
        accept_partial, fail_on_ignored: The rejected-rows policy, as for the import operator.
        check: Fail when the outcome is not accepted (default).
        dump_dir: Where failure dumps go (local or object storage; templated).
        deferrable: Wait in the triggerer (default).
        poll_interval_s: Seconds between status requests (also the poke interval).
        anaplan_conn_id, workspace, model: As for the operators.
        Others: `BaseSensorOperator` arguments (`timeout`, `mode`, …).

    Returns (XCom): the task result as `TaskResult.to_dict()`.
    """

    template_fields: Sequence[str] = (
        "kind", "name", "anaplan_task_id", "workspace", "model", "dump_dir",
    )  # fmt: skip
    ui_color = "#fff2cc"

    def __init__(
        self,
        *,
        kind: str,
        name: str,
        anaplan_task_id: str,
        anaplan_conn_id: str = AnaplanHook.default_conn_name,
        workspace: str | None = None,
        model: str | None = None,
        accept_partial: bool = False,
        fail_on_ignored: bool = False,
        check: bool = True,
        dump_dir: str | ObjectStoragePath | None = None,
        deferrable: bool = True,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("poke_interval", poll_interval_s)
        super().__init__(**kwargs)
        self.kind = kind
        self.name = name
        self.anaplan_task_id = anaplan_task_id
        self.anaplan_conn_id = anaplan_conn_id
        self.workspace = workspace
        self.model = model
        self.accept_partial = accept_partial
        self.fail_on_ignored = fail_on_ignored
        self.check = check
        self.dump_dir = dump_dir
        self.deferrable = deferrable
        self.poll_interval_s = poll_interval_s

    def _ref(self, client: Any) -> TaskRef:
        model = client.model_ref(self.model, workspace=self.workspace)
        found = client.resolve(self.kind, self.name, workspace=model.workspace_id,
                               model=model.model_id)  # fmt: skip
        return TaskRef(
            anaplan_conn_id=self.anaplan_conn_id,
            kind=self.kind,
            workspace_id=model.workspace_id,
            model_id=model.model_id,
            object_id=found.id,
            object_name=found.name,
            task_id=self.anaplan_task_id,
        )

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        with AnaplanHook(self.anaplan_conn_id) as client:
            ref = self._ref(client)
            now = client.task(ref.kind, ref.object_id, ref.task_id,
                              workspace=ref.workspace_id, model=ref.model_id)  # fmt: skip
            if now.terminal:
                return self._collect(client, ref, context)
        timeout = self.timeout if isinstance(self.timeout, int | float) else None
        deadline = time.time() + timeout if timeout else None
        self.defer(
            trigger=AnaplanTaskTrigger.for_task(
                ref, poll_interval_s=self.poll_interval_s, deadline=deadline
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=timeout) if timeout else None,
        )

    def poke(self, context: Context) -> bool | PokeReturnValue:
        with AnaplanHook(self.anaplan_conn_id) as client:
            ref = self._ref(client)
            now = client.task(ref.kind, ref.object_id, ref.task_id,
                              workspace=ref.workspace_id, model=ref.model_id)  # fmt: skip
            if not now.terminal:
                self.log.info("Anaplan %s is %s (%.0f%%)", ref.describe(), now.state,
                              now.progress * 100)  # fmt: skip
                return False
            return PokeReturnValue(is_done=True, xcom_value=self._collect(client, ref, context))

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        """Resume after the trigger fired."""
        ref = TaskRef(**{k: event[k] for k in TaskRef.__dataclass_fields__})
        status = event.get("status")
        if status == "error":
            raise AirflowException(
                f"Waiting for Anaplan {ref.describe()} failed: {event.get('message')} "
                f"{event.get('hint') or ''}".strip()
            )
        if status == "timeout":
            raise AirflowException(
                f"Anaplan {ref.describe()} was still {event.get('state')} when the sensor timed "
                "out (it was left running)."
            )
        with AnaplanHook(self.anaplan_conn_id) as client:
            return self._collect(client, ref, context)

    def _collect(self, client: Any, ref: TaskRef, context: Context) -> dict[str, Any]:
        return collect_task(
            client, ref, context, log=self.log, check=self.check, dump_dir=self.dump_dir,
            accept_partial=self.accept_partial, fail_on_ignored=self.fail_on_ignored,
        )  # fmt: skip
