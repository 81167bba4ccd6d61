"""Operators that run an Anaplan task: import, export, action, process.

Each one starts the task, then waits for it without holding a worker slot (deferrable, the
default: `AnaplanTaskTrigger` polls in the triggerer) or in the worker (`deferrable=False`), and
collects the result with `Client.wait_task`, so outcomes (rejected rows, `accept_partial`,
`fail_on_ignored`, dumps) are decided by the library exactly as `run_import` decides them.

**A retry never starts a second task.** Right after the start the task is recorded in the task
instance's `task_state_store` (Airflow 3.3+, kept across the tries of one task instance, unlike
XCom, which Airflow clears when a try starts) and pushed to XCom (`anaplan_task`). A later try
first looks there: if that task is still queued or running it is adopted and waited on (an
import does not upload its file again); only a task that has ended lets the try start a new
one. `on_kill` (worker) and the trigger's `on_kill` (deferred) cancel the Anaplan task.

XCom: `return_value` is the task result as `TaskResult.to_dict()` (the CLI's `task` object),
`dump_paths` holding where the failure dumps were saved (local paths or object-storage URIs). A
failed task pushes the same document as `anaplan_result` before failing.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import NEVER_EXPIRE, BaseOperator
from airflow.sdk.exceptions import AirflowException

from pyanaplan import Client, NotFoundError, TaskResult
from pyanaplan.airflow import _storage
from pyanaplan.airflow._collect import XCOM_RESULT_KEY, AnaplanTaskFailedException, collect_task
from pyanaplan.airflow._poll import TaskRef
from pyanaplan.airflow.hooks import AnaplanHook
from pyanaplan.airflow.triggers import DEFAULT_POLL_INTERVAL_S, AnaplanTaskTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

__all__ = [
    "STATE_KEY",
    "XCOM_RESULT_KEY",
    "XCOM_TASK_KEY",
    "AnaplanActionOperator",
    "AnaplanExportOperator",
    "AnaplanImportOperator",
    "AnaplanProcessOperator",
    "AnaplanTaskFailedException",
    "AnaplanTaskOperator",
]

#: XCom key of the running task (`TaskRef` fields), pushed before waiting.
XCOM_TASK_KEY = "anaplan_task"
#: `task_state_store` key under which the started task survives into the next try.
STATE_KEY = "anaplan_task"

#: Import/process mapping parameters: `{"Dimension": "Item"}` or a list of such dicts.
MappingArg = Mapping[str, str] | Sequence[Mapping[str, str]] | None


class AnaplanTaskOperator(BaseOperator):
    """Base of the task-running operators: start (or adopt), wait, collect.

    Args:
        name: Name, code or ID of the import/export/action/process (templated).
        anaplan_conn_id: Airflow connection of type `anaplan`.
        workspace, model: Name or ID (templated); default from the connection's extras.
        deferrable: Wait in the triggerer (default) instead of holding a worker slot.
        poll_interval_s: Seconds between status requests while deferred.
        timeout_s: Cancel the Anaplan task and fail after this many seconds of waiting.
        check: Fail when the outcome is not accepted (default); False returns every result.
        dump_dir: Where failure dumps go: a local directory or object storage (templated);
            default a directory under the worker's temp dir, named after the task instance.
    """

    kind: ClassVar[str] = ""
    template_fields: Sequence[str] = ("name", "workspace", "model", "dump_dir")
    ui_color = "#cfe2f3"

    def __init__(
        self,
        *,
        name: str,
        anaplan_conn_id: str = AnaplanHook.default_conn_name,
        workspace: str | None = None,
        model: str | None = None,
        deferrable: bool = True,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
        timeout_s: float | None = None,
        check: bool = True,
        dump_dir: str | ObjectStoragePath | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.name = name
        self.anaplan_conn_id = anaplan_conn_id
        self.workspace = workspace
        self.model = model
        self.deferrable = deferrable
        self.poll_interval_s = poll_interval_s
        self.timeout_s = timeout_s
        self.check = check
        self.dump_dir = dump_dir
        self._running: TaskRef | None = None

    # -- what subclasses change ----------------------------------------------------------------

    def start_options(self) -> dict[str, Any]:
        """Extra keyword arguments for `Client.run_<kind>(…, wait=False)`."""
        return {}

    def collect_options(self) -> dict[str, Any]:
        """Extra keyword arguments for `Client.wait_task` (outcome policy)."""
        return {}

    def prepare(self, client: Client, ref: TaskRef, context: Context) -> None:
        """Runs before a new task is started (never when one is adopted)."""

    def output_place(self) -> str | ObjectStoragePath | None:
        """Where an export's output should be saved (None: not downloaded)."""
        return None

    # -- execute -------------------------------------------------------------------------------

    def execute(self, context: Context) -> dict[str, Any]:
        with AnaplanHook(self.anaplan_conn_id) as client:
            ref = self._locate(client)
            task_id = self._adopt(client, ref, context)
            if task_id is None:
                self.prepare(client, ref, context)
                task_id = self._start(client, ref, context)
            ref = replace(ref, task_id=task_id)
            self._running = ref
            context["ti"].xcom_push(key=XCOM_TASK_KEY, value=ref.as_dict())
            if self.deferrable:
                deadline = time.time() + self.timeout_s if self.timeout_s else None
                self.log.info("Deferring while Anaplan runs %s", ref.describe())
                self.defer(
                    trigger=AnaplanTaskTrigger.for_task(
                        ref, poll_interval_s=self.poll_interval_s, deadline=deadline
                    ),
                    method_name="execute_complete",
                )
            return self._collect(client, ref, context, timeout_s=self.timeout_s)

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger fired: collect the ended task, or fail."""
        ref = TaskRef(**{k: event[k] for k in TaskRef.__dataclass_fields__})
        self._running = ref
        status = event.get("status")
        if status == "error":
            raise AirflowException(
                f"Waiting for Anaplan {ref.describe()} failed: {event.get('message')} "
                f"{event.get('hint') or ''}".strip()
            )
        with AnaplanHook(self.anaplan_conn_id) as client:
            if status == "timeout":
                cancelled = client.cancel_task(
                    ref.kind, ref.object_id, ref.task_id,
                    workspace=ref.workspace_id, model=ref.model_id,
                )  # fmt: skip
                raise AirflowException(
                    f"Anaplan {ref.describe()} did not finish within {self.timeout_s:g} s; it was "
                    f"cancelled and is now {cancelled.state}."
                )
            return self._collect(client, ref, context, timeout_s=None)

    def on_kill(self) -> None:
        """The worker is being stopped while waiting: cancel the Anaplan task."""
        ref = self._running
        if ref is None:
            return
        self.log.info("Cancelling Anaplan %s", ref.describe())
        with AnaplanHook(self.anaplan_conn_id) as client:
            client.cancel_task(
                ref.kind, ref.object_id, ref.task_id, workspace=ref.workspace_id, model=ref.model_id
            )

    # -- steps ---------------------------------------------------------------------------------

    def _locate(self, client: Client) -> TaskRef:
        model = client.model_ref(self.model, workspace=self.workspace)
        found = client.resolve(
            self.kind, self.name, workspace=model.workspace_id, model=model.model_id
        )
        return TaskRef(
            anaplan_conn_id=self.anaplan_conn_id,
            kind=self.kind,
            workspace_id=model.workspace_id,
            model_id=model.model_id,
            object_id=found.id,
            object_name=found.name,
            task_id="",
        )

    def _adopt(self, client: Client, ref: TaskRef, context: Context) -> str | None:
        """The task an earlier try started, when it is still queued or running."""
        store = context.get("task_state_store")
        if store is None:
            self.log.warning(
                "This Airflow has no task_state_store (3.3+): a retry cannot find the Anaplan "
                "task an earlier try started."
            )
            return None
        saved = store.get(STATE_KEY)
        if not isinstance(saved, dict) or not saved.get("task_id"):
            return None
        same = all(saved.get(k) == getattr(ref, k) for k in ("kind", "model_id", "object_id"))
        if not same:
            return None
        task_id = str(saved["task_id"])
        try:
            earlier = client.task(
                ref.kind, ref.object_id, task_id, workspace=ref.workspace_id, model=ref.model_id
            )
        except NotFoundError:
            self.log.info("The Anaplan task %s of an earlier try is gone; starting anew", task_id)
            return None
        if earlier.terminal:
            self.log.info(
                "The Anaplan task %s of an earlier try ended (%s); starting a new one",
                task_id,
                earlier.state,
            )
            return None
        self.log.info(
            "Adopting Anaplan %s, started by an earlier try and still %s",
            replace(ref, task_id=task_id).describe(),
            earlier.state,
        )
        return task_id

    def _start(self, client: Client, ref: TaskRef, context: Context) -> str:
        run = getattr(client, f"run_{self.kind}")
        started: TaskResult = run(
            ref.object_id,
            workspace=ref.workspace_id,
            model=ref.model_id,
            wait=False,
            **self.start_options(),
        )
        store = context.get("task_state_store")
        if store is not None:
            saved = replace(ref, task_id=started.task_id).as_dict()
            store.set(STATE_KEY, saved, retention=NEVER_EXPIRE)
        self.log.info("Started Anaplan %s", replace(ref, task_id=started.task_id).describe())
        return started.task_id

    def _collect(
        self, client: Client, ref: TaskRef, context: Context, *, timeout_s: float | None
    ) -> dict[str, Any]:
        return collect_task(
            client, ref, context, log=self.log, check=self.check, dump_dir=self.dump_dir,
            output=self.output_place(), timeout_s=timeout_s, **self.collect_options(),
        )  # fmt: skip


class _LoadOperator(AnaplanTaskOperator):
    """Imports and processes: mapping parameters and the rejected-rows policy."""

    template_fields: Sequence[str] = (*AnaplanTaskOperator.template_fields, "mapping")
    template_fields_renderers: ClassVar[dict[str, str]] = {"mapping": "json"}

    def __init__(
        self,
        *,
        mapping: MappingArg = None,
        accept_partial: bool = False,
        fail_on_ignored: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.mapping = mapping
        self.accept_partial = accept_partial
        self.fail_on_ignored = fail_on_ignored

    def start_options(self) -> dict[str, Any]:
        return {"mapping": self.mapping}

    def collect_options(self) -> dict[str, Any]:
        return {"accept_partial": self.accept_partial, "fail_on_ignored": self.fail_on_ignored}


class AnaplanImportOperator(_LoadOperator):
    """Run an Anaplan import; optionally upload its source file first.

    Args:
        source: A local file or object storage (`ObjectStoragePath` or a URI string) to upload
            into the import's source file before starting (templated). Not uploaded again when
            a retry adopts the running import.
        file: The model file to upload into (templated); default: the import's own source.
        mapping: Mapping parameters, `{"Dimension": "Item"}` (templated).
        accept_partial: Pass when rows were rejected (the outcome is still PARTIAL, logged,
            with the dumps saved).
        fail_on_ignored: Count ignored rows as rejected.
        Others: see `AnaplanTaskOperator`.
    """

    kind = "import"
    template_fields: Sequence[str] = (*_LoadOperator.template_fields, "source", "file")

    def __init__(
        self,
        *,
        source: str | ObjectStoragePath | None = None,
        file: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.file = file

    def prepare(self, client: Client, ref: TaskRef, context: Context) -> None:
        if self.source is None:
            return
        target = (
            self.file
            or client.import_source(
                ref.object_id, workspace=ref.workspace_id, model=ref.model_id
            ).id
        )
        place = _storage.location(self.source)
        with _storage.open_source(place) as source:
            uploaded = client.upload(
                source, file=target, workspace=ref.workspace_id, model=ref.model_id
            )
        self.log.info(
            "Uploaded %s to file '%s' (%s bytes, %s chunks)",
            place,
            uploaded.file_name,
            uploaded.size,
            uploaded.chunks,
        )


class AnaplanProcessOperator(_LoadOperator):
    """Run an Anaplan process (its imports' rejected rows follow `accept_partial`).

    Args: see `AnaplanImportOperator` (no upload) and `AnaplanTaskOperator`.
    """

    kind = "process"


class AnaplanActionOperator(AnaplanTaskOperator):
    """Run another Anaplan action (delete, order hierarchy, …)."""

    kind = "action"


class AnaplanExportOperator(AnaplanTaskOperator):
    """Run an Anaplan export; optionally download its output.

    Args:
        download_to: Where to save the output: a local file or object storage
            (`ObjectStoragePath` or a URI string) (templated), as `Client.run_export` names it.
            The XCom result's `output_path` says where it went.
        Others: see `AnaplanTaskOperator`.
    """

    kind = "export"
    template_fields: Sequence[str] = (*AnaplanTaskOperator.template_fields, "download_to")

    def __init__(
        self, *, download_to: str | ObjectStoragePath | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.download_to = download_to

    def output_place(self) -> str | ObjectStoragePath | None:
        return self.download_to
