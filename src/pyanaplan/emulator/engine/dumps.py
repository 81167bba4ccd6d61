"""Failure dumps (api-notes §4.7): a task's dump CSV, its chunk list and chunks; 48 h retention.

The task worker stores dumps (engine/tasks.py); this module only serves them. A dump belongs to
one user and object and is replaced by that user's next dump of the object, so a task's dump
can disappear: then it is a 404, as live.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pyanaplan.emulator.engine.clock import Clock
from pyanaplan.emulator.engine.directory import User
from pyanaplan.emulator.engine.errors import not_found
from pyanaplan.emulator.spec import ModelSpec
from pyanaplan.emulator.storage.blobs import BlobStore
from pyanaplan.emulator.storage.platform_store import PlatformStore, TaskRecord

DUMP_TTL_S = 48 * 3600


class DumpService:
    """Serves the failure dumps of tasks.

    Args:
        store: the platform database (dumps).
        blobs: byte storage.
        clock: engine clock (48 h retention since last access).
        find_task: (model, kind, object id, task id) -> the task, or 404.
        dump_chunk_bytes: size of dump chunks (≤ 10 MB, api-notes §4.7.1).
    """

    def __init__(
        self,
        store: PlatformStore,
        blobs: BlobStore,
        clock: Clock,
        *,
        find_task: Callable[[ModelSpec, str, str, str], TaskRecord],
        dump_chunk_bytes: int,
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.clock = clock
        self._find_task = find_task
        self.dump_chunk_bytes = dump_chunk_bytes

    def dump(
        self,
        model: ModelSpec,
        user: User,
        kind: str,
        object_id: str,
        task_id: str,
        nested_id: str | None = None,
    ) -> tuple[Iterator[bytes], int] | None:
        """The dump CSV of a task (or of one nested import of a process task).

        Returns None when the task has no dump (204); raises 404 when it was replaced or expired.
        """
        result = self._find_task(model, kind, object_id, task_id).result
        if result is None:
            return None
        target = object_id if nested_id is None else nested_id
        if nested_id is not None:
            nested = [n for n in result.get("nestedResults", []) if n.get("objectId") == nested_id]
            if not nested:
                raise not_found()
            if not nested[0].get("failureDumpAvailable"):
                return None
        elif not result.get("failureDumpAvailable"):
            return None
        dump = self.store.dump(model.id, user.id, target)
        now = self.clock.now_ms()
        if dump is None or dump.task_id != task_id:
            raise not_found()
        if dump.accessed_ms + DUMP_TTL_S * 1000 <= now or not self.blobs.exists(dump.blob):
            old = self.store.delete_dump(model.id, user.id, target)
            if old:
                self.blobs.delete(old)
            raise not_found()
        self.store.touch_dump(model.id, user.id, target, now)
        return self.blobs.read(dump.blob), dump.size

    def _dump_row(
        self,
        model: ModelSpec,
        user: User,
        kind: str,
        object_id: str,
        task_id: str,
        nested_id: str | None,
    ) -> tuple[str, int]:
        found = self.dump(model, user, kind, object_id, task_id, nested_id)
        if found is None:
            raise not_found()
        pieces, size = found
        if hasattr(pieces, "close"):
            pieces.close()
        dump = self.store.dump(model.id, user.id, nested_id or object_id)
        assert dump is not None
        return dump.blob, size

    def dump_chunks(
        self,
        model: ModelSpec,
        user: User,
        kind: str,
        object_id: str,
        task_id: str,
        nested_id: str | None = None,
    ) -> list[dict[str, str]]:
        """Dump chunk list (≤ 10 MB chunks, ids from 0)."""
        _, size = self._dump_row(model, user, kind, object_id, task_id, nested_id)
        count = max(1, -(-size // self.dump_chunk_bytes))
        return [{"id": str(i), "name": f"Chunk {i}"} for i in range(count)]

    def dump_chunk(
        self,
        model: ModelSpec,
        user: User,
        kind: str,
        object_id: str,
        task_id: str,
        chunk_id: str,
        nested_id: str | None = None,
    ) -> tuple[Iterator[bytes], int]:
        """One dump chunk's bytes."""
        blob, size = self._dump_row(model, user, kind, object_id, task_id, nested_id)
        if not chunk_id.isdigit() or not chunk_id.isascii():
            raise not_found()
        n = int(chunk_id)
        count = max(1, -(-size // self.dump_chunk_bytes))
        if n >= count:
            raise not_found()
        start = n * self.dump_chunk_bytes
        length = min(self.dump_chunk_bytes, size - start)
        return self.blobs.read(blob, offset=start, length=length), length
