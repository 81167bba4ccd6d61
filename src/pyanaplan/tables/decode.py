"""Parse an Anaplan CSV stream into Arrow record batches, typed by the export's metadata.

The parser is pyarrow's streaming CSV reader (`pyarrow.csv.open_csv`): it reads the stream in
blocks, so a file of any size is parsed with bounded memory, and batches can be consumed (or
written to Parquet) as they come. This module is the one CSV-to-Arrow path of the library: exports
and downloaded files use it now, and transactional reads (a view or a list read as CSV, issue 12)
are meant to call `read_csv` with their own column types.

Types, from an export's ``dataTypes`` (api-notes §4.6.2) matched to the header by column name:

=================  ==================  ===================================================
``dataTypes``      Arrow               text read
=================  ==================  ===================================================
``NUMBER``         ``float64``         ``1234.5``, ``-3``, ``1e+20`` (Anaplan numbers are
                                       binary doubles, so float64 keeps what Anaplan holds)
``BOOLEAN``        ``bool``            ``true``/``false`` (any case)
``DATE``           ``date32``          ``YYYY-MM-DD``
anything else      ``string``          as is (``TEXT``, ``ENTITY``, ``TIME_ENTITY``,
                                       ``MIXED``, ``NONE``, …)
=================  ==================  ===================================================

An empty cell is null in every column, text included: Anaplan stores no difference between a blank
and an empty text, and one rule for all columns is easier to reason about than two. Only the empty
cell is null: ``NA``, ``NULL`` or ``nan`` stay text (a region code may well be ``NA``). Text that
does not read as its column's type is a `TableError` naming the column; ``typed=False`` reads
every column as text instead.

Pure: it reads only the binary stream it is given.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

from pyanaplan.errors import TableError
from pyanaplan.tables._arrow import require_pyarrow
from pyanaplan.tables.layout import CsvLayout

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["DEFAULT_READ_BLOCK", "arrow_type", "read_csv"]

MIB = 1024 * 1024
#: Bytes pyarrow parses at a time (its memory is a few of these).
DEFAULT_READ_BLOCK = 8 * MIB
# How much of the stream is looked at to read the header row.
_PEEK_BYTES = MIB
_TRUE = ["true", "True", "TRUE"]
_FALSE = ["false", "False", "FALSE"]
_BOMS = {
    "utf-8": codecs.BOM_UTF8,
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
}
_COLUMN_NUMBER = re.compile(r"CSV column #(\d+)")


def arrow_type(data_type: str) -> pa.DataType:
    """The Arrow type for one of Anaplan's ``dataTypes`` values (text when unknown)."""
    pa = require_pyarrow()
    return {
        "NUMBER": pa.float64(),
        "BOOLEAN": pa.bool_(),
        "DATE": pa.date32(),
    }.get(data_type.upper(), pa.string())


def read_csv(
    stream: BinaryIO,
    layout: CsvLayout,
    *,
    header_names: Sequence[str] = (),
    data_types: Sequence[str] = (),
    typed: bool = True,
    block_size: int = DEFAULT_READ_BLOCK,
    what: str = "the file",
) -> pa.RecordBatchReader:
    """A stream of record batches from CSV bytes in `layout`.

    Args:
        stream: Binary stream, read front to back once (never seeked).
        layout: The file's layout (separator, quote character, encoding, header row).
        header_names: The columns the metadata lists (an export's ``headerNames``); used as
            column names when the file has no header row, and to find each column's type.
        data_types: Anaplan data types parallel to `header_names`.
        typed: Type NUMBER, BOOLEAN and DATE columns; False reads every column as text.
        block_size: Bytes parsed at a time.
        what: Names the file in messages ("export 'Sales Report.csv'").

    Returns:
        A `pyarrow.RecordBatchReader`; its errors while reading are `TableError`s, or the
        stream's own errors (e.g. a failed download) as they were raised.

    Raises:
        TableError: The file's header cannot be read, or its first block does not parse.
    """
    pa = require_pyarrow()
    prefix = _peek(stream)
    prefix = _drop_bom(prefix, layout.codec)
    first = _first_records(prefix, layout, max(layout.header_row, layout.data_start))
    if layout.header_row:
        if len(first) < layout.header_row:
            return _empty_reader(pa, list(header_names))
        names = [name.strip() for name in first[layout.header_row - 1]]
    else:
        # No header row: the metadata's names when they fit the first data row's width.
        sample = next((record for record in first[layout.data_start - 1 :] if record), None)
        width = len(sample) if sample is not None else len(header_names)
        names = list(header_names) if len(header_names) == width else _generated(width)
    names = _unique(names)
    types = _column_types(pa, names, header_names, data_types, typed)
    read_options = pa.csv.ReadOptions(
        column_names=names,
        skip_rows=layout.data_start - 1,
        encoding=layout.codec,
        block_size=block_size,
    )
    parse_options = pa.csv.ParseOptions(
        delimiter=layout.separator or "\x1f",
        quote_char=layout.delimiter or False,
        double_quote=True,
        newlines_in_values=bool(layout.delimiter),
        ignore_empty_lines=True,
    )
    convert_options = pa.csv.ConvertOptions(
        column_types=types,
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        true_values=_TRUE,
        false_values=_FALSE,
    )
    source = _Prefixed(prefix, stream)
    try:
        reader = pa.csv.open_csv(
            source,
            read_options=read_options,
            parse_options=parse_options,
            convert_options=convert_options,
        )
    except pa.ArrowInvalid as exc:
        raise _parse_error(exc, names, header_names, data_types, what) from None
    except StopIteration:  # pragma: no cover - pyarrow raises ArrowInvalid for empty input
        return _empty_reader(pa, names)
    return pa.RecordBatchReader.from_batches(
        reader.schema, _batches(pa, reader, names, header_names, data_types, what)
    )


