"""SQLite connections: one `Database` per file, one connection per thread, WAL mode.

Platform metadata lives in one database (`platform_store.py`); each model's data in its own
(`model_store.py`). Keeping each model in its own file means a long import transaction (owned by
the model's task worker) never blocks token issuing or chunk bookkeeping; a crash rolls back only
that model's open transaction. WAL mode lets readers see the last committed state while an import
is running. This module and the two stores are the only code that imports `sqlite3`.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _connect(path: Path, *, durable: bool) -> sqlite3.Connection:
    # isolation_level=None: autocommit; multi-statement writes use explicit BEGIN IMMEDIATE so the
    # task worker fully owns the transaction an import runs in (architecture §3.2).
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'OFF'}")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class Database:
    """One SQLite file with a schema; hands out one connection per thread.

    Args:
        path: the database file.
        schema: DDL executed (idempotently) when the file is opened.
        durable: fsync every commit (``synchronous=FULL``); False only for throwaway databases
            in tests.
    """

    def __init__(self, path: Path, schema: str, *, durable: bool = True) -> None:
        self.path = path
        self._schema = schema
        self._durable = durable
        self._local = threading.local()
        self._owned: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._lock = threading.Lock()
        conn = self.conn()
        if schema.strip():
            conn.executescript(schema)

    def conn(self) -> sqlite3.Connection:
        """This thread's connection (created on first use)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path, durable=self._durable)
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

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` on this thread's connection; rolls back on error.

        IMMEDIATE takes the write lock at once, so two writers queue at ``BEGIN`` (busy timeout
        30 s) instead of failing halfway. A failed ``COMMIT`` rolls back too, so the connection
        is never left inside a transaction.
        """
        conn = self.conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

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
            conns = [conn for _, conn in self._owned]
            self._owned = []
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
