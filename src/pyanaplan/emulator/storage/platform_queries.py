"""Every SQL statement on the platform database (tokens, devices, files, chunks, tasks, dumps)."""

from __future__ import annotations

import sqlite3
from typing import Any

Row = sqlite3.Row


# ---- tokens (auth service and OAuth access tokens) -------------------------------------------
def insert_token(
    conn: sqlite3.Connection,
    *,
    token_value: str,
    token_id: str,
    refresh_token_id: str,
    user_id: str,
    kind: str,
    expires_at_ms: int,
) -> None:
    conn.execute(
        "INSERT INTO tokens (token_value, token_id, refresh_token_id, user_id, kind, expires_at_ms)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (token_value, token_id, refresh_token_id, user_id, kind, expires_at_ms),
    )


def get_token(conn: sqlite3.Connection, token_value: str) -> Row | None:
    return conn.execute("SELECT * FROM tokens WHERE token_value = ?", (token_value,)).fetchone()


def set_token_expiry(conn: sqlite3.Connection, token_value: str, expires_at_ms: int) -> None:
    conn.execute(
        "UPDATE tokens SET expires_at_ms = ? WHERE token_value = ?", (expires_at_ms, token_value)
    )


def revoke_token(conn: sqlite3.Connection, token_value: str) -> None:
    conn.execute("UPDATE tokens SET revoked = 1 WHERE token_value = ?", (token_value,))


# ---- OAuth ------------------------------------------------------------------------------------
def insert_refresh(
    conn: sqlite3.Connection, *, refresh_token: str, user_id: str, client_id: str, scope: str
) -> None:
    conn.execute(
        "INSERT INTO oauth_refresh (refresh_token, user_id, client_id, scope) VALUES (?, ?, ?, ?)",
        (refresh_token, user_id, client_id, scope),
    )


def get_refresh(conn: sqlite3.Connection, refresh_token: str) -> Row | None:
    return conn.execute(
        "SELECT * FROM oauth_refresh WHERE refresh_token = ?", (refresh_token,)
    ).fetchone()


def revoke_refresh(conn: sqlite3.Connection, refresh_token: str) -> None:
    conn.execute("UPDATE oauth_refresh SET revoked = 1 WHERE refresh_token = ?", (refresh_token,))


def insert_device(
    conn: sqlite3.Connection,
    *,
    device_code: str,
    user_code: str,
    client_id: str,
    scope: str,
    expires_at_ms: int,
) -> None:
    conn.execute(
        "INSERT INTO devices (device_code, user_code, client_id, scope, expires_at_ms, state)"
        " VALUES (?, ?, ?, ?, ?, 'pending')",
        (device_code, user_code, client_id, scope, expires_at_ms),
    )


def get_device(conn: sqlite3.Connection, device_code: str) -> Row | None:
    return conn.execute("SELECT * FROM devices WHERE device_code = ?", (device_code,)).fetchone()


def get_device_by_user_code(conn: sqlite3.Connection, user_code: str) -> Row | None:
    return conn.execute("SELECT * FROM devices WHERE user_code = ?", (user_code,)).fetchone()


def set_device_state(
    conn: sqlite3.Connection, device_code: str, state: str, user_id: str | None = None
) -> None:
    conn.execute(
        "UPDATE devices SET state = ?, user_id = COALESCE(?, user_id) WHERE device_code = ?",
        (state, user_id, device_code),
    )


def set_device_poll(conn: sqlite3.Connection, device_code: str, now_ms: int) -> None:
    conn.execute("UPDATE devices SET last_poll_ms = ? WHERE device_code = ?", (now_ms, device_code))


# ---- certificates registered at runtime -------------------------------------------------------
def insert_certificate(conn: sqlite3.Connection, user_id: str, fingerprint: str, pem: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO certificates (user_id, fingerprint, pem) VALUES (?, ?, ?)",
        (user_id, fingerprint, pem),
    )


def find_certificate(conn: sqlite3.Connection, fingerprint: str) -> Row | None:
    return conn.execute(
        "SELECT * FROM certificates WHERE fingerprint = ?", (fingerprint,)
    ).fetchone()


