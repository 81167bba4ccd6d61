"""Streaming reader for import data sources, honouring the file's metadata (api-notes §4.4).

The spec reads a default content's header row with it and the engine's imports stream rows with
it, so it lives beside both and imports neither.

The reader decodes the binary stream incrementally (``io.TextIOWrapper`` over a byte-counting
buffer) and feeds ``csv.reader`` line by line, so memory stays constant however large the file.

* ``separator``: any single character; ``""`` means one column per line.
* ``delimiter``: the quote character (``"``), or ``""`` for no quoting.
* ``encoding``: any Python codec name (``UTF-8``, ``ISO-8859-1``, ``UTF-16LE`` …). A UTF-8 or
  UTF-16 byte-order mark is dropped. Bytes that are invalid in the encoding never stop the read:
  they are decoded as lone surrogates (U+DC00+byte) and the record that holds them is yielded with
  an error message, so the import fails that row and carries on.
* Progress: `CsvReader.fraction` is bytes read over the stream's size, taken from ``seek``/``tell``
  or, for a stream that cannot seek, from an int ``total_bytes`` attribute on the stream (or on
  its ``raw`` stream); without either it is None.
* ``header_row`` and ``first_data_row`` are 1-based record numbers; 0 means "none" (the data then
  starts right after the header, or at record 1 without a header).

Records are numbered from 1 in file order, header included; that number is the ``_Line_`` of a
failure dump row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

# Undecodable bytes become lone surrogates U+DC00+byte (our error handler below), which no
# valid text contains.
_ESCAPED_BYTE = re.compile("[\udc00-\udcff]")
_ERRORS = "pyanaplan-csvio-escape"
_READ_SIZE = 1 << 16
# Used as the csv delimiter when the file has no separator: one field per line.
_NO_SEPARATOR = "\x00"


class FileLayout(Protocol):
    """What `CsvFormat.of` reads: the layout attributes of a data-source file (a `FileSpec`)."""

    @property
    def separator(self) -> str: ...
    @property
    def delimiter(self) -> str: ...
    @property
    def encoding(self) -> str: ...
    @property
    def header_row(self) -> int: ...
    @property
    def first_data_row(self) -> int: ...


@dataclass(frozen=True)
class CsvFormat:
    """How a data source is laid out (the file metadata of api-notes §4.4)."""

    separator: str = ","
    delimiter: str = '"'
    encoding: str = "UTF-8"
    header_row: int = 1
    first_data_row: int = 2

    @classmethod
    def of(cls, file_spec: FileLayout) -> CsvFormat:
        """Build from any object with the api-notes §4.4 attributes (e.g. a `FileSpec`)."""
        return cls(
            separator=file_spec.separator,
            delimiter=file_spec.delimiter,
            encoding=file_spec.encoding,
            header_row=file_spec.header_row,
            first_data_row=file_spec.first_data_row,
        )

    @property
    def data_start(self) -> int:
        """The first record number that holds data."""
        if self.first_data_row > 0:
            return self.first_data_row
        return self.header_row + 1


def _escape_bytes(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: each undecodable byte -> U+DC00+byte.

    Like ``surrogateescape``, but also for bytes below 0x80, which UTF-16 can leave undecodable
    (a truncated last unit, a lone surrogate), where ``surrogateescape`` would raise.
    """
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(chr(0xDC00 + b) for b in bad), error.end


def _register_error_handler() -> None:
    try:
        codecs.lookup_error(_ERRORS)
    except LookupError:
        codecs.register_error(_ERRORS, _escape_bytes)


class _CountingReader(io.RawIOBase):
    """A raw stream over another binary stream that counts the bytes read (for progress).

    It also notes whether any non-ASCII byte went by: until one does, no record can hold an
    undecodable byte, so the per-record check is skipped (the common, fast case).
    """

    def __init__(self, source: BinaryIO) -> None:
        super().__init__()
        self._source = source
        self.bytes_read = 0
        self.non_ascii = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.bytes_read += size
        if not self.non_ascii and not data.isascii():
            self.non_ascii = True
        return size


