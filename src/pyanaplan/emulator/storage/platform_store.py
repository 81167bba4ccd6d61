"""`PlatformStore`: every read and write of the platform database, with typed records.

The platform database holds what is not model data: tokens, OAuth refresh tokens and device
codes, registered certificates, created files, per-user file content and its chunks, tasks and
dumps (tables in `db.PLATFORM_SCHEMA`). Engine services call one method per statement; a service
that needs several statements to change together wraps them in `PlatformStore.transaction`.
Nothing outside ``storage/`` sees SQL or a connection.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, TypeVar

from pyanaplan.emulator.storage.db import Database

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Row = sqlite3.Row
R = TypeVar("R", bound="DataclassInstance")


@dataclass(frozen=True)
class TokenRecord:
    """An auth-service or OAuth access token."""

    token_value: str
    token_id: str
    refresh_token_id: str
    user_id: str
    kind: str  # "auth" | "oauth"
    expires_at_ms: int
    revoked: bool


@dataclass(frozen=True)
class RefreshRecord:
    """An OAuth refresh token (rotated on use)."""

    refresh_token: str
    user_id: str
    client_id: str
    scope: str
    revoked: bool


@dataclass(frozen=True)
class DeviceRecord:
    """An OAuth device-grant request."""

    device_code: str
    user_code: str
    client_id: str
    scope: str
    expires_at_ms: int
    state: str  # "pending" | "approved" | "denied" | "used"
    user_id: str | None
    last_poll_ms: int | None


@dataclass(frozen=True)
class CreatedFile:
    """A file a user created by naming it in a chunk-count POST."""

    model_id: str
    file_id: str
    name: str
    owner_id: str


@dataclass(frozen=True)
class ContentRecord:
    """One user's content of one file: the announced chunk count and whether it is complete."""

    model_id: str
    file_id: str
    user_id: str
    requested_count: int  # -1: not announced
    completed: bool
    updated_ms: int


@dataclass(frozen=True)
class ChunkRecord:
    """One stored chunk of a user's file content."""

    chunk_no: int
    size: int
    blob: str


@dataclass(frozen=True)
class TaskRecord:
    """A task: what it runs, for whom, and how far it got."""

    task_id: str
    model_id: str
    kind: str  # "imports" | "exports" | "actions" | "processes"
    object_id: str
    user_id: str
    state: str
    progress: float
    current_step: str
    creation_ms: int
    mapping: list[dict[str, Any]] | None  # the start body's mappingParameters
    result: dict[str, Any] | None  # the task status ``result`` object once finished
    cancelled_by: str | None


@dataclass(frozen=True)
class DumpRecord:
    """The failure dump a user's last run of an object left."""

    model_id: str
    user_id: str
    object_id: str
    task_id: str
    size: int
    blob: str
    accessed_ms: int