# ---- files created by a chunk-count POST on an unknown id -------------------------------------
def created_files(conn: sqlite3.Connection, model_id: str) -> list[Row]:
    return conn.execute(
        "SELECT * FROM created_files WHERE model_id = ? ORDER BY file_id", (model_id,)
    ).fetchall()


def create_file_once(
    conn: sqlite3.Connection,
    model_id: str,
    owner_id: str,
    name: str,
    *,
    taken_ids: set[int],
    first_id: int,
) -> str:
    """The id of ``owner_id``'s created file ``name`` in the model, creating it if there is none.

    Lookup and insert run in one ``BEGIN IMMEDIATE`` transaction, so concurrent requests for
    the same name serialise on SQLite's write lock and all get the one file: checked outside
    the transaction, eight simultaneous ``POST files/{name}`` created two to five files with
    the same name (issue 10 item 10). New ids follow the largest of ``taken_ids``, every
    created file's id in the model and ``first_id``.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute(
            "SELECT file_id FROM created_files WHERE model_id = ? AND owner_id = ? AND name = ?"
            " ORDER BY file_id LIMIT 1",
            (model_id, owner_id, name),
        ).fetchone()
        if row is not None:
            file_id = str(row["file_id"])
        else:
            ids = {int(r["file_id"]) for r in created_files(conn, model_id)}
            file_id = str(max(ids | taken_ids | {first_id}) + 1)
            conn.execute(
                "INSERT INTO created_files (model_id, file_id, name, owner_id) VALUES (?, ?, ?, ?)",
                (model_id, file_id, name, owner_id),
            )
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return file_id


# ---- per-user file content and its chunks -----------------------------------------------------
def get_content(conn: sqlite3.Connection, model_id: str, file_id: str, user_id: str) -> Row | None:
    return conn.execute(
        "SELECT * FROM file_content WHERE model_id = ? AND file_id = ? AND user_id = ?",
        (model_id, file_id, user_id),
    ).fetchone()


def upsert_content(
    conn: sqlite3.Connection,
    model_id: str,
    file_id: str,
    user_id: str,
    *,
    requested_count: int,
    completed: bool,
    updated_ms: int,
) -> None:
    conn.execute(
        "INSERT INTO file_content"
        " (model_id, file_id, user_id, requested_count, completed, updated_ms)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (model_id, file_id, user_id) DO UPDATE SET"
        " requested_count = excluded.requested_count, completed = excluded.completed,"
        " updated_ms = excluded.updated_ms",
        (model_id, file_id, user_id, requested_count, int(completed), updated_ms),
    )


def touch_content(
    conn: sqlite3.Connection, model_id: str, file_id: str, user_id: str, updated_ms: int
) -> None:
    conn.execute(
        "UPDATE file_content SET updated_ms = ? WHERE model_id = ? AND file_id = ? AND user_id = ?",
        (updated_ms, model_id, file_id, user_id),
    )


def delete_content(
    conn: sqlite3.Connection, model_id: str, file_id: str, user_id: str
) -> list[str]:
    """Remove a user's content rows; returns the blob names to delete once committed."""
    blobs = [
        r["blob"]
        for r in conn.execute(
            "SELECT blob FROM chunks WHERE model_id = ? AND file_id = ? AND user_id = ?",
            (model_id, file_id, user_id),
        )
    ]
    conn.execute(
        "DELETE FROM chunks WHERE model_id = ? AND file_id = ? AND user_id = ?",
        (model_id, file_id, user_id),
    )
    conn.execute(
        "DELETE FROM file_content WHERE model_id = ? AND file_id = ? AND user_id = ?",
        (model_id, file_id, user_id),
    )
    return blobs


def list_chunks(conn: sqlite3.Connection, model_id: str, file_id: str, user_id: str) -> list[Row]:
    return conn.execute(
        "SELECT chunk_no, size, blob FROM chunks WHERE model_id = ? AND file_id = ? AND user_id = ?"
        " ORDER BY chunk_no",
        (model_id, file_id, user_id),
    ).fetchall()


