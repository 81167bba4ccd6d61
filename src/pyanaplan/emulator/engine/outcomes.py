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

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from pyanaplan.emulator.storage.model_store import ModelReader, ModelWriter, OutcomeRecord


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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as the model database stores it."""
        return {"exports": self.exports, "dumps": self.dumps}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Pending:
        """Read back `to_dict` (after a JSON round trip: tuples come back as lists)."""
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


def record(data: ModelWriter, done: RecordedOutcome) -> None:
    """Write the outcome inside the worker's transaction (it commits with the data)."""
    data.put_outcome(
        OutcomeRecord(
            task_id=done.task_id,
            current_step=done.current_step,
            result=done.result,
            pending=done.pending.to_dict(),
        )
    )


def recorded(data: ModelReader, task_id: str) -> RecordedOutcome | None:
    """The outcome committed with the task's data, or None (the data was rolled back)."""
    found = data.outcome(task_id)
    if found is None:
        return None
    return RecordedOutcome(
        task_id=task_id,
        current_step=found.current_step,
        result=found.result,
        pending=Pending.from_dict(found.pending),
    )


def recorded_ids(data: ModelReader) -> list[str]:
    """Every task whose outcome is still waiting in this model database."""
    return data.outcome_ids()


def forget(data: ModelWriter, task_id: str) -> None:
    """Drop the record once the platform database holds the outcome."""
    data.forget_outcome(task_id)
