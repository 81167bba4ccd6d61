"""Encode an Arrow stream as CSV bytes in an Anaplan file's own layout, block by block.

The table is never written out whole: each record batch is cut into slices of a few MB, each
slice goes through pyarrow's C++ CSV writer into a small in-memory sink, and the sink is drained
into blocks of about `block_size` bytes that the caller uploads as they come. Memory is the table
itself (the caller's) plus a few blocks.

What the file's layout asks for (`CsvLayout`):

* separator and quote character: pyarrow's writer when the quote character is ``"`` (the usual
  case, and fast); Python's ``csv`` module for any other quote character or none (pyarrow knows
  only ``"``), with the same value formatting.
* encoding: pyarrow writes UTF-8; any other encoding is transcoded block by block with an
  incremental decoder, so a character split across two blocks is decoded whole. A value the
  encoding cannot hold is an error naming it, never a ``?``.
* header row and first data row: empty lines before the header and between header and data, as
  the file's line numbers require; no header when ``header_row`` is 0.
* decimal separator: ``,`` rewrites the decimal point of fractional columns.

Values, written the way an Anaplan import reads them:

* null and NaN → an empty cell; an empty string → an empty cell too (``""``). Anaplan stores no
  difference between them: both are a blank.
* floats → plain decimal notation, never an exponent (``1e+20`` → ``100000000000000000000``);
  infinity is an error (Anaplan cannot store it).
* booleans → ``true``/``false``; dates → ``YYYY-MM-DD``; timestamps without a time of day →
  ``YYYY-MM-DD`` as well (pandas holds dates as datetime64), others as pyarrow writes them.
* dictionary (categorical) and string-view columns → their text; other types are cast to text,
  or refused with the column's name when they have none (lists, structs).

Pure: no I/O beyond the caller's Arrow stream.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pyanaplan.errors import TableError
from pyanaplan.tables._arrow import require_pyarrow
from pyanaplan.tables.layout import CsvLayout

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["DEFAULT_BLOCK_SIZE", "EncodeStats", "encode_csv"]

MIB = 1024 * 1024
#: Bytes per block handed to the upload (it joins blocks into its own chunk size).
DEFAULT_BLOCK_SIZE = 4 * MIB
# Arrow bytes per slice given to the CSV writer: bounds the CSV text in the sink at once.
_SLICE_BYTES = 4 * MIB
# Rows the C++ writer converts at a time (its default, 1024, costs ~10% in per-call overhead).
_WRITER_BATCH_ROWS = 16_384
# Stands in for "no separator" (a one-column file): never written, since there is one column.
_NO_SEPARATOR = "\x1f"


@dataclass
class EncodeStats:
    """Filled in while the blocks are consumed: rows and bytes written so far."""

    rows: int = 0
    bytes: int = 0


def encode_csv(
    reader: pa.RecordBatchReader,
    layout: CsvLayout,
    *,
    columns: Sequence[str] | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    stats: EncodeStats | None = None,
) -> Iterator[bytearray]:
    """Yield the table as CSV bytes in `layout`, in blocks of about `block_size` bytes.

    Args:
        reader: The table as a stream of record batches (`as_batch_reader`).
        layout: The file's layout.
        columns: The columns to write, in file order (default: all, in table order).
        block_size: Approximate bytes per yielded block.
        stats: Updated with rows and bytes as blocks are yielded.

    Raises:
        TableError: A column has no CSV form, a value cannot be written in the layout (a
            separator inside a value of a file without quoting, a character the encoding lacks,
            infinity), or a file without separator gets more than one column.
    """
    pa = require_pyarrow()
    stats = stats if stats is not None else EncodeStats()
    schema = reader.schema
    names = list(columns) if columns is not None else list(schema.names)
    indices = [schema.get_field_index(name) for name in names]
    if any(i < 0 for i in indices):
        unknown = [n for n, i in zip(names, indices, strict=True) if i < 0]
        raise TableError(f"The table has no column {unknown[0]!r}.")
    if not layout.separator and len(names) != 1:
        raise TableError(
            f"The file has no column separator, so it holds one column; the table has "
            f"{len(names)}.",
            hint="Pass a table with exactly the one column the import reads.",
        )
    transcode = _Transcoder(layout)
    writer = _writer_for(layout)
    head = _head_text(names, layout)
    sink = _Sink()
    if head:
        sink.buffer += head.encode("utf-8")
    for batch in reader:
        batch = batch.select(indices) if indices != list(range(batch.num_columns)) else batch
        for piece in _slices(batch, min(_SLICE_BYTES, block_size)):
            prepared = _prepare(pa, piece, layout)
            writer.write(prepared, sink)
            stats.rows += piece.num_rows
            if len(sink.buffer) >= block_size:
                yield from _drain(sink, transcode, stats)
    writer.close()
    yield from _drain(sink, transcode, stats, final=True)


def _drain(
    sink: _Sink, transcode: _Transcoder, stats: EncodeStats, *, final: bool = False
) -> Iterator[bytearray]:
    data, sink.buffer = sink.buffer, bytearray()
    out = transcode(data, final=final)
    if out:
        stats.bytes += len(out)
        yield out


def _slices(batch: pa.RecordBatch, size: int) -> Iterator[pa.RecordBatch]:
    """Zero-copy slices of about `size` Arrow bytes (a table may be one 10M-row batch)."""
    rows = batch.num_rows
    if rows == 0:
        return
    per_row = max(1.0, batch.nbytes / rows)
    step = max(1, int(size / per_row))
    for start in range(0, rows, step):
        yield batch.slice(start, step)


# -- the header -------------------------------------------------------------------------------


def _head_text(names: Sequence[str], layout: CsvLayout) -> str:
    """Empty lines and the header row, so data starts on `layout.data_start`."""
    lines: list[str] = []
    header_row = layout.header_row or 0
    if header_row:
        lines += [""] * (header_row - 1)
        buffer = io.StringIO()
        csv.writer(buffer, **_csv_dialect(layout)).writerow(names)
        lines.append(buffer.getvalue().rstrip("\n"))
    lines += [""] * max(0, layout.data_start - len(lines) - 1)
    return "".join(line + "\n" for line in lines)


def _csv_dialect(layout: CsvLayout) -> dict[str, Any]:
    separator = layout.separator or _NO_SEPARATOR
    if layout.delimiter:
        return {"delimiter": separator, "quotechar": layout.delimiter, "lineterminator": "\n"}
    # No quote character: a quote in a value is plain text; a separator or line break cannot be
    # written (csv raises, reported as a TableError).
    return {
        "delimiter": separator,
        "quoting": csv.QUOTE_NONE,
        "quotechar": None,
        "lineterminator": "\n",
    }


# -- writing rows -----------------------------------------------------------------------------


class _Sink:
    """The in-memory file pyarrow's CSV writer writes into; drained after every slice."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.closed = False

    def write(self, data: Any) -> int:
        self.buffer += data
        return len(data)

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


