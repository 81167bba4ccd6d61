"""`ModelStore`: one model's database (list items, module cells, task outcomes), typed.

The engine never holds a connection. It reads through a `ModelReader` (``store.reader()``: each
statement sees the last commit) and writes only through the `ModelWriter` that
``store.transaction()`` yields, so every change happens inside one ``BEGIN IMMEDIATE`` …
``COMMIT`` that rolls back if anything in the block raises. The task worker runs a whole task in
one such block: rows and the task's outcome commit together, a cancel or crash leaves nothing
(docs/architecture.md §3.2).

Where new queries go: per list or module, on the handles in `model_tables.py`
(`ListItems`/`ListItemsWriter`, `ModuleCells`/`ModuleCellsWriter`); across a model, here.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyanaplan.emulator.storage.db import Database
from pyanaplan.emulator.storage.model_schema import MODEL_SCHEMA
from pyanaplan.emulator.storage.model_tables import (
    ListItems,
    ListItemsWriter,
    ModuleCells,
    ModuleCellsWriter,
)


@dataclass(frozen=True)
class OutcomeRecord:
    """A finished task's outcome, stored with its data until the platform database has it.

    Attributes:
        task_id: The task.
        current_step: Its final step text.
        result: The task status ``result`` object.
        pending: What to install after the commit (JSON-ready; engine/outcomes.py reads it).
    """

    task_id: str
    current_step: str
    result: dict[str, Any]
    pending: dict[str, Any]


class ModelReader:
    """Reads one model's data on one connection (outside or inside a transaction)."""

    def __init__(self, conn: sqlite3.Connection, model_id: str) -> None:
        self._conn = conn
        self.model_id = model_id

    def list_items(self, list_id: str) -> ListItems:
        """The items of the list with spec ID ``list_id``."""
        return ListItems(self._conn, self.model_id, list_id)

    def module_cells(self, module_id: str) -> ModuleCells:
        """The cells of the module with spec ID ``module_id``."""
        return ModuleCells(self._conn, self.model_id, module_id)

    def outcome(self, task_id: str) -> OutcomeRecord | None:
        """The outcome committed with ``task_id``'s data, or None."""
        row = self._conn.execute(
            "SELECT * FROM task_outcomes WHERE task_id = ?", (task_id,)
        ).fetchone()
        if row is None:
            return None
        return OutcomeRecord(
            task_id=row["task_id"],
            current_step=row["current_step"],
            result=json.loads(row["result_json"]),
            pending=json.loads(row["pending_json"]),
        )

    def outcome_ids(self) -> list[str]:
        """Every task whose outcome is still stored here."""
        return [
            str(r[0]) for r in self._conn.execute("SELECT task_id FROM task_outcomes ORDER BY 1")
        ]


class ModelWriter(ModelReader):
    """Reads and writes one model's data inside a transaction (`ModelStore.transaction`)."""

    def list_items(self, list_id: str) -> ListItemsWriter:
        """The items of the list with spec ID ``list_id``, writable."""
        return ListItemsWriter(self._conn, self.model_id, list_id)

    def module_cells(self, module_id: str) -> ModuleCellsWriter:
        """The cells of the module with spec ID ``module_id``, writable."""
        return ModuleCellsWriter(self._conn, self.model_id, module_id)

    def delete_all(self) -> None:
        """Remove every list item and cell of the model (before seeding)."""
        keys = "SELECT key FROM model_objects WHERE model_id = ?"
        self._conn.execute(
            f"DELETE FROM module_cells WHERE module_key IN ({keys})", (self.model_id,)
        )
        self._conn.execute(f"DELETE FROM list_items WHERE list_key IN ({keys})", (self.model_id,))

    def put_outcome(self, outcome: OutcomeRecord) -> None:
        """Store a task's outcome; it commits (or rolls back) with the transaction's data."""
        self._conn.execute(
            "INSERT OR REPLACE INTO task_outcomes"
            " (task_id, current_step, result_json, pending_json) VALUES (?, ?, ?, ?)",
            (
                outcome.task_id,
                outcome.current_step,
                json.dumps(outcome.result),
                json.dumps(outcome.pending),
            ),
        )

    def forget_outcome(self, task_id: str) -> None:
        """Drop a stored outcome (the platform database holds it now)."""
        self._conn.execute("DELETE FROM task_outcomes WHERE task_id = ?", (task_id,))


class ModelStore:
    """One model's database.

    Args:
        db: the model's database file (one connection per thread).
        model_id: the model.
    """

    def __init__(self, db: Database, model_id: str) -> None:
        self._db = db
        self.model_id = model_id

    def reader(self) -> ModelReader:
        """Read queries on this thread's connection; each sees the last committed state."""
        return ModelReader(self._db.conn(), self.model_id)

    @contextmanager
    def transaction(self) -> Iterator[ModelWriter]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` on this thread's connection; rolls back on error.

        The writer is valid only inside the block.
        """
        with self._db.transaction() as conn:
            yield ModelWriter(conn, self.model_id)

    def clear(self) -> None:
        """Delete every row of every table, keeping the schema."""
        self._db.clear()


class ModelStores:
    """One `ModelStore` per model under ``root`` (``<model_id>.sqlite3``), opened on first use.

    Args:
        root: the directory of model databases.
        durable: fsync commits (False only for throwaway databases in tests).
    """

    def __init__(self, root: Path, *, durable: bool = True) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self._durable = durable
        self._stores: dict[str, tuple[ModelStore, Database]] = {}
        self._lock = threading.Lock()

    def get(self, model_id: str) -> tuple[ModelStore, bool]:
        """The model's store, and whether its file was just created (so it needs seeding)."""
        with self._lock:
            found = self._stores.get(model_id)
            if found is not None:
                return found[0], False
            path = self.root / f"{model_id}.sqlite3"
            fresh = not path.exists()
            db = Database(path, MODEL_SCHEMA, durable=self._durable)
            store = ModelStore(db, model_id)
            self._stores[model_id] = (store, db)
            return store, fresh

    def close(self) -> None:
        """Close every model database."""
        with self._lock:
            stores, self._stores = list(self._stores.values()), {}
        for _, db in stores:
            db.close()
