"""Every SQL statement on model data (tables in `model_schema.py`).

Functions take an open connection and never commit: the task worker owns the transaction, so an
import is applied whole or not at all. Lists and modules are addressed by their integer key from
`object_key`. Bulk writes go through ``executemany`` with statements built once per import
(sqlite caches the prepared statement), and reads are cursors, so memory does not grow with the
data.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

DIMENSION_COLUMNS = ("d1", "d2", "d3", "d4")


def _sql_text(value: str) -> str:
    return value.replace("'", "''")


def _json_path(name: str) -> str:
    """A JSON path literal for a key that may hold spaces, dots or quotes."""
    return "'" + _sql_text('$."' + name.replace('"', '\\"') + '"') + "'"


# -- transactions ---------------------------------------------------------------------------


def ensure_transaction(conn: sqlite3.Connection) -> None:
    """Open a transaction if none is open (the task worker normally has opened one)."""
    if not conn.in_transaction:
        conn.execute("BEGIN")


def upsert_items_or_split(
    conn: sqlite3.Connection, sql: str, rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Run a `list_upsert_sql` batch; on a uniqueness clash, redo it row by row.

    Returns:
        Indexes (into ``rows``) of the rows that clashed and were not applied.
    """
    conn.execute("SAVEPOINT list_batch")
    failed: list[int] = []
    try:
        conn.executemany(sql, rows)
    except sqlite3.IntegrityError:
        conn.execute("ROLLBACK TO list_batch")
        for index, row in enumerate(rows):
            try:
                conn.execute(sql, row)
            except sqlite3.IntegrityError:
                failed.append(index)
    conn.execute("RELEASE list_batch")
    return failed


# -- keys and whole models ------------------------------------------------------------------


def find_object_key(conn: sqlite3.Connection, model_id: str, object_id: str) -> int | None:
    """The integer key of a model's list or module, or None if it was never stored (read-only)."""
    row = conn.execute(
        "SELECT key FROM model_objects WHERE model_id = ? AND object_id = ?",
        (model_id, object_id),
    ).fetchone()
    return None if row is None else int(row[0])


def object_key(conn: sqlite3.Connection, model_id: str, object_id: str) -> int:
    """The integer key of a model's list or module, created on first use."""
    key = find_object_key(conn, model_id, object_id)
    if key is not None:
        return key
    cursor = conn.execute(
        "INSERT INTO model_objects (model_id, object_id) VALUES (?, ?)", (model_id, object_id)
    )
    return int(cursor.lastrowid or 0)


def delete_model_data(conn: sqlite3.Connection, model_id: str) -> None:
    """Remove every list item and cell of a model (used before seeding)."""
    keys = "SELECT key FROM model_objects WHERE model_id = ?"
    conn.execute(f"DELETE FROM module_cells WHERE module_key IN ({keys})", (model_id,))
    conn.execute(f"DELETE FROM list_items WHERE list_key IN ({keys})", (model_id,))


# -- task outcomes (written with the task's data) -------------------------------------------


def put_task_outcome(
    conn: sqlite3.Connection,
    task_id: str,
    *,
    current_step: str,
    result_json: str,
    pending_json: str,
) -> None:
    """Record a task's outcome inside the transaction that holds its data."""
    conn.execute(
        "INSERT OR REPLACE INTO task_outcomes (task_id, current_step, result_json, pending_json)"
        " VALUES (?, ?, ?, ?)",
        (task_id, current_step, result_json, pending_json),
    )


