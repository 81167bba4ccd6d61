"""Tasks (api-notes §4.6.3-§4.6.6): start, run, report, cancel, recover (dumps: dumps.py).

Each model has one FIFO worker thread. The worker opens a transaction on the model's database,
calls the model engine's ``run_action``, plays the configured progress steps, records the outcome
(engine/outcomes.py) and commits; a cancel or any exception rolls the transaction back, so an
import is never half-applied. Export output and dumps are written as blobs during the run but
become visible only after the commit. The platform database learns the outcome after the model
commit; if the emulator dies in between, `TaskService.recover` copies the recorded outcome over,
so the reported result always matches the data.
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable
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
from pyanaplan.emulator.engine.outcomes import Pending
from pyanaplan.emulator.engine.task_body import parse_task_body
from pyanaplan.emulator.spec import ModelSpec
from pyanaplan.emulator.storage import platform_queries as q
from pyanaplan.emulator.storage.blobs import BlobStore
from pyanaplan.emulator.storage.db import Database, ModelDatabases

log = logging.getLogger(__name__)

KINDS = ("imports", "exports", "actions", "processes")
NOT_STARTED, IN_PROGRESS, COMPLETE = "NOT_STARTED", "IN_PROGRESS", "COMPLETE"
CANCELLING, CANCELLED = "CANCELLING", "CANCELLED"
TERMINAL = (COMPLETE, CANCELLED)


class _Cancelled(Exception):
    """The worker noticed a cancel between engine steps."""


def new_task_id() -> str:
    """32 uppercase hex (§2.5)."""
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
        db: the platform database.
        model_dbs: one database per model.
        directory: spec access.
        files: file content (import sources, export outputs).
        blobs: byte storage (dumps).
        clock: engine clock.
        timing: progress timing.
        export_chunk_bytes: size of export output chunks.
        seed: puts a model's spec data into its fresh database.
        crash_points: where tests may park a worker to kill the emulator there.
        rejected_rows_successful: ``successful`` of an import that rejected some rows.
    """

    def __init__(
        self,
        db: Database,
        model_dbs: ModelDatabases,
        directory: Directory,
        files: FileService,
        blobs: BlobStore,
        clock: Clock,
        *,
        timing: TaskTiming,
        export_chunk_bytes: int,
        seed: Callable[[sqlite3.Connection, ModelSpec], None],
        crash_points: CrashPoints | None = None,
        rejected_rows_successful: bool = False,
    ) -> None:
        self.db = db
        self.model_dbs = model_dbs
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
        self._seed = seed
        self.crash_points = crash_points or CrashPoints()
        self._lock = threading.RLock()
        self._queues: dict[str, queue.Queue[str]] = {}
        self._workers: dict[str, threading.Thread] = {}
        self._cancel: dict[str, threading.Event] = {}
        self._busy: dict[str, bool] = {}
        self._stop = threading.Event()

    # ---- lifecycle ----------------------------------------------------------------------------
    def model_db(self, model_id: str) -> Database:
        """The model's database, seeded from the spec the first time it is created."""
        db, fresh = self.model_dbs.get(model_id)
        if fresh:
            self._reseed(model_id, db)
        return db

    def _reseed(self, model_id: str, db: Database) -> None:
        db.clear()
        conn = db.conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._seed(conn, self.directory.model_spec(model_id))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def recover(self) -> None:
        """After a restart, report every interrupted task as what really happened to its data.

        A task whose outcome was committed with its data (engine/outcomes.py) finished: its
        outputs are installed and that outcome reported, even if it was being cancelled. One
        without a recorded outcome was rolled back by SQLite: it is reported failed ("no changes
        were applied"), or CANCELLED if it was being cancelled. Queued tasks run again.
        """
        conn = self.db.conn()
        for row in q.tasks_in_states(conn, (IN_PROGRESS, CANCELLING)):
            found = self._recorded(row["model_id"], row["task_id"])
            if found is not None:
                self._complete(row["model_id"], row["user_id"], found)
            elif row["state"] == CANCELLING:
                self._finish_cancelled(row["task_id"], row)
            else:
                result = self._result_skeleton(row, successful=False)
                result["details"] = [
                    _detail(
                        "The task was interrupted by an emulator restart; no changes were applied.",
                        "taskInterrupted",
                    )
                ]
                q.update_task(
                    conn,
                    row["task_id"],
                    state=COMPLETE,
                    current_step="Failed.",
                    result_json=json.dumps(result),
                )
        self._forget_reported()
        for row in q.tasks_in_states(conn, (NOT_STARTED,)):
            self._enqueue(row["model_id"], row["task_id"])

    def _recorded(self, model_id: str, task_id: str) -> outcomes.RecordedOutcome | None:
        try:
            db = self.model_db(model_id)
        except Exception:  # the model left the spec: nothing of it can be recovered
            return None
        return outcomes.recorded(db.conn(), task_id)

    def _forget_reported(self) -> None:
        """Drop outcome records the platform database already holds (a crash can leave some)."""
        conn = self.db.conn()
        for model_id in [m.id for m in self.directory.models]:
            mconn = self.model_db(model_id).conn()
            for task_id in outcomes.recorded_ids(mconn):
                row = q.get_task(conn, task_id)
                if row is None or row["state"] in TERMINAL:
                    outcomes.forget(mconn, task_id)

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
            db, _ = self.model_dbs.get(model_id)
            self._reseed(model_id, db)

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
        q.insert_task(
            self.db.conn(),
            task_id=task_id,
            model_id=model.id,
            kind=kind,
            object_id=object_id,
            user_id=user.id,
            state=NOT_STARTED,
            progress=0.0,
            current_step="Not started.",
            creation_ms=now,
            mapping_json=json.dumps(mapping) if mapping is not None else None,
        )
        self._enqueue(model.id, task_id)
        return {"taskId": task_id, "taskState": NOT_STARTED, "creationTime": now}

    def task_row(self, model: ModelSpec, kind: str, object_id: str, task_id: str) -> sqlite3.Row:
        """The task's row; 404 unless it belongs to this model, kind and object."""
        row = q.get_task(self.db.conn(), task_id)
        if (
            row is None
            or row["model_id"] != model.id
            or row["kind"] != kind
            or row["object_id"] != object_id
        ):
            raise not_found()
        return row

    def status(self, model: ModelSpec, kind: str, object_id: str, task_id: str) -> dict[str, Any]:
        """``GET …/tasks/{taskId}`` (§4.6.4)."""
        return task_json(self.task_row(model, kind, object_id, task_id))

    def list(self, model: ModelSpec, kind: str, object_id: str) -> list[dict[str, Any]]:
        """``GET …/tasks``: every user's tasks, oldest first; unknown parent → empty (§4.6.5)."""
        rows = q.list_tasks(self.db.conn(), model.id, kind, object_id)
        return [
            {
                "taskId": r["task_id"],
                "taskState": r["state"],
                "creationTime": r["creation_ms"],
                "progress": r["progress"],
            }
            for r in rows
        ]

    def cancel(
        self, model: ModelSpec, user: User, kind: str, object_id: str, task_id: str
    ) -> dict[str, Any]:
        """``DELETE …/tasks/{taskId}``: queued → CANCELLED now; running → CANCELLING (§4.6.6)."""
        self.task_row(model, kind, object_id, task_id)
        conn = self.db.conn()
        with self._lock:
            state = _existing(q.get_task(conn, task_id))["state"]
            if state == NOT_STARTED:
                q.update_task(conn, task_id, cancelled_by=user.id)
                self._finish_cancelled(task_id, _existing(q.get_task(conn, task_id)))
            elif state == IN_PROGRESS:
                q.update_task(conn, task_id, state=CANCELLING, cancelled_by=user.id)
                self._cancel.setdefault(task_id, threading.Event()).set()
            row = _existing(q.get_task(conn, task_id))
        return task_json(row)

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
        db = self.model_db(model_id)
        conn = db.new_conn()
        try:
            while not self._stop.is_set():
                try:
                    task_id = qu.get(timeout=0.2)
                except queue.Empty:
                    continue
                with self._lock:
                    self._busy[model_id] = True
                try:
                    self._run(conn, task_id)
                except Exception:  # a worker must survive anything a task does
                    log.exception("task %s crashed the worker", task_id)
                finally:
                    with self._lock:
                        self._busy[model_id] = False
                        self._cancel.pop(task_id, None)
        finally:
            conn.close()

    def _run(self, conn: sqlite3.Connection, task_id: str) -> None:
        from pyanaplan.emulator.engine.runner import RunContext, TaskCancelled, run_action

        pconn = self.db.conn()
        with self._lock:
            row = q.get_task(pconn, task_id)
            if row is None or row["state"] != NOT_STARTED:
                return
            cancel = self._cancel.setdefault(task_id, threading.Event())
            if cancel.is_set():
                self._finish_cancelled(task_id, row)
                return
            q.update_task(
                pconn, task_id, state=IN_PROGRESS, progress=0.0, current_step="Processing ..."
            )
        model_id, user_id = row["model_id"], row["user_id"]
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

        ctx = RunContext(
            conn=conn,
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
        mapping = json.loads(row["mapping_json"]) if row["mapping_json"] else None
        conn.execute("BEGIN IMMEDIATE")
        try:
            outcome = run_action(ctx, row["object_id"], mapping=mapping)
            self._play_steps(task_id, cancel)
            recorded = outcomes.RecordedOutcome(
                task_id=task_id,
                current_step=outcome.current_step or "Complete.",
                result=outcome.result_dict(),
                pending=pending,
            )
            outcomes.record(conn, recorded)  # with the data, in one transaction
            self.crash_points.reach(BEFORE_MODEL_COMMIT)
        except (TaskCancelled, _Cancelled):
            conn.execute("ROLLBACK")
            self._discard(pending)
            self._finish_cancelled(task_id, row)
            return
        except Exception as exc:
            conn.execute("ROLLBACK")
            self._discard(pending)
            log.warning("task %s failed: %s", task_id, type(exc).__name__)
            result = self._result_skeleton(row, successful=False)
            result["details"] = [_detail(f"The task failed: {type(exc).__name__}.", "taskFailed")]
            self._finalize(
                task_id,
                state=COMPLETE,
                progress=1.0,
                current_step="Failed.",
                result_json=json.dumps(result),
            )
            return
        conn.execute("COMMIT")
        self.crash_points.reach(AFTER_MODEL_COMMIT)
        self._complete(model_id, user_id, recorded)
        outcomes.forget(conn, task_id)

    def _complete(self, model_id: str, user_id: str, done: outcomes.RecordedOutcome) -> None:
        """Install a committed task's outputs and report its outcome (after a crash, again)."""
        self._install(model_id, user_id, done.task_id, done.pending, done.result)
        self._finalize(
            done.task_id,
            state=COMPLETE,
            progress=1.0,
            current_step=done.current_step,
            result_json=json.dumps(done.result),
        )

    def _finalize(self, task_id: str, **fields: Any) -> None:
        # Under the lock so a concurrent cancel cannot leave a finished task in CANCELLING.
        with self._lock:
            q.update_task(self.db.conn(), task_id, **fields)

    def _set_progress(self, task_id: str, fraction: float, step: str) -> None:
        q.update_task(self.db.conn(), task_id, progress=round(fraction, 4), current_step=step)

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
        conn = self.db.conn()
        now = self.clock.now_ms()
        for object_id, (name, size) in pending.dumps.items():
            old = q.put_dump(
                conn,
                model_id=model_id,
                user_id=user_id,
                object_id=object_id,
                task_id=task_id,
                size=size,
                blob=name,
                accessed_ms=now,
            )
            if old and old != name:
                self.blobs.delete(old)
        # A clean run of an import removes that user's dump of it (§4.7.1 retention). "Clean" is
        # no dump written, whatever ``successful`` says (see ``rejected_rows_successful``).
        for out in [result, *list(result.get("nestedResults") or [])]:
            oid = str(out.get("objectId", ""))
            clean = out.get("successful") and not out.get("failureDumpAvailable")
            if oid.startswith("112") and oid not in pending.dumps and clean:
                old = q.delete_dump(conn, model_id, user_id, oid)
                if old:
                    self.blobs.delete(old)

    def _result_skeleton(self, row: sqlite3.Row, *, successful: bool) -> dict[str, Any]:
        try:
            name = kind_objects(self.directory.model_spec(row["model_id"]), row["kind"]).get(
                row["object_id"], ""
            )
        except Exception:
            name = ""
        result: dict[str, Any] = {
            "details": [],
            "failureDumpAvailable": False,
            "objectId": row["object_id"],
            "objectName": name,
            "successful": successful,
        }
        if row["kind"] == "processes":
            result["nestedResults"] = []
        return result

    def _finish_cancelled(self, task_id: str, row: sqlite3.Row) -> None:
        result = self._result_skeleton(row, successful=False)
        self._finalize(
            task_id,
            state=CANCELLED,
            current_step="Cancelled.",
            result_json=json.dumps(result),
        )


def task_json(row: sqlite3.Row) -> dict[str, Any]:
    """The ``task`` object (§4.6.4): creationTime, progress and currentStep always present."""
    out: dict[str, Any] = {
        "type": "taskInformation",
        "taskId": row["task_id"],
        "taskState": row["state"],
        "creationTime": row["creation_ms"],
        "progress": row["progress"],
        "currentStep": row["current_step"],
    }
    if row["result_json"] and row["state"] in TERMINAL:
        out["result"] = json.loads(row["result_json"])
    if row["cancelled_by"] and row["state"] in (CANCELLING, CANCELLED):
        out["cancelledBy"] = row["cancelled_by"]
    return out


def _existing(row: sqlite3.Row | None) -> sqlite3.Row:
    # Tasks are looked up first (404 when unknown) and never deleted while the service runs.
    assert row is not None
    return row


def _detail(message: str, detail_type: str) -> dict[str, Any]:
    return {"localMessageText": message, "occurrences": 0, "type": detail_type, "values": []}