class _ArrowWriter:
    """pyarrow's CSV writer (quote character ``"``), created at the first slice's schema."""

    def __init__(self, separator: str) -> None:
        self._separator = separator
        self._writer: Any = None

    def write(self, batch: pa.RecordBatch, sink: _Sink) -> None:
        pa = require_pyarrow()
        if self._writer is None:
            options = pa.csv.WriteOptions(
                include_header=False,
                delimiter=self._separator,
                batch_size=_WRITER_BATCH_ROWS,
            )
            self._writer = pa.csv.CSVWriter(sink, batch.schema, write_options=options)
        self._writer.write_batch(batch)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


class _PythonWriter:
    """Python's csv module, for a quote character other than ``"`` or none at all."""

    def __init__(self, layout: CsvLayout) -> None:
        self._text = io.StringIO()
        dialect = _csv_dialect(layout)
        if layout.delimiter:
            # Every value quoted, as pyarrow quotes every text: a lone "\r" would otherwise go
            # out bare (the csv module quotes only for the separator, quote and "\n").
            dialect["quoting"] = csv.QUOTE_ALL
        self._writer = csv.writer(self._text, **dialect)

    def write(self, batch: pa.RecordBatch, sink: _Sink) -> None:
        pa = require_pyarrow()
        values = [pa.compute.cast(col, pa.string()).to_pylist() for col in batch.columns]
        try:
            self._writer.writerows(zip(*values, strict=True))
        except csv.Error:
            raise TableError(
                "A value holds the separator, a quote or a line break, which this file cannot "
                "hold: it has no text delimiter to quote values with.",
                hint="Remove those characters from the values, or give the file a text "
                "delimiter in Anaplan.",
            ) from None
        sink.buffer += self._text.getvalue().encode("utf-8")
        self._text.seek(0)
        self._text.truncate()

    def close(self) -> None:
        pass


def _writer_for(layout: CsvLayout) -> _ArrowWriter | _PythonWriter:
    if layout.delimiter == '"':
        return _ArrowWriter(layout.separator or _NO_SEPARATOR)
    return _PythonWriter(layout)


# -- values -----------------------------------------------------------------------------------


