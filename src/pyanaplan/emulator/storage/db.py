"""SQLite connections and schema. Platform metadata in one database; each model's data in its own.

Keeping each model in its own file means a long import transaction (owned by the task worker) never
blocks token issuing or chunk bookkeeping; a crash rolls back only that model's open transaction.
WAL mode lets readers see the last committed state while an import is running.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PLATFORM_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token_value TEXT PRIMARY KEY,
    token_id TEXT NOT NULL,
    refresh_token_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS oauth_refresh (
    refresh_token TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS devices (
    device_code TEXT PRIMARY KEY,
    user_code TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    state TEXT NOT NULL,
    user_id TEXT,
    last_poll_ms INTEGER
);
CREATE TABLE IF NOT EXISTS certificates (
    user_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    pem TEXT NOT NULL,
    PRIMARY KEY (user_id, fingerprint)
);
CREATE TABLE IF NOT EXISTS created_files (
    model_id TEXT NOT NULL,
    file_id TEXT NOT NULL,
    name TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    PRIMARY KEY (model_id, file_id)
);
CREATE TABLE IF NOT EXISTS file_content (
    model_id TEXT NOT NULL,
    file_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    requested_count INTEGER NOT NULL,
    completed INTEGER NOT NULL DEFAULT 0,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (model_id, file_id, user_id)
);
CREATE TABLE IF NOT EXISTS chunks (
    model_id TEXT NOT NULL,
    file_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    chunk_no INTEGER NOT NULL,
    size INTEGER NOT NULL,
    blob TEXT NOT NULL,
    PRIMARY KEY (model_id, file_id, user_id, chunk_no)
);
CREATE TABLE IF NOT EXISTS tasks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL UNIQUE,
    model_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    state TEXT NOT NULL,
    progress REAL NOT NULL,
    current_step TEXT NOT NULL,
    creation_ms INTEGER NOT NULL,
    mapping_json TEXT,
    result_json TEXT,
    cancelled_by TEXT
);
CREATE INDEX IF NOT EXISTS tasks_by_object ON tasks (model_id, kind, object_id, seq);
CREATE TABLE IF NOT EXISTS dumps (
    model_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    blob TEXT NOT NULL,
    accessed_ms INTEGER NOT NULL,
    PRIMARY KEY (model_id, user_id, object_id)
);
"""


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: autocommit; multi-statement writes use explicit BEGIN IMMEDIATE so the
    # task worker fully owns the transaction an import runs in (architecture §3.2).
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class Database:
    """One SQLite file with a schema; hands out one connection per thread.

    Args:
        path: the database file.
        schema: DDL executed (idempotently) when the file is opened.
    """

    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
        self._schema = schema
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._owned: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._lock = threading.Lock()
        conn = self.conn()
        if schema.strip():
            conn.executescript(schema)

    def conn(self) -> sqlite3.Connection:
        """This thread's connection (created on first use)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path)
            self._local.conn = conn
            with self._lock:
                # Worker-pool threads come and go; close what dead threads left behind so a
                # long-running server does not leak file descriptors.
                alive = []
                for thread, old in self._owned:
                    if thread.is_alive():
                        alive.append((thread, old))
                    else:
                        with contextlib.suppress(sqlite3.Error):
                            old.close()
                self._owned = [*alive, (threading.current_thread(), conn)]
        return conn

    def new_conn(self) -> sqlite3.Connection:
        """A private connection (the task worker's, for a transaction it owns)."""
        conn = _connect(self.path)
        with self._lock:
            self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` on this thread's connection; rolls back on error."""
        conn = self.conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def clear(self) -> None:
        """Delete every row of every table (reset), keeping the schema."""
        with self.transaction() as conn:
            names = [
                r["name"]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            for name in names:
                conn.execute(f'DELETE FROM "{name}"')

    def close(self) -> None:
        """Close every connection handed out (at shutdown)."""
        with self._lock:
            conns, self._all = self._all, []
            conns += [conn for _, conn in self._owned]
            self._owned = []
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):
                conn.close()


def model_schema() -> str:
    """The model engine's DDL (storage/model_schema.py), or nothing while it is not there."""
    try:
        from pyanaplan.emulator.storage.model_schema import MODEL_SCHEMA
    except ImportError:
        return ""
    return MODEL_SCHEMA


class ModelDatabases:
    """One database per model under ``root`` (``<model_id>.sqlite3``), created on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self._dbs: dict[str, Database] = {}
        self._lock = threading.Lock()

    def get(self, model_id: str) -> tuple[Database, bool]:
        """The model's database and whether its file was just created (so it needs seeding)."""
        with self._lock:
            db = self._dbs.get(model_id)
            if db is not None:
                return db, False
            path = self.root / f"{model_id}.sqlite3"
            fresh = not path.exists()
            db = Database(path, model_schema())
            self._dbs[model_id] = db
            return db, fresh

    def close(self) -> None:
        """Close every model database."""
        with self._lock:
            dbs, self._dbs = list(self._dbs.values()), {}
        for db in dbs:
            db.close()
