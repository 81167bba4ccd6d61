"""One list's items and one module's cells in a model database (tables in `model_schema.py`).

`ModelReader.list_items` and `ModelReader.module_cells` hand these out; a `ModelWriter` (inside a
transaction) hands out the writing kinds. Lists and modules are addressed by the integer key of
their spec ID (``model_objects``), looked up once per handle; a list or module that was never
stored reads as empty and gets its key on its first write. Bulk writes go through
``executemany`` with a statement built once per import (sqlite caches the prepared statement),
and reads are cursors, so memory does not grow with the data.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

DIMENSION_COLUMNS = ("d1", "d2", "d3", "d4")
MAX_DIMENSIONS = len(DIMENSION_COLUMNS)
CellValue = float | int | str | None
"""A stored cell value as SQLite's JSON functions return it: a number, text (also dates), or
None for blank."""


ItemRef = tuple[int, str]
"""A list item's ``(database id, name)``. A plain tuple, not a NamedTuple: an import makes one
per distinct item it looks up, and NamedTuples (tuple subclasses the garbage collector keeps
tracking) measured 7 % slower module imports."""


ListRow = tuple[str, str | None, str | None, tuple[str | None, ...]]
"""One list item as exports show it: ``(name, code, parent name, property values)``."""
CellRow = tuple[tuple[str, ...], tuple[CellValue, ...]]
"""One stored combination of a module: ``(item name per dimension, value per line item)``.

Rows are plain tuples: an export reads one per combination, and a NamedTuple per row measured
5 % slower exports."""


def _sql_text(value: str) -> str:
    return value.replace("'", "''")


def _json_path(name: str) -> str:
    """A JSON path literal for a key that may hold spaces, dots or quotes."""
    return "'" + _sql_text('$."' + name.replace('"', '\\"') + '"') + "'"


def _tuple_cursor(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor whose rows are plain tuples (bulk reads: cheaper than `sqlite3.Row`)."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor


def _object_key(conn: sqlite3.Connection, model_id: str, object_id: str) -> int | None:
    """The integer key of a model's list or module, or None if it was never stored."""
    row = conn.execute(
        "SELECT key FROM model_objects WHERE model_id = ? AND object_id = ?",
        (model_id, object_id),
    ).fetchone()
    return None if row is None else int(row[0])


class _Table:
    """A list or module of one model, on one connection."""

    def __init__(self, conn: sqlite3.Connection, model_id: str, object_id: str) -> None:
        self._conn = conn
        self._model_id = model_id
        self._object_id = object_id
        self._key = _object_key(conn, model_id, object_id)

    def _count(self, table: str, key_column: str) -> int:
        if self._key is None:
            return 0
        row = self._conn.execute(
            f"SELECT count(*) FROM {table} WHERE {key_column} = ?", (self._key,)
        ).fetchone()
        return int(row[0])

    def _write_key(self) -> int:
        """The key, created on first use (only writers call this, inside their transaction)."""
        if self._key is None:
            cursor = self._conn.execute(
                "INSERT INTO model_objects (model_id, object_id) VALUES (?, ?)",
                (self._model_id, self._object_id),
            )
            self._key = int(cursor.lastrowid or 0)
        return self._key


# ---- lists --------------------------------------------------------------------------------------


class ListItems(_Table):
    """Reads one list's items."""

    def count(self) -> int:
        """Number of items in the list."""
        return self._count("list_items", "list_key")

    def find(self, value: str) -> ItemRef | None:
        """The item called ``value``, else the item coded ``value``, or None."""
        if self._key is None:
            return None
        row = self._conn.execute(
            "SELECT id, name FROM list_items WHERE list_key = ? AND name = ?", (self._key, value)
        ).fetchone()
        if row is None:
            row = self._conn.execute(
                "SELECT id, name FROM list_items WHERE list_key = ? AND code = ?",
                (self._key, value),
            ).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def name_by_code(self, code: str) -> str | None:
        """The name of the item whose code is ``code``, or None."""
        if self._key is None:
            return None
        row = self._conn.execute(
            "SELECT name FROM list_items WHERE list_key = ? AND code = ?", (self._key, code)
        ).fetchone()
        return None if row is None else str(row[0])

    def item_property(self, name: str, property_name: str) -> str | None:
        """One property value of one item (None when unset or no such item)."""
        if self._key is None:
            return None
        row = self._conn.execute(
            f"SELECT json_extract(properties, {_json_path(property_name)}) FROM list_items "
            "WHERE list_key = ? AND name = ?",
            (self._key, name),
        ).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def rows(self, property_names: Sequence[str]) -> Iterator[ListRow]:
        """Every item with its parent's name and the given properties, in list order."""
        if self._key is None:
            return
        props = "".join(f", json_extract(i.properties, {_json_path(p)})" for p in property_names)
        cursor = _tuple_cursor(self._conn)
        cursor.execute(
            f"SELECT i.name, i.code, p.name{props} FROM list_items i "
            "LEFT JOIN list_items p ON p.id = i.parent_id "
            "WHERE i.list_key = ? ORDER BY i.id",
            (self._key,),
        )
        for row in cursor:
            yield row[0], row[1], row[2], row[3:]