def _batches(
    pa: Any,
    reader: Any,
    names: list[str],
    header_names: Sequence[str],
    data_types: Sequence[str],
    what: str,
) -> Iterator[pa.RecordBatch]:
    try:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except pa.ArrowInvalid as exc:
                raise _parse_error(exc, names, header_names, data_types, what) from None
            yield batch
    finally:
        reader.close()


def _parse_error(
    exc: Exception,
    names: list[str],
    header_names: Sequence[str],
    data_types: Sequence[str],
    what: str,
) -> TableError:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    match = _COLUMN_NUMBER.search(message)
    if match and int(match.group(1)) < len(names):
        name = names[int(match.group(1))]
        kind = dict(zip(header_names, data_types, strict=False)).get(name, "")
        said = f", which the metadata says is {kind}," if kind else ""
        return TableError(
            f"Column {name!r} of {what}{said} holds a value that does not read as one: {message}.",
            hint="Pass typed=False to read every column as text, then convert it yourself.",
        )
    return TableError(
        f"{what[:1].upper()}{what[1:]} does not parse as CSV with its own layout: {message}.",
        hint="Check the file's separator, text delimiter and encoding in Anaplan.",
    )


def _column_types(
    pa: Any,
    names: list[str],
    header_names: Sequence[str],
    data_types: Sequence[str],
    typed: bool,
) -> dict[str, pa.DataType]:
    """Every column gets a type, so pyarrow never guesses (``007`` stays text, not 7)."""
    by_name = dict(zip((n.strip() for n in header_names), data_types, strict=False))
    if typed and not any(name in by_name for name in names) and len(names) == len(data_types):
        by_name = dict(zip(names, data_types, strict=True))  # renamed columns: by position
    return {name: arrow_type(by_name.get(name, "TEXT")) if typed else pa.string() for name in names}


def _empty_reader(pa: Any, names: list[str]) -> pa.RecordBatchReader:
    schema = pa.schema([(name, pa.string()) for name in _unique(names)])
    return pa.RecordBatchReader.from_batches(schema, [])


def _generated(width: int) -> list[str]:
    return [f"Column {i}" for i in range(1, width + 1)]


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0) + 1
        seen[name] = count
        out.append(name if count == 1 else f"{name} ({count})")
    return out


def _peek(stream: BinaryIO) -> bytes:
    """Up to `_PEEK_BYTES` from the stream's start (fewer only at its end)."""
    parts: list[bytes] = []
    size = 0
    while size < _PEEK_BYTES:
        piece = stream.read(_PEEK_BYTES - size)
        if not piece:
            break
        parts.append(piece)
        size += len(piece)
    return b"".join(parts)


def _drop_bom(prefix: bytes, codec: str) -> bytes:
    bom = _BOMS.get(codec)
    return prefix[len(bom) :] if bom and prefix.startswith(bom) else prefix


def _first_records(prefix: bytes, layout: CsvLayout, count: int) -> list[list[str]]:
    """The first `count` records of the stream's first bytes, as the csv module reads them."""
    text = codecs.getincrementaldecoder(layout.codec)(errors="replace").decode(prefix)
    dialect: dict[str, Any] = {"delimiter": layout.separator or "\x1f"}
    if layout.delimiter:
        dialect["quotechar"] = layout.delimiter
    else:
        dialect["quoting"] = csv.QUOTE_NONE
    records: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), **dialect):
            records.append(record)
            if len(records) >= count:
                break
    except csv.Error as exc:
        raise TableError(f"The file's header row does not parse: {exc}.") from None
    return records


class _Prefixed(io.RawIOBase):
    """The bytes already peeked, then the rest of the stream: what pyarrow reads."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        super().__init__()
        self._prefix = memoryview(prefix)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._prefix:
            if size < 0 or size >= len(self._prefix):
                head = bytes(self._prefix)
                self._prefix = memoryview(b"")
                return head
            head = bytes(self._prefix[:size])
            self._prefix = self._prefix[size:]
            return head
        return self._stream.read(size)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
