"""Imports: stream a data source into a list or a module (api-notes §4.6.4, §4.7.1, §9.39).

Rows are read with `csvio.CsvReader` and written in ``executemany`` batches, so memory does not
grow with the file; item lookups go through a bounded cache. Every ``CHECK_EVERY_ROWS`` rows the
import checks for cancellation (raising `TaskCancelled`; the caller rolls back) and reports
progress from the share of bytes read.

List imports (``HIERARCHY_DATA``) create or update items by name; when a code column is mapped,
an existing item with that code is updated (and renamed) as well. A parent must name (or code) an
item of the list's parent list, else the row fails with "Invalid parent"; an empty parent makes the
item top-level. Properties are merged. A row with neither name nor code is *ignored*.

Module imports (``MODULE_DATA``) find each dimension's item by name or code, parse each mapped
line item by its format (number, ``YYYY-MM-DD`` date, boolean, list item, text) and merge the
values into the combination's cells; an empty value clears the cell. A dimension that no column
maps comes from the task's mapping parameters (``{"entityType": "Regions", "entityName": "East"}``);
without one the import fails outright. An entirely empty row is ignored.

Results: ``successful`` is false when any row failed (true instead when the spec's
``settings.rejected_rows_successful`` says so: the real service's answer is not documented, so
clients are tested against both); ``failureDumpAvailable`` is true and failed rows go to the dump
(``"_Status_",<source columns>,"_Line_","_Error_1_"``, every field quoted, status ``E``), written
through ``ctx.write_dump`` under the import's ID. Details: one ``hierarchyRowsProcessed`` entry for
lists (keys and message as in Anaplan's example) or a ``moduleRowsProcessed`` entry (our name;
no catalogue of detail types exists, api-notes §11) with the same count keys and ``moduleName``.
An import whose file has no content, or whose header lacks a mapped column, fails outright
(``current_step`` "Failed.", nothing applied, no dump).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterator
from datetime import date
from operator import itemgetter
from typing import IO, Any

from pyanaplan.emulator.csvio import CsvFormat, CsvReader, printable
from pyanaplan.emulator.engine.run_context import (
    CHECK_EVERY_ROWS,
    PROCESSING_STEP,
    ActionOutcome,
    MappingParameters,
    RunContext,
    detail,
    failed_outcome,
)
from pyanaplan.emulator.spec import FileSpec, ImportSpec, ListSpec, ModuleSpec
from pyanaplan.emulator.storage.model_tables import MAX_DIMENSIONS, ItemRef, ListItems

BATCH_ROWS = 5_000
_LOOKUP_CACHE_LIMIT = 50_000  # entries; bounds memory whatever the list size
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NUMBER_MATCH = _NUMBER.fullmatch
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = frozenset({"true", "yes", "1", "y", "t"})
_FALSE = frozenset({"false", "no", "0", "n", "f"})
_DUMP_READ_SIZE = 1 << 20


class _ImportFailed(Exception):
    """The import cannot run at all (no content, missing column, missing mapping)."""


def run_import(
    ctx: RunContext, imp: ImportSpec, *, mapping: MappingParameters | None = None
) -> ActionOutcome:
    """Run one import against the task user's content of its source file.

    Args:
        ctx: The task's context.
        imp: The import to run.
        mapping: Mapping parameters (``[{entityType, entityName}]``) for module imports.

    Returns:
        The outcome with counts in ``details``.

    Raises:
        TaskCancelled: When the task is cancelled mid-import.
    """
    source = ctx.model.file(imp.source)
    stream = ctx.open_source(imp.source) if source is not None else None
    if source is None or stream is None:
        name = source.name if source is not None else imp.source
        return failed_outcome(
            imp.id, imp.name, f"File {name} ({imp.source}) has no content: upload it first"
        )
    dump = _Dump(imp.id)
    try:
        reader = CsvReader(stream, CsvFormat.of(source))
        header = reader.header()
        if source.header_row and header is None:
            raise _ImportFailed(
                f"{source.name} has no header row (expected on line {source.header_row})"
            )
        dump.header = header
        if imp.target_list is not None:
            lst = ctx.model.list_named(imp.target_list)
            assert lst is not None  # validated at load time
            counts = _ListImport(ctx, imp, lst, source, header, dump).run(reader)
            outcome_detail = _hierarchy_detail(lst.name, counts)
        else:
            module = ctx.model.module_named(imp.target_module or "")
            assert module is not None  # validated at load time
            counts = _ModuleImport(ctx, imp, module, source, header, dump, mapping).run(reader)
            outcome_detail = _module_detail(module.name, counts)
        ctx.progress(1.0, PROCESSING_STEP)
        if counts.failed:
            ctx.write_dump(imp.id, dump.chunks())
        return ActionOutcome(
            object_id=imp.id,
            object_name=imp.name,
            successful=counts.failed == 0 or ctx.rejected_rows_successful,
            failure_dump_available=counts.failed > 0,
            details=[outcome_detail],
        )
    except _ImportFailed as exc:
        return failed_outcome(imp.id, imp.name, str(exc))
    finally:
        dump.close()
        stream.close()


# -- counting and details ---------------------------------------------------------------------


class _Counts:
    __slots__ = ("created", "failed", "ignored", "successful", "total", "updated")

    def __init__(self) -> None:
        self.total = self.successful = self.failed = self.ignored = 0
        self.created = self.updated = 0


def _count_values(counts: _Counts) -> list[str]:
    return [
        "successRowCount", str(counts.successful),
        "successCreateCount", str(counts.created),
        "successUpdateCount", str(counts.updated),
        "warningsRowCount", "0",
        "warningsCreateCount", "0",
        "warningsUpdateCount", "0",
        "failedCount", str(counts.failed),
        "ignoredCount", str(counts.ignored),
        "totalRowCount", str(counts.total),
        "totalCreateCount", str(counts.created),
        "totalUpdateCount", str(counts.updated),
        "invalidCount", str(counts.failed),
        "updatedCount", str(counts.updated),
        "renamedCount", str(counts.updated),
        "createdCount", str(counts.created),
    ]  # fmt: skip


def _message(name: str, counts: _Counts) -> str:
    # api-notes §4.6.4 example: "Employees: 90 (0/90) rows successful, 5
    # ignored " (created/updated).
    text = f"{name}: {counts.successful} ({counts.created}/{counts.updated}) rows successful, "
    if counts.failed:
        text += f"{counts.failed} failed, "
    return text + f"{counts.ignored} ignored "


def _hierarchy_detail(list_name: str, counts: _Counts) -> dict[str, Any]:
    values = ["hierarchyName", list_name, *_count_values(counts)]
    return detail(_message(list_name, counts), "hierarchyRowsProcessed", values)


def _module_detail(module_name: str, counts: _Counts) -> dict[str, Any]:
    values = ["moduleName", module_name, *_count_values(counts)]
    return detail(_message(module_name, counts), "moduleRowsProcessed", values)


# -- failure dump -----------------------------------------------------------------------------


class _Dump:
    """Failed rows, spooled to a temporary file (not memory) until the import ends."""

    def __init__(self, import_id: str) -> None:
        self.import_id = import_id
        self.header: list[str] | None = None
        self._file: IO[bytes] | None = None
        self._text: io.TextIOWrapper | None = None
        self._writer: Any = None

    def add(self, line: int, fields: list[str], error: str) -> None:
        if self._writer is None:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 - lives until close()
            self._text = io.TextIOWrapper(self._file, encoding="utf-8", newline="")
            self._writer = csv.writer(self._text, quoting=csv.QUOTE_ALL, lineterminator="\n")
            columns = self.header or [f"Column {i}" for i in range(1, len(fields) + 1)]
            self._writer.writerow(["_Status_", *map(printable, columns), "_Line_", "_Error_1_"])
        self._writer.writerow(["E", *map(printable, fields), str(line), error])

    def chunks(self) -> Iterator[bytes]:
        if self._text is None or self._file is None:
            return
        self._text.flush()
        self._file.seek(0)
        while block := self._file.read(_DUMP_READ_SIZE):
            yield block

    def close(self) -> None:
        if self._text is not None:
            self._text.close()
        elif self._file is not None:
            self._file.close()


# -- lookups ----------------------------------------------------------------------------------


class _ItemLookup:
    """Item name-or-code -> `ItemRef` ``(id, name)`` of one list; a bounded cache, misses too."""

    def __init__(self, items: ListItems) -> None:
        self._items = items
        self._cache: dict[str, ItemRef | None] = {}

    def resolve(self, value: str) -> ItemRef | None:
        try:
            return self._cache[value]
        except KeyError:
            pass
        found = self._items.find(value)
        if len(self._cache) >= _LOOKUP_CACHE_LIMIT:
            self._cache.clear()
        self._cache[value] = found
        return found

    def get(self, value: str) -> int | None:
        found = self.resolve(value)
        return None if found is None else found[0]


def _column_index(header: list[str] | None, column: str, source: FileSpec) -> int:
    if header is not None:
        stripped = [h.strip() for h in header]
        if column in stripped:
            return stripped.index(column)
        raise _ImportFailed(f"Column {column!r} not found in the header of {source.name}")
    # Without a header row, "Column 3" (or "3") addresses the third column.
    match = re.fullmatch(r"(?:Column )?(\d+)", column)
    if match and int(match.group(1)) >= 1:
        return int(match.group(1)) - 1
    raise _ImportFailed(f"{source.name} has no header row: map columns as 'Column N'")


def _tick(ctx: RunContext, reader: CsvReader) -> None:
    ctx.check_cancelled()
    fraction = reader.fraction()
    if fraction is not None:  # unknown size: no progress rather than a misleading 0
        ctx.progress(min(fraction, 0.99), PROCESSING_STEP)


# -- list imports -----------------------------------------------------------------------------


class _ListImport:
    def __init__(
        self,
        ctx: RunContext,
        imp: ImportSpec,
        lst: ListSpec,
        source: FileSpec,
        header: list[str] | None,
        dump: _Dump,
    ) -> None:
        self.ctx = ctx
        self.lst = lst
        self.dump = dump
        self.counts = _Counts()
        by_target = {target: column for column, target in imp.mapping.items()}
        self.name_index = self._index(header, by_target.get("name"), source)
        self.code_index = self._index(header, by_target.get("code"), source)
        self.parent_index = self._index(header, by_target.get("parent"), source)
        self.properties = [p for p in lst.properties if p in by_target]
        self.property_indexes = [
            _column_index(header, by_target[p], source) for p in self.properties
        ]
        self.items = ctx.data.list_items(lst.id)
        self.upsert = self.items.upserter(
            property_names=self.properties,
            set_code=self.code_index is not None,
            set_parent=self.parent_index is not None,
            by_code=self.code_index is not None,
        )
        parent_list = ctx.model.list_named(lst.parent_list) if lst.parent_list else None
        self.parents = (
            _ItemLookup(ctx.data.list_items(parent_list.id)) if parent_list is not None else None
        )

    @staticmethod
    def _index(header: list[str] | None, column: str | None, source: FileSpec) -> int | None:
        return None if column is None else _column_index(header, column, source)

    def run(self, reader: CsvReader) -> _Counts:
        items = self.items
        counts = self.counts
        before = items.count()
        batch: list[tuple[Any, ...]] = []
        sources: list[tuple[int, list[str]]] = []
        # Hot loop: one C-level getter pulls every mapped column; names are looked up by
        # position in its result. Counters are locals, written back at the end.
        columns = [self.name_index, self.code_index, self.parent_index, *self.property_indexes]
        used = [c for c in columns if c is not None]
        width = max(used) + 1
        pad = [""] * width
        getter = itemgetter(*used) if len(used) > 1 else (lambda f, _i=used[0]: (f[_i],))
        position = {c: n for n, c in enumerate(used)}
        ni = position.get(self.name_index) if self.name_index is not None else None
        ci = position.get(self.code_index) if self.code_index is not None else None
        pi = position.get(self.parent_index) if self.parent_index is not None else None
        first_prop = len(used) - len(self.property_indexes)
        parents = self.parents if pi is not None else None
        strip = str.strip
        total = ignored = successful = 0
        next_tick = CHECK_EVERY_ROWS
        for line, fields, error in reader.records():
            total += 1
            if total == next_tick:
                next_tick += CHECK_EVERY_ROWS
                _tick(self.ctx, reader)
            if error is not None:
                self._fail(line, fields, error)
                continue
            values = tuple(
                map(strip, getter(fields if len(fields) >= width else fields + pad[len(fields) :]))
            )
            name = values[ni] if ni is not None else ""
            code = values[ci] if ci is not None else ""
            if not name:
                if not code:
                    ignored += 1
                    continue
                existing = items.name_by_code(code)
                if existing is None:
                    self._fail(line, fields, f"No item with code {code} and no name to create one")
                    continue
                name = existing
            parent_id = None
            if parents is not None and pi is not None and values[pi]:
                parent_id = parents.get(values[pi])
                if parent_id is None:
                    self._fail(line, fields, "Invalid parent")
                    continue
            batch.append((name, code or None, parent_id, *values[first_prop:]))
            sources.append((line, fields))
            successful += 1
            if len(batch) >= BATCH_ROWS:
                successful -= self._flush(batch, sources)
        successful -= self._flush(batch, sources)
        counts.total, counts.ignored, counts.successful = total, ignored, successful
        counts.created = items.count() - before
        counts.updated = counts.successful - counts.created
        return counts

    def _fail(self, line: int, fields: list[str], error: str) -> None:
        self.counts.failed += 1
        self.dump.add(line, fields, error)

    def _flush(self, batch: list[tuple[Any, ...]], sources: list[tuple[int, list[str]]]) -> int:
        """Write a batch; returns how many of its rows failed (name/code clashes)."""
        failed = 0
        if not batch:
            return failed
        # A name/code clash fails only the rows involved (the batch is redone row by row).
        for index in self.upsert.write(batch):
            failed += 1
            line, fields = sources[index]
            self._fail(line, fields, "Name or code already used by another item")
        batch.clear()
        sources.clear()
        return failed


# -- module imports ---------------------------------------------------------------------------


def parse_value(raw: str, fmt: str) -> tuple[Any, str | None]:
    """Parse one cell value by line-item format.

    Args:
        raw: The text from the file.
        fmt: ``number``, ``text``, ``boolean``, ``date`` or ``list``.

    Returns:
        ``(value, None)`` on success (None value = blank), or ``(None, error)``.
    """
    if fmt == "text" or fmt == "list":
        return (raw if raw != "" else None), None
    value = raw.strip()
    if value == "":
        return None, None
    if fmt == "number":
        if _NUMBER.fullmatch(value):
            return float(value), None
        return None, f"Invalid number: {value!r}"
    if fmt == "boolean":
        lowered = value.lower()
        if lowered in _TRUE:
            return 1, None
        if lowered in _FALSE:
            return 0, None
        return None, f"Invalid boolean: {value!r}"
    if fmt == "date":
        if _DATE.fullmatch(value):
            try:
                return date.fromisoformat(value).isoformat(), None
            except ValueError:
                pass
        return None, f"Invalid date: {value!r} (expected YYYY-MM-DD)"
    return None, f"Unsupported format {fmt}"


class _ModuleImport:
    def __init__(
        self,
        ctx: RunContext,
        imp: ImportSpec,
        module: ModuleSpec,
        source: FileSpec,
        header: list[str] | None,
        dump: _Dump,
        mapping: MappingParameters | None,
    ) -> None:
        self.ctx = ctx
        self.module = module
        self.dump = dump
        self.counts = _Counts()
        by_target = {target: column for column, target in imp.mapping.items()}
        # Per dimension: (column index or None, lookup, fixed id or None, list name).
        self.dimensions: list[tuple[int | None, _ItemLookup, int | None, str]] = []
        for dim in module.dimensions:
            lst = ctx.model.dimension(dim)
            assert lst is not None  # validated at load time
            lookup = _ItemLookup(ctx.data.list_items(lst.id))
            column = by_target.get(dim)
            if column is not None:
                self.dimensions.append((_column_index(header, column, source), lookup, None, dim))
                continue
            fixed = _mapping_item(mapping, dim)
            if fixed is None:
                raise _ImportFailed(f"No column or mapping parameter for dimension {dim}")
            fixed_id = lookup.get(fixed)
            if fixed_id is None:
                raise _ImportFailed(f"Mapping parameter: item {fixed!r} not found in {dim}")
            self.dimensions.append((None, lookup, fixed_id, dim))
        # Per mapped input line item: (column index, format, lookup for list-formatted items).
        self.line_items: list[tuple[int, str, str, _ItemLookup | None]] = []
        for li in module.line_items:
            column = by_target.get(li.name)
            if column is None or li.formula is not None:
                continue
            items: _ItemLookup | None = None
            if li.format == "list":
                li_list = ctx.model.list_named(li.list or "")
                assert li_list is not None  # validated at load time
                items = _ItemLookup(ctx.data.list_items(li_list.id))
            self.line_items.append(
                (_column_index(header, column, source), li.format, li.name, items)
            )
        ids = [li.id for li in module.line_items if li.formula is None and li.name in by_target]
        self.cells = ctx.data.module_cells(module.id)
        self.upsert = self.cells.writer(ids)
        self.padding = (0,) * (MAX_DIMENSIONS - len(module.dimensions))
        used = [d[0] for d in self.dimensions if d[0] is not None]
        used += [li[0] for li in self.line_items]
        self.width = max(used, default=-1) + 1

    def run(self, reader: CsvReader) -> _Counts:
        counts = self.counts
        before = self.cells.count()
        batch: list[tuple[Any, ...]] = []
        for line, fields, error in reader.records():
            counts.total += 1
            if counts.total % CHECK_EVERY_ROWS == 0:
                _tick(self.ctx, reader)
            if error is not None:
                self._fail(line, fields, error)
                continue
            row = self._row(line, fields)
            if row is None:
                continue
            batch.append(row)
            counts.successful += 1
            if len(batch) >= BATCH_ROWS:
                self.upsert.write(batch)
                batch.clear()
        if batch:
            self.upsert.write(batch)
        counts.created = self.cells.count() - before
        counts.updated = counts.successful - counts.created
        return counts

    def _row(self, line: int, fields: list[str]) -> tuple[Any, ...] | None:
        # Hot path: numbers and text are parsed inline; other formats go through parse_value.
        if not "".join(fields).strip():
            self.counts.ignored += 1
            return None
        source = fields  # the dump shows the row as read, without padding
        if len(fields) < self.width:
            fields = fields + [""] * (self.width - len(fields))
        row: list[Any] = []
        for index, lookup, fixed_id, dim in self.dimensions:
            if index is None:
                row.append(fixed_id)
                continue
            value = fields[index].strip()
            item_id = lookup.get(value) if value else None
            if item_id is None:
                self._fail(line, source, f"Item not located in {dim} list: {value}")
                return None
            row.append(item_id)
        row += self.padding
        for index, fmt, name, items in self.line_items:
            raw = fields[index]
            if fmt == "number":
                text = raw.strip()
                if not text:
                    row.append(None)
                    continue
                if _NUMBER_MATCH(text):
                    row.append(float(text))
                    continue
            elif fmt == "text":
                row.append(raw if raw != "" else None)
                continue
            value, error = parse_value(raw, fmt)
            if error is None and items is not None and value is not None:
                found = items.resolve(value.strip())
                if found is None:
                    error = f"Item not located in list: {value.strip()}"
                else:
                    value = found[1]  # stored by name, even when the file gave the code
            if error is not None:
                self._fail(line, source, f"{name}: {error}")
                return None
            row.append(value)
        return tuple(row)

    def _fail(self, line: int, fields: list[str], error: str) -> None:
        self.counts.failed += 1
        self.dump.add(line, fields, error)


def _mapping_item(mapping: MappingParameters | None, dimension: str) -> str | None:
    for entry in mapping or []:
        if not isinstance(entry, dict):
            continue
        entity_type = str(entry.get("entityType") or "")
        if entity_type.casefold() == dimension.casefold() and entry.get("entityName"):
            return str(entry["entityName"])
    return None