class CsvReader:
    """Reads one data source: `header()` first if needed, then iterate `records()`.

    Args:
        stream: The file content; read sequentially, never seeked except to measure its size.
        fmt: The file's layout.
    """

    def __init__(self, stream: BinaryIO, fmt: CsvFormat) -> None:
        self.fmt = fmt
        self.total_bytes = _measure(stream)
        self._counter = _CountingReader(stream)
        if not codecs.lookup(fmt.encoding).name.startswith(
            ("utf-8", "iso8859", "latin", "ascii", "cp")
        ):
            # Not ASCII-compatible (UTF-16/32): ASCII bytes alone can be invalid, check always.
            self._counter.non_ascii = True
        encoding = fmt.encoding
        if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
            encoding = "utf-8-sig"
        _register_error_handler()
        self._text = io.TextIOWrapper(
            io.BufferedReader(self._counter, buffer_size=_READ_SIZE),
            encoding=encoding,
            errors=_ERRORS,
            newline="",
        )
        separator = fmt.separator or _NO_SEPARATOR
        if fmt.delimiter:
            self._reader = csv.reader(
                self._text, delimiter=separator, quotechar=fmt.delimiter, strict=False
            )
        else:
            self._reader = csv.reader(self._text, delimiter=separator, quoting=csv.QUOTE_NONE)
        self._record = 0
        self._header: list[str] | None = None
        self._header_read = fmt.header_row == 0
        self._bad_bytes_error = f"Invalid character data for encoding {fmt.encoding}"

    @property
    def bytes_read(self) -> int:
        """Bytes consumed from the stream so far (read-ahead included)."""
        return self._counter.bytes_read

    def fraction(self) -> float | None:
        """Share of the stream consumed, or None when its size is unknown."""
        if not self.total_bytes:
            return None
        return min(1.0, self.bytes_read / self.total_bytes)

    def header(self) -> list[str] | None:
        """Read up to and including the header row and return its fields (None without one)."""
        if self._header_read:
            return self._header
        self._header_read = True
        for line, fields, _error in self._all_records(self.fmt.header_row):
            self._header = fields if line == self.fmt.header_row else None
            break
        return self._header

    def records(self) -> Iterator[tuple[int, list[str], str | None]]:
        """Yield ``(line, fields, error)`` for each data record, from ``first_data_row`` on.

        ``line`` is the 1-based record number, ``error`` None or why the record is unusable
        (its fields then hold what could be read, undecodable bytes escaped).
        """
        self.header()
        return self._all_records(self.fmt.data_start)

    def close(self) -> None:
        """Release the decoder (does not close the caller's stream)."""
        self._text.detach()

    def _all_records(self, start: int) -> Iterator[tuple[int, list[str], str | None]]:
        # Tight loop: iterate the C csv reader directly, skipping records before ``start``;
        # csv.Error (e.g. an oversized field) fails one record and reading resumes after it.
        reader = self._reader
        counter = self._counter
        bad = self._bad_bytes_error
        while True:
            try:
                for fields in reader:
                    self._record += 1
                    record = self._record
                    if record == 1 and fields and fields[0].startswith("\ufeff"):
                        fields[0] = fields[0][1:]
                    if record < start:
                        continue
                    if counter.non_ascii and _has_escaped_bytes(fields):
                        yield record, fields, bad
                    else:
                        yield record, fields, None
                return
            except csv.Error as exc:
                self._record += 1
                if self._record >= start:
                    yield self._record, [], f"Unreadable row: {exc}"
            except UnicodeError as exc:  # not expected with our handler; never crash an import
                self._record += 1
                if self._record >= start:
                    yield self._record, [], f"Unreadable data: {exc}"
                return


def _has_escaped_bytes(fields: list[str]) -> bool:
    return any(not f.isascii() and _ESCAPED_BYTE.search(f) for f in fields)


def read_header(content: bytes, fmt: CsvFormat) -> list[str]:
    """Return the header fields of in-memory content (empty without a header row)."""
    reader = CsvReader(io.BytesIO(content), fmt)
    return reader.header() or []


def printable(field: str) -> str:
    """Make a field that may hold escaped bad bytes safe to write as UTF-8 (bad bytes -> U+FFFD)."""
    if field.isascii() or not _ESCAPED_BYTE.search(field):
        return field
    return _ESCAPED_BYTE.sub("\ufffd", field)


def _measure(stream: BinaryIO) -> int | None:
    # A stream that cannot seek may say its size in ``total_bytes`` (on itself or, for a
    # BufferedReader, on its raw stream).
    for candidate in (stream, getattr(stream, "raw", None)):
        hint = getattr(candidate, "total_bytes", None)
        if isinstance(hint, int):
            return hint
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
        return end - here
    except (OSError, ValueError, AttributeError):
        return None
