"""Exports: write a module or list as CSV into the export's output file (api-notes §4.6, §9.39).

Layout ``TABULAR_MULTI_COLUMN`` (every layout is written this way by the emulator): a header row,
then one row per stored dimension combination (combinations without any stored input value are
left out, like Anaplan's zero suppression), dimension item names first, then every line item in
spec order. Calculated line items are computed from their formula as the rows stream out. A list
export writes one row per item: name, code, parent (when the list has a parent list) and its
properties. Output is produced in batches through ``ctx.write_export`` so memory stays flat.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from pyanaplan.emulator.engine.run_context import (
    CHECK_EVERY_ROWS,
    PROCESSING_STEP,
    ActionOutcome,
    RunContext,
    detail,
)
from pyanaplan.emulator.formulas import compile_formula
from pyanaplan.emulator.spec import ExportSpec, ModelSpec, ModuleSpec
from pyanaplan.emulator.storage.model_store import ModelReader

_DATA_TYPES = {
    "number": "NUMBER",
    "text": "TEXT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "list": "ENTITY",
}
_ROWS_PER_CHUNK = 2_000


def export_columns(model: ModelSpec, export: ExportSpec) -> list[tuple[str, str]]:
    """The export's columns as ``(header, dataType)`` pairs (api-notes §4.6.2 ``dataTypes``)."""
    if export.source_module is not None:
        module = model.module_named(export.source_module)
        if module is None:
            return []
        columns = [(dim, "ENTITY") for dim in module.dimensions]
        columns += [(li.name, _DATA_TYPES[li.format]) for li in module.line_items]
        return columns
    lst = model.list_named(export.source_list or "")
    if lst is None:
        return []
    columns = [(lst.name, "ENTITY"), ("Code", "TEXT")]
    if lst.parent_list:
        columns.append(("Parent", "ENTITY"))
    columns += [(prop, "TEXT") for prop in lst.properties]
    return columns


def export_row_count(data: ModelReader, model: ModelSpec, export: ExportSpec) -> int:
    """Data rows the export would write now (header excluded)."""
    if export.source_module is not None:
        module = model.module_named(export.source_module)
        return data.module_cells(module.id).count() if module else 0
    lst = model.list_named(export.source_list or "")
    return data.list_items(lst.id).count() if lst else 0


def run_export(ctx: RunContext, export: ExportSpec) -> ActionOutcome:
    """Write the export's output file for the task's user.

    Args:
        ctx: The task's context.
        export: The export to run.

    Returns:
        A successful outcome with an ``exportSucceeded`` detail.

    Raises:
        TaskCancelled: When the task is cancelled while rows are written.
    """
    total = export_row_count(ctx.data, ctx.model, export)
    counter = [0]
    chunks = _csv_chunks(ctx, export, _rows(ctx, export), total, counter)
    size = ctx.write_export(export.id, chunks)
    rows = counter[0]
    ctx.progress(1.0, PROCESSING_STEP)
    message = f"{export.name}: {rows} rows exported ({size} bytes)"
    values = ["exportName", export.name, "rowCount", str(rows), "fileSize", str(size)]
    return ActionOutcome(
        object_id=export.id,
        object_name=export.name,
        successful=True,
        failure_dump_available=False,
        details=[detail(message, "exportSucceeded", values)],
    )


def _rows(ctx: RunContext, export: ExportSpec) -> Iterator[list[str]]:
    yield [header for header, _ in export_columns(ctx.model, export)]
    if export.source_module is not None:
        module = ctx.model.module_named(export.source_module)
        if module is not None:
            yield from _module_rows(ctx.data, module)
        return
    lst = ctx.model.list_named(export.source_list or "")
    if lst is None:
        return
    for name, code, parent, properties in ctx.data.list_items(lst.id).rows(lst.properties):
        out = [name, code or ""]
        if lst.parent_list:
            out.append(parent or "")
        out += ["" if p is None else str(p) for p in properties]
        yield out


def _module_rows(data: ModelReader, module: ModuleSpec) -> Iterator[list[str]]:
    inputs = module.inputs()
    number_inputs = {li.name for li in module.number_inputs()}
    formulas = {
        li.name: compile_formula(li.formula, number_inputs)
        for li in module.line_items
        if li.formula is not None
    }
    rows = data.module_cells(module.id).rows(
        dimensions=len(module.dimensions), line_item_ids=[li.id for li in inputs]
    )
    for items, cells in rows:
        # Any: a formula reads only number inputs, which the store returns as numbers or None.
        values: dict[str, Any] = dict(zip((li.name for li in inputs), cells, strict=True))
        out = list(items)
        for li in module.line_items:
            if li.formula is not None:
                out.append(format_number(formulas[li.name].evaluate(values)))
            else:
                out.append(_format_value(values[li.name], li.format))
        yield out


def format_number(value: float | int | None) -> str:
    """Anaplan-style number text: integers without a decimal point, blanks empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        # 15 significant digits, as a spreadsheet shows them: 438 * 353.65 is 154898.7, not the
        # binary float's 154898.69999999998.
        return f"{value:.15g}"
    return str(value)


def _format_value(value: Any, fmt: str) -> str:
    if value is None:
        return ""
    if fmt == "number":
        return format_number(value)
    if fmt == "boolean":
        return "true" if value else "false"
    return str(value)


def _csv_chunks(
    ctx: RunContext,
    export: ExportSpec,
    rows: Iterator[list[str]],
    total: int,
    counter: list[int],
) -> Iterator[bytes]:
    buffer = io.StringIO()
    if export.delimiter:
        writer = csv.writer(
            buffer, delimiter=export.separator, quotechar=export.delimiter, lineterminator="\n"
        )
    else:
        writer = csv.writer(
            buffer,
            delimiter=export.separator,
            quoting=csv.QUOTE_NONE,
            escapechar="\\",
            lineterminator="\n",
        )
    written = -1  # the header row is not a data row
    for row in rows:
        writer.writerow(row)
        written += 1
        if written and written % _ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode(export.encoding, errors="replace")
            buffer.seek(0)
            buffer.truncate()
        if written and written % CHECK_EVERY_ROWS == 0:
            ctx.check_cancelled()
            ctx.progress(written / total if total else 0.0, PROCESSING_STEP)
    counter[0] = max(written, 0)
    tail = buffer.getvalue()
    if tail:
        yield tail.encode(export.encoding, errors="replace")