def get_task_outcome(conn: sqlite3.Connection, task_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM task_outcomes WHERE task_id = ?", (task_id,)).fetchone()


def task_outcome_ids(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT task_id FROM task_outcomes ORDER BY task_id")]


def delete_task_outcome(conn: sqlite3.Connection, task_id: str) -> None:
    conn.execute("DELETE FROM task_outcomes WHERE task_id = ?", (task_id,))


# -- list items -----------------------------------------------------------------------------


def insert_item(
    conn: sqlite3.Connection,
    list_key: int,
    *,
    name: str,
    code: str | None,
    parent_id: int | None,
    properties: dict[str, str],
) -> int:
    """Insert one item (seeding) and return its id."""
    cursor = conn.execute(
        "INSERT INTO list_items (list_key, name, code, parent_id, properties) "
        "VALUES (?, ?, ?, ?, ?)",
        (list_key, name, code, parent_id, json.dumps(properties)),
    )
    return int(cursor.lastrowid or 0)


def item_by_name_or_code(
    conn: sqlite3.Connection, list_key: int, value: str
) -> tuple[int, str] | None:
    """``(id, name)`` of the item called ``value``, else of the item coded ``value``, or None."""
    row = conn.execute(
        "SELECT id, name FROM list_items WHERE list_key = ? AND name = ?", (list_key, value)
    ).fetchone()
    if row is None:
        row = conn.execute(
            "SELECT id, name FROM list_items WHERE list_key = ? AND code = ?", (list_key, value)
        ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def item_name_by_code(conn: sqlite3.Connection, list_key: int, code: str) -> str | None:
    """Return the name of the item whose code is ``code``, or None."""
    row = conn.execute(
        "SELECT name FROM list_items WHERE list_key = ? AND code = ?", (list_key, code)
    ).fetchone()
    return None if row is None else str(row[0])


def count_items(conn: sqlite3.Connection, list_key: int) -> int:
    """Number of items in a list."""
    row = conn.execute("SELECT count(*) FROM list_items WHERE list_key = ?", (list_key,)).fetchone()
    return int(row[0])


def list_upsert_sql(
    *, property_names: Sequence[str], set_code: bool, set_parent: bool, by_code: bool
) -> str:
    """Build the upsert statement of one list import.

    Parameters per row, in order: list_key, name, code, parent_id, then one value per property.
    An existing item is matched by name, and also by code when ``by_code`` (a code match
    renames the item). Only mapped fields are updated; properties are merged.

    Args:
        property_names: Properties the import sets.
        set_code: The import maps a code column.
        set_parent: The import maps a parent column.
        by_code: Match existing items by code as well as by name.

    Returns:
        SQL for ``executemany``.
    """
    pairs = ", ".join(f"'{_sql_text(p)}', ?" for p in property_names)
    props = f"json_object({pairs})" if property_names else "'{}'"
    updates = []
    if set_code:
        updates.append("code = excluded.code")
    if set_parent:
        updates.append("parent_id = excluded.parent_id")
    if property_names:
        updates.append("properties = json_patch(list_items.properties, excluded.properties)")
    name_update = ", ".join(updates) if updates else "name = excluded.name"
    sql = (
        "INSERT INTO list_items (list_key, name, code, parent_id, properties) "
        f"VALUES (?, ?, ?, ?, {props}) "
    )
    if by_code:
        code_updates = ", ".join(["name = excluded.name", *updates])
        sql += f"ON CONFLICT (list_key, code) DO UPDATE SET {code_updates} "
    sql += f"ON CONFLICT (list_key, name) DO UPDATE SET {name_update}"
    return sql


def iter_list_rows(
    conn: sqlite3.Connection, list_key: int, property_names: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    """Yield ``(name, code, parent_name, *properties)`` for each item, in list order."""
    props = "".join(f", json_extract(i.properties, {_json_path(p)})" for p in property_names)
    return conn.execute(
        f"SELECT i.name, i.code, p.name{props} FROM list_items i "
        "LEFT JOIN list_items p ON p.id = i.parent_id "
        "WHERE i.list_key = ? ORDER BY i.id",
        (list_key,),
    )


def item_property(
    conn: sqlite3.Connection, list_key: int, name: str, property_name: str
) -> str | None:
    """One property value of one item (None when unset or no such item)."""
    row = conn.execute(
        f"SELECT json_extract(properties, {_json_path(property_name)}) FROM list_items "
        "WHERE list_key = ? AND name = ?",
        (list_key, name),
    ).fetchone()
    return None if row is None else row[0]


def delete_items_where(conn: sqlite3.Connection, list_key: int, *, field: str, equals: str) -> int:
    """Delete the items whose ``field`` (``name``, ``code`` or a property) equals ``equals``.

    Their cells in every module go too, and children in other lists lose their parent.

    Returns:
        The number of items deleted.
    """
    if field in ("name", "code"):
        condition = f"{field} = ?"
    else:
        condition = f"json_extract(properties, {_json_path(field)}) = ?"
    selection = f"SELECT id FROM list_items WHERE list_key = ? AND {condition}"
    params = (list_key, equals)
    for column in DIMENSION_COLUMNS:
        conn.execute(f"DELETE FROM module_cells WHERE {column} IN ({selection})", params)
    conn.execute(f"UPDATE list_items SET parent_id = NULL WHERE parent_id IN ({selection})", params)
    cursor = conn.execute(f"DELETE FROM list_items WHERE id IN ({selection})", params)
    return int(cursor.rowcount)


# -- module cells ---------------------------------------------------------------------------


def cell_upsert_sql(line_item_ids: Sequence[str]) -> str:
    """Build the cell upsert of one module import.

    Parameters per row: module_key, d1, d2, d3, d4, then one value per line item (None clears
    the cell). Values merge into the combination's JSON object.
    """
    pairs = ", ".join(f"'{_sql_text(li)}', ?" for li in line_item_ids)
    # Nulls stay in the inserted object (harmless: read back as blank) so that on update
    # json_patch sees them and removes the cleared keys.
    data = f"json_object({pairs})" if line_item_ids else "'{}'"
    return (
        "INSERT INTO module_cells (module_key, d1, d2, d3, d4, data) "
        f"VALUES (?, ?, ?, ?, ?, {data}) "
        "ON CONFLICT (module_key, d1, d2, d3, d4) "
        "DO UPDATE SET data = json_patch(module_cells.data, excluded.data)"
    )


def upsert_cells(conn: sqlite3.Connection, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """Run a `cell_upsert_sql` statement over a batch of rows."""
    conn.executemany(sql, rows)


def count_cells(conn: sqlite3.Connection, module_key: int) -> int:
    """Number of stored dimension combinations of a module."""
    row = conn.execute(
        "SELECT count(*) FROM module_cells WHERE module_key = ?", (module_key,)
    ).fetchone()
    return int(row[0])


def iter_module_rows(
    conn: sqlite3.Connection,
    module_key: int,
    *,
    dimensions: int,
    line_item_ids: Sequence[str],
) -> Iterator[tuple[Any, ...]]:
    """Yield ``(*item_names, *values)`` per stored combination, in list order.

    Values come back as SQLite JSON scalars: float/int for numbers, str for text and dates,
    None when blank.
    """
    joins = "".join(f" JOIN list_items i{n} ON i{n}.id = c.d{n}" for n in range(1, dimensions + 1))
    names = ", ".join(f"i{n}.name" for n in range(1, dimensions + 1))
    values = "".join(f", json_extract(c.data, {_json_path(li)})" for li in line_item_ids)
    return conn.execute(
        f"SELECT {names}{values} FROM module_cells c{joins} "
        "WHERE c.module_key = ? ORDER BY c.d1, c.d2, c.d3, c.d4",
        (module_key,),
    )
