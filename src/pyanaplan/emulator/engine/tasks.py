"""Tasks (api-notes §4.6.3-§4.6.6): start, run, report, cancel, recover (dumps: dumps.py).

Each model has one FIFO worker thread. The worker opens a transaction on the model's store,
calls the model engine's ``run_action``, plays the configured progress steps, records the outcome
(engine/outcomes.py) and commits; a cancel or any exception rolls the transaction back, so an
import is never half-applied. Export output and dumps are written as blobs during the run but
become visible only after the commit. The platform database learns the outcome after the model
commit; if the emulator dies in between, `TaskService.recover` copies the recorded outcome over,
so the reported result always matches the data.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pyanaplan.emulator.engine import outcomes
from pyanaplan.emulator.engine.clock import Clock
from pyanaplan.emulator.engine.crash_points import (
    AFTER_MODEL_COMMIT,
    BEFORE_MODEL_COMMIT,
    CrashPoints,
)
from pyanaplan.emulator.engine.directory import Directory, User
from pyanaplan.emulator.engine.errors import not_found
from pyanaplan.emulator.engine.files import FileService
from pyanaplan.emulator.engine.model_data import ModelDataService
from pyanaplan.emulator.engine.outcomes import Pending
from pyanaplan.emulator.engine.runner import RunContext, TaskCancelled, run_action
from pyanaplan.emulator.engine.task_body import parse_task_body
from pyanaplan.emulator.spec import ModelSpec
from pyanaplan.emulator.storage.blobs import BlobStore
from pyanaplan.emulator.storage.model_store import ModelStore
from pyanaplan.emulator.storage.platform_store import DumpRecord, PlatformStore, TaskRecord

log = logging.getLogger(__name__)

KINDS = ("imports", "exports", "actions", "processes")
NOT_STARTED, IN_PROGRESS, COMPLETE = "NOT_STARTED", "IN_PROGRESS", "COMPLETE"
CANCELLING, CANCELLED = "CANCELLING", "CANCELLED"
TERMINAL = (COMPLETE, CANCELLED)


class _Cancelled(Exception):
    """The worker noticed a cancel between engine steps."""


def new_task_id() -> str:
    """32 uppercase hex (api-notes §2.5)."""
    return uuid.uuid4().hex.upper()


def kind_objects(model: ModelSpec, kind: str) -> dict[str, str]:
    """id → name of the objects a task kind can run (imports, exports, actions, processes)."""
    return {o.id: o.name for o in model.runnables(kind)}


@dataclass
class TaskTiming:
    """How tasks progress: ``steps`` updates of ``step_s`` seconds each after the engine ran."""

    steps: int = 3
    step_s: float = 0.0


class TaskService:
    """Starts, runs, reports and cancels tasks; serves dumps.

    Args:
        store: the platform database (tasks, dumps).
        model_data: each model's data store.
        directory: spec access.
        files: file content (import sources, export outputs).
        blobs: byte storage (dumps).
        clock: engine clock.
        timing: progress timing.
        export_chunk_bytes: size of export output chunks.
        crash_points: where tests may park a worker to kill the emulator there.
        rejected_rows_successful: ``successful`` of an import that rejected some rows.
    """

    def __init__(
        self,
        store: PlatformStore,
        model_data: ModelDataService,
        directory: Directory,
        files: FileService,
        blobs: BlobStore,
        clock: Clock,
        *,
        timing: TaskTiming,
        export_chunk_bytes: int,
        crash_points: CrashPoints | None = None,
        rejected_rows_successful: bool = False,
    ) -> None:
        self.store = store
        self.model_data = model_data
        self.directory = directory
        self.files = files
        self.blobs = blobs
        self.clock = clock
        self.timing = timing
        self._default_timing = TaskTiming(timing.steps, timing.step_s)
        #: ``successful`` of an import that rejected rows (changeable at run time by the
        #: control API; back to the spec's value on reset).
        self.rejected_rows_successful = rejected_rows_successful
        self._default_rejected_rows_successful = rejected_rows_successful
        self.export_chunk_bytes = export_chunk_bytes
        self.crash_points = crash_points or CrashPoints()
        self._lock = threading.RLock()
        self._queues: dict[str, queue.Queue[str]] = {}
        self._workers: dict[str, threading.Thread] = {}
        self._cancel: dict[str, threading.Event] = {}
        self._busy: dict[str, bool] = {}
        self._stop = threading.Event()

    # ---- lifecycle ----------------------------------------------------------------------------
    def recover(self) -> None:
        """After a restart, report every interrupted task as what really happened to its data.

        A task whose outcome was committed with its data (engine/outcomes.py) finished: its
        outputs are installed and that outcome reported, even if it was being cancelled. One
        without a recorded outcome was rolled back by SQLite: it is reported failed ("no changes
        were applied"), or CANCELLED if it was being cancelled. Queued tasks run again.
        """
        for task in self.store.tasks_in_states((IN_PROGRESS, CANCELLING)):
            found = self._recorded(task.model_id, task.task_id)
            if found is not None:
                self._complete(task.model_id, task.user_id, found)
            elif task.state == CANCELLING:
                self._finish_cancelled(task)
            else:
                result = self._result_skeleton(task, successful=False)
                result["details"] = [
                    _detail(
                        "The task was interrupted by an emulator restart; no changes were applied.",
                        "taskInterrupted",
                    )
                ]
                self.store.update_task(
                    task.task_id, state=COMPLETE, current_step="Failed.", result=result
                )
        self._forget_reported()
        for task in self.store.tasks_in_states((NOT_STARTED,)):
            self._enqueue(task.model_id, task.task_id)

    def _recorded(self, model_id: str, task_id: str) -> outcomes.RecordedOutcome | None:
        try:
            store = self.model_data.store(model_id)
        except Exception:  # the model left the spec: nothing of it can be recovered
            return None
        return outcomes.recorded(store.reader(), task_id)

    def _forget_reported(self) -> None:
        """Drop outcome records the platform database already holds (a crash can leave some)."""
        for model_id in [m.id for m in self.directory.models]:
            store = self.model_data.store(model_id)
            for task_id in outcomes.recorded_ids(store.reader()):
                task = self.store.task(task_id)
                if task is None or task.state in TERMINAL:
                    with store.transaction() as data:
                        outcomes.forget(data, task_id)

    def reset(self, model_ids: Iterable[str]) -> None:
        """Stop every task, wait for workers to go idle (bounded), and reseed model data."""
        self.crash_points.disarm()
        with self._lock:
            for ev in self._cancel.values():
                ev.set()
            for qu in self._queues.values():
                while True:
                    try:
                        qu.get_nowait()
                    except queue.Empty:
                        break
        for _ in range(200):  # at most ~10 s
            with self._lock:
                if not any(self._busy.values()):
                    break
            self._stop.wait(0.05)
        with self._lock:
            self._cancel.clear()
        self.timing = TaskTiming(self._default_timing.steps, self._default_timing.step_s)
        self.rejected_rows_successful = self._default_rejected_rows_successful
        for model_id in model_ids:
            self.model_data.reseed(model_id)

    def shutdown(self) -> None:
        """Stop the workers (emulator stop)."""
        self._stop.set()
        self.crash_points.disarm()
        with self._lock:
            for ev in self._cancel.values():
                ev.set()
            workers = list(self._workers.values())
        for w in workers:
            w.join(timeout=5)

    # ---- API ----------------------------------------------------------------------------------
    def start(
        self, model: ModelSpec, user: User, kind: str, object_id: str, body: Any
    ) -> dict[str, Any]:
        """``POST …/{kind}/{id}/tasks`` → NOT_STARTED (api-notes §4.6.3); the body is checked by
        `parse_task_body` (unknown and null fields ignored, wrong types a 400)."""
        if object_id not in kind_objects(model, kind):
            raise not_found()
        mapping = parse_task_body(body).mapping_json()
        task_id = new_task_id()
        now = self.clock.now_ms()
        self.store.insert_task(
            TaskRecord(
                task_id=task_id,
                model_id=model.id,
                kind=kind,
                object_id=object_id,
                user_id=user.id,
                state=NOT_STARTED,
                progress=0.0,
                current_step="Not started.",
                creation_ms=now,
                mapping=list(mapping) if mapping is not None else None,
                result=None,
                cancelled_by=None,
            )
        )
        self._enqueue(model.id, task_id)
        return {"taskId": task_id, "taskState": NOT_STARTED, "creationTime": now}

    def task(self, model: ModelSpec, kind: str, object_id: str, task_id: str) -> TaskRecord:
        """The task; 404 unless it belongs to this model, kind and object."""
        task = self.store.task(task_id)
        if (
            task is None
            or task.model_id != model.id
            or task.kind != kind
            or task.object_id != object_id
        ):
            raise not_found()
        return task

    def status(self, model: ModelSpec, kind: str, object_id: str, task_id: str) -> dict[str, Any]:
        """``GET …/tasks/{taskId}`` (api-notes §4.6.4)."""
        return task_json(self.task(model, kind, object_id, task_id))

    def list(self, model: ModelSpec, kind: str, object_id: str) -> list[dict[str, Any]]:
        """``GET …/tasks``: every user's tasks, oldest first; unknown parent → empty
        (api-notes §4.6.5)."""
        return [
            {
                "taskId": t.task_id,
                "taskState": t.state,
                "creationTime": t.creation_ms,
                "progress": t.progress,
            }
            for t in self.store.tasks_of(model.id, kind, object_id)
        ]

    def cancel(
        self, model: ModelSpec, user: User, kind: str, object_id: str, task_id: str
    ) -> dict[str, Any]:
        """``DELETE …/tasks/{taskId}``: queued → CANCELLED now; running → CANCELLING
        (api-notes §4.6.6)."""
        self.task(model, kind, object_id, task_id)
        with self._lock:
            state = self._existing(task_id).state
            if state == NOT_STARTED:
                self.store.update_task(task_id, cancelled_by=user.id)
                self._finish_cancelled(self._existing(task_id))
            elif state == IN_PROGRESS:
                self.store.update_task(task_id, state=CANCELLING, cancelled_by=user.id)
                self._cancel.setdefault(task_id, threading.Event()).set()
            task = self._existing(task_id)
        return task_json(task)

    def _existing(self, task_id: str) -> TaskRecord:
        task = self.store.task(task_id)
        # Tasks are looked up first (404 when unknown) and never deleted while the service runs.
        assert task is not None
        return task

    # ---- worker -------------------------------------------------------------------------------
    def _enqueue(self, model_id: str, task_id: str) -> None:
        with self._lock:
            qu = self._queues.get(model_id)
            if qu is None:
                qu = self._queues[model_id] = queue.Queue()
            worker = self._workers.get(model_id)
            if worker is None or not worker.is_alive():
                worker = threading.Thread(
                    target=self._work,
                    args=(model_id, qu),
                    name=f"emulator-tasks-{model_id[:8]}",
                    daemon=True,
                )
                self._workers[model_id] = worker
                worker.start()
            self._cancel.setdefault(task_id, threading.Event())
        qu.put(task_id)

    def _work(self, model_id: str, qu: queue.Queue[str]) -> None:
        # This thread is the only one that writes the model's data while tasks run; its
        # transactions use its own connection (one per thread, storage/db.py).
        store = self.model_data.store(model_id)
        while not self._stop.is_set():
            try:
                task_id = qu.get(timeout=0.2)
            except queue.Empty:
                continue
            with self._lock:
                self._busy[model_id] = True
            try:
                self._run(store, task_id)
            except Exception:  # a worker must survive anything a task does
                log.exception("task %s crashed the worker", task_id)
            finally:
                with self._lock:
                    self._busy[model_id] = False
                    self._cancel.pop(task_id, None)

    def _run(self, store: ModelStore, task_id: str) -> None:
        with self._lock:
            task = self.store.task(task_id)
            if task is None or task.state != NOT_STARTED:
                return
            cancel = self._cancel.setdefault(task_id, threading.Event())
            if cancel.is_set():
                self._finish_cancelled(task)
                return
            self.store.update_task(
                task_id, state=IN_PROGRESS, progress=0.0, current_step="Processing ..."
            )
        model_id, user_id = task.model_id, task.user_id
        model = self.directory.model_spec(model_id)
        pending = Pending()
        last_fraction, last_step = [0.0], ["Processing ..."]

        def progress(fraction: float, step: str) -> None:
            fraction = max(0.0, min(1.0, float(fraction))) * 0.5
            if abs(fraction - last_fraction[0]) >= 0.01 or step != last_step[0]:
                last_fraction[0], last_step[0] = fraction, step
                self._set_progress(task_id, fraction, step)

        def write_export(export_id: str, pieces: Iterable[bytes]) -> int:
            blobs = self.files.write_blobs(pieces, self.export_chunk_bytes)
            pending.exports.append((export_id, blobs))
            return sum(size for _, size in blobs)

        def write_dump(object_id: str, pieces: Iterable[bytes]) -> None:
            name, size = self.blobs.write(pieces)
            old = pending.dumps.pop(object_id, None)
            if old:
                self.blobs.delete(old[0])
            pending.dumps[object_id] = (name, size)

        try:
            # One transaction: the rows, and the outcome that says they are there, commit
            # together; a cancel or any error rolls both back.
            with store.transaction() as data:
                ctx = RunContext(
                    data=data,
                    model=model,
                    model_id=model_id,
                    user_id=user_id,
                    task_id=task_id,
                    open_source=lambda file_id: self.files.open_source(model_id, user_id, file_id),
                    write_export=write_export,
                    write_dump=write_dump,
                    progress=progress,
                    cancelled=cancel.is_set,
                    rejected_rows_successful=self.rejected_rows_successful,
                )
                outcome = run_action(ctx, task.object_id, mapping=task.mapping)
                self._play_steps(task_id, cancel)
                recorded = outcomes.RecordedOutcome(
                    task_id=task_id,
                    current_step=outcome.current_step or "Complete.",
                    result=outcome.result_dict(),
                    pending=pending,
                )
                outcomes.record(data, recorded)
                self.crash_points.reach(BEFORE_MODEL_COMMIT)
        except (TaskCancelled, _Cancelled):
            self._discard(pending)
            self._finish_cancelled(task)
            return
        except Exception as exc:
            self._discard(pending)
            log.warning("task %s failed: %s", task_id, type(exc).__name__)
            result = self._result_skeleton(task, successful=False)
            result["details"] = [_detail(f"The task failed: {type(exc).__name__}.", "taskFailed")]
            self._finalize(
                task_id, state=COMPLETE, current_step="Failed.", result=result, progress=1.0
            )
            return
        self.crash_points.reach(AFTER_MODEL_COMMIT)
        self._complete(model_id, user_id, recorded)
        with store.transaction() as data:
            outcomes.forget(data, task_id)

    def _complete(self, model_id: str, user_id: str, done: outcomes.RecordedOutcome) -> None:
        """Install a committed task's outputs and report its outcome (after a crash, again)."""
        self._install(model_id, user_id, done.task_id, done.pending, done.result)
        self._finalize(
            done.task_id,
            state=COMPLETE,
            current_step=done.current_step,
            result=done.result,
            progress=1.0,
        )

    def _finalize(
        self,
        task_id: str,
        *,
        state: str,
        current_step: str,
        result: dict[str, Any],
        progress: float | None = None,
    ) -> None:
        # Under the lock so a concurrent cancel cannot leave a finished task in CANCELLING.
        with self._lock:
            self.store.update_task(
                task_id, state=state, progress=progress, current_step=current_step, result=result
            )

    def _set_progress(self, task_id: str, fraction: float, step: str) -> None:
        self.store.update_task(task_id, progress=round(fraction, 4), current_step=step)

    def _play_steps(self, task_id: str, cancel: threading.Event) -> None:
        timing = self.timing
        steps = max(0, int(timing.steps))
        for i in range(steps):
            if timing.step_s > 0:
                self._set_progress(task_id, 0.5 + 0.5 * i / steps, "Processing ...")
                if cancel.wait(timing.step_s):
                    raise _Cancelled
            elif cancel.is_set():
                raise _Cancelled
        if cancel.is_set():
            raise _Cancelled

    def _discard(self, pending: Pending) -> None:
        for name in pending.blob_names():
            self.blobs.delete(name)

    def _install(
        self, model_id: str, user_id: str, task_id: str, pending: Pending, result: dict[str, Any]
    ) -> None:
        for export_id, blobs in pending.exports:
            self.files.install_output(model_id, user_id, export_id, blobs)
        now = self.clock.now_ms()
        for object_id, (name, size) in pending.dumps.items():
            old = self.store.put_dump(
                DumpRecord(
                    model_id=model_id,
                    user_id=user_id,
                    object_id=object_id,
                    task_id=task_id,
                    size=size,
                    blob=name,
                    accessed_ms=now,
                )
            )
            if old and old != name:
                self.blobs.delete(old)
        # A clean run of an import removes that user's dump of it (api-notes §4.7.1 retention).
        # "Clean" is no dump written, whatever ``successful`` says (see
        # ``rejected_rows_successful``).
        for out in [result, *list(result.get("nestedResults") or [])]:
            oid = str(out.get("objectId", ""))
            clean = out.get("successful") and not out.get("failureDumpAvailable")
            if oid.startswith("112") and oid not in pending.dumps and clean:
                old = self.store.delete_dump(model_id, user_id, oid)
                if old:
                    self.blobs.delete(old)

    def _result_skeleton(self, task: TaskRecord, *, successful: bool) -> dict[str, Any]:
        try:
            name = kind_objects(self.directory.model_spec(task.model_id), task.kind).get(
                task.object_id, ""
            )
        except Exception:
            name = ""
        result: dict[str, Any] = {
            "details": [],
            "failureDumpAvailable": False,
            "objectId": task.object_id,
            "objectName": name,
            "successful": successful,
        }
        if task.kind == "processes":
            result["nestedResults"] = []
        return result

    def _finish_cancelled(self, task: TaskRecord) -> None:
        result = self._result_skeleton(task, successful=False)
        self._finalize(task.task_id, state=CANCELLED, current_step="Cancelled.", result=result)


def task_json(task: TaskRecord) -> dict[str, Any]:
    """The ``task`` object (api-notes §4.6.4): creationTime, progress and
    currentStep always present."""
    out: dict[str, Any] = {
        "type": "taskInformation",
        "taskId": task.task_id,
        "taskState": task.state,
        "creationTime": task.creation_ms,
        "progress": task.progress,
        "currentStep": task.current_step,
    }
    if task.result is not None and task.state in TERMINAL:
        out["result"] = task.result
    if task.cancelled_by and task.state in (CANCELLING, CANCELLED):
        out["cancelledBy"] = task.cancelled_by
    return out


def _detail(message: str, detail_type: str) -> dict[str, Any]:
    return {"localMessageText": message, "occurrences": 0, "type": detail_type, "values": []}