class PlatformStore:
    """The platform database behind typed methods.

    Args:
        db: the platform database (one connection per thread).
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def _conn(self) -> sqlite3.Connection:
        return self._db.conn()

    def _one(self, sql: str, params: tuple[Any, ...]) -> Row | None:
        row: Row | None = self._conn().execute(sql, params).fetchone()
        return row

    def _all(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        return self._conn().execute(sql, params).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``: this thread's calls inside the block change together.

        Rolls back when the block raises. Calls outside any block commit one by one.
        """
        with self._db.transaction():
            yield

    def clear(self) -> None:
        """Delete every row (reset), keeping the schema."""
        self._db.clear()

    def close(self) -> None:
        """Close every connection (shutdown)."""
        self._db.close()

    # ---- tokens (auth service and OAuth access tokens) ---------------------------------------
    def insert_token(self, token: TokenRecord) -> None:
        self._conn().execute(
            "INSERT INTO tokens"
            " (token_value, token_id, refresh_token_id, user_id, kind, expires_at_ms, revoked)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                token.token_value,
                token.token_id,
                token.refresh_token_id,
                token.user_id,
                token.kind,
                token.expires_at_ms,
                int(token.revoked),
            ),
        )

    def token(self, token_value: str) -> TokenRecord | None:
        row = self._one("SELECT * FROM tokens WHERE token_value = ?", (token_value,))
        if row is None:
            return None
        return _record(TokenRecord, row, revoked=bool(row["revoked"]))

    def set_token_expiry(self, token_value: str, expires_at_ms: int) -> None:
        self._conn().execute(
            "UPDATE tokens SET expires_at_ms = ? WHERE token_value = ?",
            (expires_at_ms, token_value),
        )

    def revoke_token(self, token_value: str) -> None:
        self._conn().execute("UPDATE tokens SET revoked = 1 WHERE token_value = ?", (token_value,))

    # ---- OAuth refresh tokens and device codes -----------------------------------------------
    def insert_refresh(self, refresh: RefreshRecord) -> None:
        self._conn().execute(
            "INSERT INTO oauth_refresh (refresh_token, user_id, client_id, scope, revoked)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                refresh.refresh_token,
                refresh.user_id,
                refresh.client_id,
                refresh.scope,
                int(refresh.revoked),
            ),
        )

    def refresh_token(self, refresh_token: str) -> RefreshRecord | None:
        row = self._one("SELECT * FROM oauth_refresh WHERE refresh_token = ?", (refresh_token,))
        if row is None:
            return None
        return _record(RefreshRecord, row, revoked=bool(row["revoked"]))

    def revoke_refresh(self, refresh_token: str) -> None:
        self._conn().execute(
            "UPDATE oauth_refresh SET revoked = 1 WHERE refresh_token = ?", (refresh_token,)
        )

    def insert_device(self, device: DeviceRecord) -> None:
        self._conn().execute(
            "INSERT INTO devices (device_code, user_code, client_id, scope, expires_at_ms, state,"
            " user_id, last_poll_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                device.device_code,
                device.user_code,
                device.client_id,
                device.scope,
                device.expires_at_ms,
                device.state,
                device.user_id,
                device.last_poll_ms,
            ),
        )

    def device(self, device_code: str) -> DeviceRecord | None:
        return _device(self._one("SELECT * FROM devices WHERE device_code = ?", (device_code,)))

    def device_by_user_code(self, user_code: str) -> DeviceRecord | None:
        return _device(self._one("SELECT * FROM devices WHERE user_code = ?", (user_code,)))

    def set_device_state(self, device_code: str, state: str, user_id: str | None = None) -> None:
        """Move a device request to ``state``; ``user_id`` (when given) is who decided."""
        self._conn().execute(
            "UPDATE devices SET state = ?, user_id = COALESCE(?, user_id) WHERE device_code = ?",
            (state, user_id, device_code),
        )

    def set_device_poll(self, device_code: str, now_ms: int) -> None:
        self._conn().execute(
            "UPDATE devices SET last_poll_ms = ? WHERE device_code = ?", (now_ms, device_code)
        )

    # ---- certificates registered at runtime --------------------------------------------------
    def insert_certificate(self, user_id: str, fingerprint: str, pem: str) -> None:
        self._conn().execute(
            "INSERT OR REPLACE INTO certificates (user_id, fingerprint, pem) VALUES (?, ?, ?)",
            (user_id, fingerprint, pem),
        )

    def certificate_owner(self, fingerprint: str) -> str | None:
        """The user id a certificate (by SHA-256 fingerprint) is registered for, or None."""
        row = self._one("SELECT user_id FROM certificates WHERE fingerprint = ?", (fingerprint,))
        return None if row is None else str(row["user_id"])

    # ---- files created by a chunk-count POST on an unknown id --------------------------------
    def created_files(self, model_id: str) -> list[CreatedFile]:
        rows = self._all(
            "SELECT * FROM created_files WHERE model_id = ? ORDER BY file_id", (model_id,)
        )
        return [_record(CreatedFile, r) for r in rows]

    def created_file_id(self, model_id: str, owner_id: str, name: str) -> str | None:
        """The id of ``owner_id``'s created file called ``name`` (the lowest, if several)."""
        row = self._one(
            "SELECT file_id FROM created_files WHERE model_id = ? AND owner_id = ? AND name = ?"
            " ORDER BY file_id LIMIT 1",
            (model_id, owner_id, name),
        )
        return None if row is None else str(row["file_id"])

    def insert_created_file(self, file: CreatedFile) -> None:
        self._conn().execute(
            "INSERT INTO created_files (model_id, file_id, name, owner_id) VALUES (?, ?, ?, ?)",
            (file.model_id, file.file_id, file.name, file.owner_id),
        )

    # ---- per-user file content and its chunks ------------------------------------------------
    def content(self, model_id: str, file_id: str, user_id: str) -> ContentRecord | None:
        row = self._one(
            "SELECT * FROM file_content WHERE model_id = ? AND file_id = ? AND user_id = ?",
            (model_id, file_id, user_id),
        )
        if row is None:
            return None
        return _record(ContentRecord, row, completed=bool(row["completed"]))

    def put_content(self, content: ContentRecord) -> None:
        """Insert or replace a user's content record of a file (its chunks stay)."""
        self._conn().execute(
            "INSERT INTO file_content"
            " (model_id, file_id, user_id, requested_count, completed, updated_ms)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (model_id, file_id, user_id) DO UPDATE SET"
            " requested_count = excluded.requested_count, completed = excluded.completed,"
            " updated_ms = excluded.updated_ms",
            (
                content.model_id,
                content.file_id,
                content.user_id,
                content.requested_count,
                int(content.completed),
                content.updated_ms,
            ),
        )

    def touch_content(self, model_id: str, file_id: str, user_id: str, updated_ms: int) -> None:
        self._conn().execute(
            "UPDATE file_content SET updated_ms = ?"
            " WHERE model_id = ? AND file_id = ? AND user_id = ?",
            (updated_ms, model_id, file_id, user_id),
        )

    def delete_content(self, model_id: str, file_id: str, user_id: str) -> list[str]:
        """Remove a user's content and chunk records; returns the blobs to delete once committed."""
        key = (model_id, file_id, user_id)
        where = "WHERE model_id = ? AND file_id = ? AND user_id = ?"
        blobs = [str(r["blob"]) for r in self._all(f"SELECT blob FROM chunks {where}", key)]
        conn = self._conn()
        conn.execute(f"DELETE FROM chunks {where}", key)
        conn.execute(f"DELETE FROM file_content {where}", key)
        return blobs

    def chunks(self, model_id: str, file_id: str, user_id: str) -> list[ChunkRecord]:
        """A user's stored chunks of a file, by chunk number."""
        rows = self._all(
            "SELECT chunk_no, size, blob FROM chunks"
            " WHERE model_id = ? AND file_id = ? AND user_id = ? ORDER BY chunk_no",
            (model_id, file_id, user_id),
        )
        return [_record(ChunkRecord, r) for r in rows]

    def put_chunk(
        self, model_id: str, file_id: str, user_id: str, chunk: ChunkRecord
    ) -> str | None:
        """Store a chunk record; returns the blob name it replaced, if any."""
        key = (model_id, file_id, user_id, chunk.chunk_no)
        old = self._one(
            "SELECT blob FROM chunks"
            " WHERE model_id = ? AND file_id = ? AND user_id = ? AND chunk_no = ?",
            key,
        )
        self._conn().execute(
            "INSERT OR REPLACE INTO chunks (model_id, file_id, user_id, chunk_no, size, blob)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (*key, chunk.size, chunk.blob),
        )
        return None if old is None else str(old["blob"])

    # ---- tasks --------------------------------------------------------------------------------
    def insert_task(self, task: TaskRecord) -> None:
        self._conn().execute(
            "INSERT INTO tasks (task_id, model_id, kind, object_id, user_id, state, progress,"
            " current_step, creation_ms, mapping_json, result_json, cancelled_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                task.task_id,
                task.model_id,
                task.kind,
                task.object_id,
                task.user_id,
                task.state,
                task.progress,
                task.current_step,
                task.creation_ms,
                _dumps(task.mapping),
                _dumps(task.result),
                task.cancelled_by,
            ),
        )

    def task(self, task_id: str) -> TaskRecord | None:
        row = self._one("SELECT * FROM tasks WHERE task_id = ?", (task_id,))
        return None if row is None else _task(row)

    def tasks_of(self, model_id: str, kind: str, object_id: str) -> list[TaskRecord]:
        """Every user's tasks of one object, oldest first."""
        rows = self._all(
            "SELECT * FROM tasks WHERE model_id = ? AND kind = ? AND object_id = ? ORDER BY seq",
            (model_id, kind, object_id),
        )
        return [_task(r) for r in rows]

    def tasks_in_states(self, states: tuple[str, ...]) -> list[TaskRecord]:
        """Every task in one of ``states``, oldest first."""
        marks = ", ".join("?" for _ in states)
        rows = self._all(f"SELECT * FROM tasks WHERE state IN ({marks}) ORDER BY seq", states)
        return [_task(r) for r in rows]

    def update_task(
        self,
        task_id: str,
        *,
        state: str | None = None,
        progress: float | None = None,
        current_step: str | None = None,
        result: dict[str, Any] | None = None,
        cancelled_by: str | None = None,
    ) -> None:
        """Set the given fields of a task (None: unchanged)."""
        fields: dict[str, Any] = {
            "state": state,
            "progress": progress,
            "current_step": current_step,
            "result_json": _dumps(result),
            "cancelled_by": cancelled_by,
        }
        changes = {column: value for column, value in fields.items() if value is not None}
        if not changes:
            return
        sets = ", ".join(f"{column} = ?" for column in changes)
        self._conn().execute(
            f"UPDATE tasks SET {sets} WHERE task_id = ?", (*changes.values(), task_id)
        )

    # ---- dumps (one per user and object; api-notes §4.7.1) ---------------------------------------
    def dump(self, model_id: str, user_id: str, object_id: str) -> DumpRecord | None:
        row = self._one(
            "SELECT * FROM dumps WHERE model_id = ? AND user_id = ? AND object_id = ?",
            (model_id, user_id, object_id),
        )
        if row is None:
            return None
        return _record(DumpRecord, row)

    def put_dump(self, dump: DumpRecord) -> str | None:
        """Store the dump of (user, object), replacing the previous one; returns the replaced
        blob."""
        old = self.dump(dump.model_id, dump.user_id, dump.object_id)
        self._conn().execute(
            "INSERT OR REPLACE INTO dumps"
            " (model_id, user_id, object_id, task_id, size, blob, accessed_ms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                dump.model_id,
                dump.user_id,
                dump.object_id,
                dump.task_id,
                dump.size,
                dump.blob,
                dump.accessed_ms,
            ),
        )
        return None if old is None else old.blob

    def delete_dump(self, model_id: str, user_id: str, object_id: str) -> str | None:
        """Remove the dump of (user, object); returns its blob, if there was one."""
        old = self.dump(model_id, user_id, object_id)
        self._conn().execute(
            "DELETE FROM dumps WHERE model_id = ? AND user_id = ? AND object_id = ?",
            (model_id, user_id, object_id),
        )
        return None if old is None else old.blob

    def touch_dump(self, model_id: str, user_id: str, object_id: str, now_ms: int) -> None:
        self._conn().execute(
            "UPDATE dumps SET accessed_ms = ? WHERE model_id = ? AND user_id = ? AND object_id = ?",
            (now_ms, model_id, user_id, object_id),
        )


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _record(cls: type[R], row: Row, **converted: Any) -> R:
    """A ``cls`` from the row's columns of the same names; ``converted`` gives the fields whose
    stored form differs (0/1 for booleans, JSON text)."""
    columns = {f.name: row[f.name] for f in fields(cls) if f.name not in converted}
    return cls(**columns, **converted)


def _device(row: Row | None) -> DeviceRecord | None:
    return None if row is None else _record(DeviceRecord, row)


def _task(row: Row) -> TaskRecord:
    return _record(
        TaskRecord,
        row,
        mapping=json.loads(row["mapping_json"]) if row["mapping_json"] else None,
        result=json.loads(row["result_json"]) if row["result_json"] else None,
    )
