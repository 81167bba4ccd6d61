"""DDL for model data: list items and module cells.

`storage/db.py` executes `MODEL_SCHEMA` (with ``executescript``) when it creates the database;
every statement is idempotent. All model-data SQL lives in `model_queries.py`.

Design (chosen for import throughput and bounded memory):

* ``model_objects``: a small integer key per (model, list or module), so the big tables and
  their indexes carry one integer instead of two ID strings (measured ~40% faster upserts).
* ``list_items``: one row per item. ``id`` is a database-wide integer (insertion order = list
  order). Names are unique per list and codes are unique per list when present (NULL codes are
  allowed many times), which lets an import upsert by name or by code with plain ``ON CONFLICT``.
  ``parent_id`` points at an item of the list's parent list. Properties are one JSON object
  (property name -> text) so a row is one statement, merged with ``json_patch``.
* ``module_cells``: one row per dimension-item combination (up to four dimensions, unused ones
  0), holding every input line item's value in one JSON object keyed by line-item ID. Calculated
  line items are never stored; exports compute them. The primary key order is the export order.
* ``task_outcomes``: a finished task's reported outcome, written in the same transaction as the
  task's data (engine/outcomes.py). The platform database records the outcome a moment later;
  a row still here at start-up means the emulator died in between, and recovery copies it over.
"""

from __future__ import annotations

MODEL_SCHEMA = """
CREATE TABLE IF NOT EXISTS model_objects (
    key         INTEGER PRIMARY KEY,
    model_id    TEXT    NOT NULL,
    object_id   TEXT    NOT NULL,
    UNIQUE (model_id, object_id)
);

CREATE TABLE IF NOT EXISTS list_items (
    id          INTEGER PRIMARY KEY,
    list_key    INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    code        TEXT,
    parent_id   INTEGER,
    properties  TEXT    NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX IF NOT EXISTS list_items_by_name ON list_items (list_key, name);
CREATE UNIQUE INDEX IF NOT EXISTS list_items_by_code ON list_items (list_key, code);

CREATE TABLE IF NOT EXISTS module_cells (
    module_key  INTEGER NOT NULL,
    d1          INTEGER NOT NULL,
    d2          INTEGER NOT NULL DEFAULT 0,
    d3          INTEGER NOT NULL DEFAULT 0,
    d4          INTEGER NOT NULL DEFAULT 0,
    data        TEXT    NOT NULL DEFAULT '{}',
    PRIMARY KEY (module_key, d1, d2, d3, d4)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS task_outcomes (
    task_id       TEXT PRIMARY KEY,
    current_step  TEXT NOT NULL,
    result_json   TEXT NOT NULL,
    pending_json  TEXT NOT NULL
);
"""