class ListItemsWriter(ListItems):
    """Reads and writes one list's items (inside a `ModelWriter`'s transaction)."""

    def insert(
        self, *, name: str, code: str | None, parent_id: int | None, properties: dict[str, str]
    ) -> int:
        """Insert one item (seeding) and return its id."""
        cursor = self._conn.execute(
            "INSERT INTO list_items (list_key, name, code, parent_id, properties) "
            "VALUES (?, ?, ?, ?, ?)",
            (self._write_key(), name, code, parent_id, json.dumps(properties)),
        )
        return int(cursor.lastrowid or 0)

    def upserter(
        self, *, property_names: Sequence[str], set_code: bool, set_parent: bool, by_code: bool
    ) -> ListUpsert:
        """A batch upsert for one list import.

        An existing item is matched by name, and also by code when ``by_code`` (a code match
        renames the item). Only mapped fields are updated; properties are merged.

        Args:
            property_names: Properties the import sets.
            set_code: The import maps a code column.
            set_parent: The import maps a parent column.
            by_code: Match existing items by code as well as by name.

        Returns:
            The upsert; its rows are ``(name, code, parent_id, *property values)``.
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
        # The key is our own integer, so it is written into the statement: rows stay one
        # value shorter in the hot loop.
        sql = (
            "INSERT INTO list_items (list_key, name, code, parent_id, properties) "
            f"VALUES ({self._write_key()}, ?, ?, ?, {props}) "
        )
        if by_code:
            code_updates = ", ".join(["name = excluded.name", *updates])
            sql += f"ON CONFLICT (list_key, code) DO UPDATE SET {code_updates} "
        sql += f"ON CONFLICT (list_key, name) DO UPDATE SET {name_update}"
        return ListUpsert(self._conn, sql)

    def delete_where(self, *, field: str, equals: str) -> int:
        """Delete the items whose ``field`` (``name``, ``code`` or a property) equals ``equals``.

        Their cells in every module go too, and children in other lists lose their parent.

        Returns:
            The number of items deleted.
        """
        if self._key is None:
            return 0
        if field in ("name", "code"):
            condition = f"{field} = ?"
        else:
            condition = f"json_extract(properties, {_json_path(field)}) = ?"
        selection = f"SELECT id FROM list_items WHERE list_key = ? AND {condition}"
        params = (self._key, equals)
        for column in DIMENSION_COLUMNS:
            self._conn.execute(f"DELETE FROM module_cells WHERE {column} IN ({selection})", params)
        self._conn.execute(
            f"UPDATE list_items SET parent_id = NULL WHERE parent_id IN ({selection})", params
        )
        cursor = self._conn.execute(f"DELETE FROM list_items WHERE id IN ({selection})", params)
        return int(cursor.rowcount)


class ListUpsert:
    """A prepared list upsert (`ListItemsWriter.upserter`)."""

    def __init__(self, conn: sqlite3.Connection, sql: str) -> None:
        self._conn = conn
        self._sql = sql

    def write(self, rows: Sequence[Sequence[Any]]) -> list[int]:
        """Upsert a batch; on a uniqueness clash, redo it row by row.

        Returns:
            Indexes (into ``rows``) of the rows that clashed and were not applied.
        """
        conn = self._conn
        conn.execute("SAVEPOINT list_batch")
        failed: list[int] = []
        try:
            conn.executemany(self._sql, rows)
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK TO list_batch")
            for index, row in enumerate(rows):
                try:
                    conn.execute(self._sql, row)
                except sqlite3.IntegrityError:
                    failed.append(index)
        conn.execute("RELEASE list_batch")
        return failed


# ---- modules ------------------------------------------------------------------------------------


class ModuleCells(_Table):
    """Reads one module's cells."""

    def count(self) -> int:
        """Number of stored dimension combinations."""
        return self._count("module_cells", "module_key")

    def rows(self, *, dimensions: int, line_item_ids: Sequence[str]) -> Iterator[CellRow]:
        """Every stored combination with its item names and the given line items' values.

        In list order of the dimensions. Values come back as SQLite JSON scalars: float/int for
        numbers, str for text and dates, None when blank.
        """
        if self._key is None:
            return
        n = range(1, dimensions + 1)
        joins = "".join(f" JOIN list_items i{d} ON i{d}.id = c.d{d}" for d in n)
        names = ", ".join(f"i{d}.name" for d in n)
        values = "".join(f", json_extract(c.data, {_json_path(li)})" for li in line_item_ids)
        cursor = _tuple_cursor(self._conn)
        cursor.execute(
            f"SELECT {names}{values} FROM module_cells c{joins} "
            "WHERE c.module_key = ? ORDER BY c.d1, c.d2, c.d3, c.d4",
            (self._key,),
        )
        for row in cursor:
            yield row[:dimensions], row[dimensions:]


class ModuleCellsWriter(ModuleCells):
    """Reads and writes one module's cells (inside a `ModelWriter`'s transaction)."""

    def writer(self, line_item_ids: Sequence[str]) -> CellUpsert:
        """A batch cell upsert for the given input line items.

        Rows are ``(d1, d2, d3, d4, *values)``: item ids (0 for unused dimensions), then one
        value per line item (None clears the cell). Values merge into the combination's cells.
        """
        pairs = ", ".join(f"'{_sql_text(li)}', ?" for li in line_item_ids)
        # Nulls stay in the inserted object (harmless: read back as blank) so that on update
        # json_patch sees them and removes the cleared keys.
        data = f"json_object({pairs})" if line_item_ids else "'{}'"
        return CellUpsert(
            self._conn,
            "INSERT INTO module_cells (module_key, d1, d2, d3, d4, data) "
            f"VALUES ({self._write_key()}, ?, ?, ?, ?, {data}) "
            "ON CONFLICT (module_key, d1, d2, d3, d4) "
            "DO UPDATE SET data = json_patch(module_cells.data, excluded.data)",
        )


class CellUpsert:
    """A prepared cell upsert (`ModuleCellsWriter.writer`)."""

    def __init__(self, conn: sqlite3.Connection, sql: str) -> None:
        self._conn = conn
        self._sql = sql

    def write(self, rows: Iterable[Sequence[Any]]) -> None:
        """Upsert a batch of rows."""
        self._conn.executemany(self._sql, rows)