def _prepare(pa: Any, batch: pa.RecordBatch, layout: CsvLayout) -> pa.RecordBatch:
    """Columns in types the CSV writer prints the way Anaplan reads them (module docstring)."""
    types = pa.types
    columns = []
    changed = False
    for field, column in zip(batch.schema, batch.columns, strict=True):
        out = _prepare_column(pa, types, field.name, column, layout)
        changed = changed or out is not column
        columns.append(out)
    if not changed:
        return batch
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _prepare_column(pa: Any, types: Any, name: str, column: Any, layout: CsvLayout) -> Any:
    pc = pa.compute
    kind = column.type
    if types.is_dictionary(kind):
        values = column.dictionary
        if not types.is_primitive(values.type) and not types.is_string(values.type):
            values = pc.cast(values, pa.string())  # e.g. polars' string views: no take kernel
        column = pa.DictionaryArray.from_arrays(column.indices, values).dictionary_decode()
        kind = column.type
    if types.is_string(kind) or types.is_large_string(kind):
        return column
    if types.is_floating(kind):
        return _decimal_comma(pc, _format_floats(pa, name, column), layout)
    if types.is_decimal(kind):
        if layout.decimal_separator == ".":
            return column
        return _decimal_comma(pc, pc.cast(column, pa.string()), layout)
    if types.is_timestamp(kind) and kind.tz is None:
        return _format_timestamps(pa, column)
    if (
        types.is_integer(kind)
        or types.is_boolean(kind)
        or types.is_date(kind)
        or types.is_timestamp(kind)
        or types.is_time(kind)
        or types.is_null(kind)
    ):
        return column
    try:  # string views, durations, binary that is UTF-8, …
        return pc.cast(column, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise TableError(
            f"Column {name!r} has type {kind}, which has no CSV form for Anaplan.",
            hint="Convert it to text, numbers or dates before uploading.",
        ) from None


def _format_floats(pa: Any, name: str, column: Any) -> Any:
    """Floats as plain decimals (no exponent), NaN as blank, infinity refused."""
    pc = pa.compute
    if pc.any(pc.is_inf(column)).as_py():
        raise TableError(
            f"Column {name!r} holds an infinite number, which Anaplan cannot store.",
            hint="Replace infinities with a number or a blank (null) before uploading.",
        )
    text = pc.cast(column, pa.string())
    nan = pc.is_nan(column)
    if pc.any(nan).as_py():
        text = pc.if_else(nan, pa.scalar(None, pa.string()), text)
    # pyarrow prints the shortest round-trip form, with an exponent for large and tiny values;
    # those few are rewritten exactly in plain notation.
    exponent = pc.match_substring(text, "e")
    if pc.any(exponent).as_py():
        fixed = [_plain(value) for value in pc.filter(text, exponent).to_pylist()]
        text = pc.replace_with_mask(text, exponent, pa.array(fixed, pa.string()))
    return text


def _plain(shortest: str) -> str:
    return format(Decimal(shortest), "f")


def _format_timestamps(pa: Any, column: Any) -> Any:
    """Naive timestamps at midnight as ``YYYY-MM-DD``; others as pyarrow prints them.

    Always text, so every slice has the same type for the one CSV writer.
    """
    pc = pa.compute
    dates = pc.cast(column, pa.date32())
    as_dates = pc.cast(dates, pa.string())
    midnight = pc.equal(pc.cast(dates, column.type), column)
    if pc.all(midnight).as_py():  # all dates (or all null): the common pandas case
        return as_dates
    return pc.if_else(midnight, as_dates, pc.cast(column, pa.string()))


def _decimal_comma(pc: Any, text: Any, layout: CsvLayout) -> Any:
    if layout.decimal_separator == ".":
        return text
    return pc.replace_substring(text, ".", layout.decimal_separator)


# -- encodings --------------------------------------------------------------------------------


class _Transcoder:
    """UTF-8 bytes from pyarrow -> the file's encoding, block by block.

    An incremental decoder keeps a character that a block boundary cut in two until the next
    block completes it; an incremental encoder writes a UTF-16 byte-order mark only once.
    """

    def __init__(self, layout: CsvLayout) -> None:
        self.layout = layout
        self._identity = layout.is_utf8
        if self._identity:
            return
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._encoder = codecs.getincrementalencoder(layout.codec)()
        ascii_bytes = bytes(range(128))
        try:
            self._ascii_same = ascii_bytes.decode("ascii").encode(layout.codec) == ascii_bytes
        except UnicodeError:
            self._ascii_same = False

    def __call__(self, data: bytearray, *, final: bool = False) -> bytearray:
        if self._identity:
            return data
        if self._ascii_same and data.isascii() and self._decoder.getstate()[0] == b"":
            return data  # ASCII is the same bytes in this encoding: no work
        text = self._decoder.decode(bytes(data), final)
        try:
            return bytearray(self._encoder.encode(text, final))
        except UnicodeEncodeError as exc:
            raise self._unencodable(exc) from None

    def _unencodable(self, exc: UnicodeEncodeError) -> TableError:
        text = exc.object
        start = text.rfind("\n", 0, exc.start) + 1
        end = text.find("\n", exc.end)
        line = text[start : end if end >= 0 else len(text)]
        if len(line) > 80:
            line = line[:77] + "..."
        return TableError(
            f"The table holds {text[exc.start]!r}, which the file's encoding "
            f"{self.layout.encoding} cannot represent (in the row {line!r}).",
            hint="Replace such characters, or set the file's encoding to UTF-8 in Anaplan.",
        )
