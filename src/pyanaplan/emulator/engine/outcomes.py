"""A finished task's outcome, kept with its data until the platform database has it.

A task's data lives in the model's database and its reported state in the platform database:
two SQLite files, which cannot commit together. The worker used to commit the data and then the
outcome, so an emulator killed in between had applied the import, yet recovery reported "no
changes were applied" (issue 10 item 9). Now the worker writes the outcome (the ``result``, the
step text, and the export outputs and dumps to install) into the model database in the same
transaction as the data. Whatever happens next, start-up can tell which side of the commit the
task died on: a recorded outcome means the data is there and the outcome is copied to the
platform; no record means the data was rolled back.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from pyanaplan.emulator.storage import model_queries as mq


@dataclass
class Pending:
    """What a running task produced outside the model database, installed after its commit.

    Attributes:
        exports: (export id, [(blob name, size), …]) per export output, in run order.
        dumps: object id → (blob name, size) of each failure dump.
    """

    exports: list[tuple[str, list[tuple[str, int]]]] = dc_field(default_factory=list)
    dumps: dict[str, tuple[str, int]] = dc_field(default_factory=dict)

    def blob_names(self) -> list[str]:
        names = [name for _, blobs in self.exports for name, _ in blobs]
        return names + [name for name, _ in self.dumps.values()]

    def to_json(self) -> str:
        return json.dumps({"exports": self.exports, "dumps": self.dumps})

    @classmethod
    def from_json(cls, text: str) -> Pending:
        raw = json.loads(text)
        exports = [
            (str(eid), [(str(n), int(s)) for n, s in blobs]) for eid, blobs in raw["exports"]
        ]
        dumps = {str(oid): (str(n), int(s)) for oid, (n, s) in raw["dumps"].items()}
        return cls(exports=exports, dumps=dumps)


@dataclass(frozen=True)
class RecordedOutcome:
    """An outcome found in a model database (see `recorded`)."""

    task_id: str
    current_step: str
    result: dict[str, Any]
    pending: Pending


def record(conn: sqlite3.Connection, done: RecordedOutcome) -> None:
    """Write the outcome inside the worker's open transaction (it commits with the data)."""
    mq.put_task_outcome(
        conn,
        done.task_id,
        current_step=done.current_step,
        result_json=json.dumps(done.result),
        pending_json=done.pending.to_json(),
    )


def recorded(conn: sqlite3.Connection, task_id: str) -> RecordedOutcome | None:
    """The outcome committed with the task's data, or None (the data was rolled back)."""
    row = mq.get_task_outcome(conn, task_id)
    if row is None:
        return None
    return RecordedOutcome(
        task_id=task_id,
        current_step=row["current_step"],
        result=json.loads(row["result_json"]),
        pending=Pending.from_json(row["pending_json"]),
    )


def recorded_ids(conn: sqlite3.Connection) -> list[str]:
    """Every task whose outcome is still waiting in this model database."""
    return mq.task_outcome_ids(conn)


def forget(conn: sqlite3.Connection, task_id: str) -> None:
    """Drop the record once the platform database holds the outcome (autocommit)."""
    mq.delete_task_outcome(conn, task_id)
