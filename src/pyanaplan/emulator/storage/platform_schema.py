"""DDL for the platform database: tokens, devices, certificates, files, chunks, tasks, dumps.

`db.Database` executes `PLATFORM_SCHEMA` (with ``executescript``) when it opens the file; every
statement is idempotent. All platform SQL lives in `platform_store.py`.
"""

from __future__ import annotations

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
