"""Engine test harness: a real model store with a model seeded, and a task-worker stand-in.

`EngineHarness.run` does what the platform's task worker does around `run_action`: open a store
transaction, build a RunContext whose callbacks store exports and dumps in dicts, commit on return
and roll back on any exception. `conn` is a separate raw connection for snapshots: it sees only
what was committed.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pyanaplan.emulator.engine.runner import ActionOutcome, RunContext, run_action, seed_model
from pyanaplan.emulator.spec import ModelSpec, Spec, load_spec
from pyanaplan.emulator.storage.model_store import ModelStore, ModelStores

SALES_MODEL = "5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B"
DEMO_USER = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


@dataclass
class EngineHarness:
    """One model's engine over a real store, with in-memory file content."""

    store: ModelStore
    conn: sqlite3.Connection
    model: ModelSpec
    uploads: dict[str, bytes] = field(default_factory=dict)
    exports: dict[str, bytes] = field(default_factory=dict)
    dumps: dict[str, bytes] = field(default_factory=dict)
    progress: list[tuple[float, str]] = field(default_factory=list)
    cancel_after_checks: int | None = None
    checks: int = 0
    rejected_rows_successful: bool = False

    def upload(self, file_id: str, content: bytes | str) -> None:
        self.uploads[file_id] = content.encode() if isinstance(content, str) else content

    def _open(self, file_id: str) -> BinaryIO | None:
        if file_id in self.uploads:
            return io.BytesIO(self.uploads[file_id])
        source = self.model.file(file_id)
        if source is None or source.default_content is None:
            return None
        return io.BytesIO(source.default_content)

    def _write_export(self, export_id: str, chunks: Iterable[bytes]) -> int:
        data = b"".join(chunks)
        self.exports[export_id] = data
        return len(data)

    def _write_dump(self, object_id: str, chunks: Iterable[bytes]) -> None:
        self.dumps[object_id] = b"".join(chunks)

    def _cancelled(self) -> bool:
        self.checks += 1
        return self.cancel_after_checks is not None and self.checks > self.cancel_after_checks

    def run(self, action_id: str, mapping: list[dict] | None = None) -> ActionOutcome:
        with self.store.transaction() as data:
            ctx = RunContext(
                data=data,
                model=self.model,
                model_id=self.model.id,
                user_id=DEMO_USER,
                task_id="0123456789ABCDEF0123456789ABCDEF",
                open_source=self._open,
                write_export=self._write_export,
                write_dump=self._write_dump,
                progress=lambda fraction, step: self.progress.append((fraction, step)),
                cancelled=self._cancelled,
                rejected_rows_successful=self.rejected_rows_successful,
            )
            return run_action(ctx, action_id, mapping=mapping)

    def reseed(self) -> None:
        with self.store.transaction() as data:
            seed_model(data, self.model)

    # -- reading state back -------------------------------------------------------------

    def items(self, list_name: str) -> list[tuple[str, str | None, str | None]]:
        """(name, code, parent name) per item, in list order."""
        lst = self.model.list_named(list_name)
        assert lst is not None
        rows = self.store.reader().list_items(lst.id).rows(())
        return [(name, code, parent) for name, code, parent, _ in rows]

    def item_property(self, list_name: str, item: str, prop: str) -> str | None:
        lst = self.model.list_named(list_name)
        assert lst is not None
        return self.store.reader().list_items(lst.id).item_property(item, prop)

    def export_rows(self, export_id: str = "116000000001") -> list[list[str]]:
        import csv

        self.run(export_id)
        return list(csv.reader(io.StringIO(self.exports[export_id].decode())))


def demo_spec() -> Spec:
    return load_spec(None)


def make_harness(tmp_path: Path, model: ModelSpec) -> Iterator[EngineHarness]:
    # A throwaway database: no fsyncs, to keep the tests fast.
    stores = ModelStores(tmp_path / "models", durable=False)
    store, _ = stores.get(model.id)
    with store.transaction() as data:
        seed_model(data, model)
    conn = sqlite3.connect(tmp_path / "models" / f"{model.id}.sqlite3")
    try:
        yield EngineHarness(store=store, conn=conn, model=model)
    finally:
        conn.close()
        stores.close()