def put_chunk(
    conn: sqlite3.Connection,
    model_id: str,
    file_id: str,
    user_id: str,
    chunk_no: int,
    size: int,
    blob: str,
) -> str | None:
    """Store a chunk row; returns the blob name it replaced, if any."""
    old = conn.execute(
        "SELECT blob FROM chunks"
        " WHERE model_id = ? AND file_id = ? AND user_id = ? AND chunk_no = ?",
        (model_id, file_id, user_id, chunk_no),
    ).fetchone()
    conn.execute(
        "INSERT OR REPLACE INTO chunks (model_id, file_id, user_id, chunk_no, size, blob)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (model_id, file_id, user_id, chunk_no, size, blob),
    )
    return old["blob"] if old else None


def expired_contents(conn: sqlite3.Connection, before_ms: int) -> list[Row]:
    return conn.execute(
        "SELECT model_id, file_id, user_id FROM file_content WHERE updated_ms < ?", (before_ms,)
    ).fetchall()


def all_blob_names(conn: sqlite3.Connection) -> set[str]:
    names = {r["blob"] for r in conn.execute("SELECT blob FROM chunks")}
    names |= {r["blob"] for r in conn.execute("SELECT blob FROM dumps")}
    return names


# ---- tasks ------------------------------------------------------------------------------------
def insert_task(conn: sqlite3.Connection, **fields: Any) -> None:
    cols = ", ".join(fields)
    marks = ", ".join("?" for _ in fields)
    conn.execute(f"INSERT INTO tasks ({cols}) VALUES ({marks})", tuple(fields.values()))


def get_task(conn: sqlite3.Connection, task_id: str) -> Row | None:
    return conn.execute("SELECT * FROM tasks WHERE task_id = ?", (task_id,)).fetchone()


def list_tasks(conn: sqlite3.Connection, model_id: str, kind: str, object_id: str) -> list[Row]:
    return conn.execute(
        "SELECT * FROM tasks WHERE model_id = ? AND kind = ? AND object_id = ? ORDER BY seq",
        (model_id, kind, object_id),
    ).fetchall()


def update_task(conn: sqlite3.Connection, task_id: str, **fields: Any) -> None:
    sets = ", ".join(f"{k} = ?" for k in fields)
    conn.execute(f"UPDATE tasks SET {sets} WHERE task_id = ?", (*fields.values(), task_id))


def tasks_in_states(conn: sqlite3.Connection, states: tuple[str, ...]) -> list[Row]:
    marks = ", ".join("?" for _ in states)
    return conn.execute(
        f"SELECT * FROM tasks WHERE state IN ({marks}) ORDER BY seq", states
    ).fetchall()


# ---- dumps (one per user and object; §4.7.1) --------------------------------------------------
def get_dump(conn: sqlite3.Connection, model_id: str, user_id: str, object_id: str) -> Row | None:
    return conn.execute(
        "SELECT * FROM dumps WHERE model_id = ? AND user_id = ? AND object_id = ?",
        (model_id, user_id, object_id),
    ).fetchone()


def put_dump(
    conn: sqlite3.Connection,
    *,
    model_id: str,
    user_id: str,
    object_id: str,
    task_id: str,
    size: int,
    blob: str,
    accessed_ms: int,
) -> str | None:
    """Store the dump of (user, object), replacing the previous one; returns the replaced blob."""
    old = get_dump(conn, model_id, user_id, object_id)
    conn.execute(
        "INSERT OR REPLACE INTO dumps"
        " (model_id, user_id, object_id, task_id, size, blob, accessed_ms)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (model_id, user_id, object_id, task_id, size, blob, accessed_ms),
    )
    return old["blob"] if old else None


def delete_dump(
    conn: sqlite3.Connection, model_id: str, user_id: str, object_id: str
) -> str | None:
    old = get_dump(conn, model_id, user_id, object_id)
    conn.execute(
        "DELETE FROM dumps WHERE model_id = ? AND user_id = ? AND object_id = ?",
        (model_id, user_id, object_id),
    )
    return old["blob"] if old else None


def touch_dump(
    conn: sqlite3.Connection, model_id: str, user_id: str, object_id: str, now_ms: int
) -> None:
    conn.execute(
        "UPDATE dumps SET accessed_ms = ? WHERE model_id = ? AND user_id = ? AND object_id = ?",
        (now_ms, model_id, user_id, object_id),
    )
