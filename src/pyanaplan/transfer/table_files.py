"""Local table files and databases: read Parquet or a DuckDB query as an Arrow stream, write an
Arrow stream as Parquet, Arrow IPC (Feather) or JSON lines.

The CLI's `upload --parquet / --from-query` and `export -O out.parquet` use these; the library's
`Client.upload_table` and `as_table=` take and give the streams. Reads and writes go batch by
batch, so memory stays bounded whatever the size; a written file appears only when complete
(`<path>.part`, then an atomic rename), like a download.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyanaplan.errors import ConfigError, local_file_error
from pyanaplan.tables import require, require_pyarrow

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["TABLE_FORMATS", "query_duckdb", "read_parquet", "table_format", "write_table_file"]

#: File extension -> table format written by `write_table_file`.
TABLE_FORMATS = {
    ".parquet": "parquet",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
# Rows read from DuckDB per batch.
_DUCKDB_BATCH_ROWS = 100_000


def table_format(path: Path) -> str | None:
    """The table format a path's extension asks for, or None (not a table format)."""
    return TABLE_FORMATS.get(path.suffix.lower())


def read_parquet(path: Path) -> pa.RecordBatchReader:
    """A Parquet file as a stream of record batches (row group by row group).

    Raises:
        ConfigError: pyarrow is missing, or the file is not Parquet.
        LocalFileError: The file cannot be read.
    """
    pa = require_pyarrow()
    parquet = require("pyarrow.parquet", purpose="Parquet files")
    try:
        handle = parquet.ParquetFile(path)
    except pa.ArrowException as exc:
        raise ConfigError(
            f"{str(path)!r} is not a Parquet file: {_first_line(exc)}",
            hint="Pass a .parquet file (--parquet FILE).",
        ) from None
    except OSError as exc:
        raise local_file_error(exc, action="read", path=path) from exc
    return pa.RecordBatchReader.from_batches(handle.schema_arrow, handle.iter_batches())


def query_duckdb(database: Path | None, sql: str) -> pa.RecordBatchReader:
    """The result of a DuckDB query as a stream of record batches.

    Args:
        database: A DuckDB database file, opened read-only; None for an in-memory database
            (the query may still read files, e.g. ``read_parquet('x.parquet')``).
        sql: The query.

    Raises:
        ConfigError: duckdb or pyarrow is missing, the database cannot be opened, or the query
            fails (DuckDB's own first line says why).
    """
    require_pyarrow()
    duckdb = require("duckdb", purpose="DuckDB queries")
    if database is not None and not database.is_file():
        raise ConfigError(
            f"DuckDB database {str(database)!r} does not exist.",
            hint="Check the path given to --duckdb.",
        )
    try:
        con = duckdb.connect(str(database), read_only=True) if database else duckdb.connect()
    except duckdb.Error as exc:
        raise ConfigError(
            f"Cannot open DuckDB database {str(database)!r}: {_first_line(exc)}",
        ) from None
    try:
        # The relation is read through its Arrow stream, batch by batch as the upload goes.
        reader = require_pyarrow().RecordBatchReader.from_stream(con.sql(sql))
    except duckdb.Error as exc:
        con.close()
        raise _query_error(exc) from None
    return _closing_reader(reader, con, duckdb.Error)


def _query_error(exc: BaseException) -> ConfigError:
    return ConfigError(
        f"The query failed in DuckDB: {_first_line(exc)}",
        hint="Check the SQL given to --from-query.",
    )


def _closing_reader(reader: Any, con: Any, errors: type[BaseException]) -> pa.RecordBatchReader:
    """The reader's batches; errors while the query runs become one sentence; the connection
    is closed at the end."""
    pa = require_pyarrow()

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            yield from reader
        except errors as exc:
            raise _query_error(exc) from None
        finally:
            con.close()

    return pa.RecordBatchReader.from_batches(reader.schema, batches())


def write_table_file(reader: pa.RecordBatchReader, path: Path, fmt: str) -> int:
    """Write the stream to `path` in `fmt` (``parquet``, ``arrow``, ``jsonl``); returns rows.

    Written to ``<path>.part`` and renamed when complete; a failure leaves no file behind.

    Raises:
        LocalFileError: The file cannot be written.
        ConfigError: Unknown format.
    """
    writers = {"parquet": _write_parquet, "arrow": _write_arrow, "jsonl": _write_jsonl}
    if fmt not in writers:
        raise ConfigError(f"Unknown table format {fmt!r}.")
    part = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = writers[fmt](reader, part)
        os.replace(part, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            part.unlink()
        raise local_file_error(exc, action="write", path=path) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink()
        raise
    return rows


def _write_parquet(reader: pa.RecordBatchReader, part: Path) -> int:
    parquet = require("pyarrow.parquet", purpose="Parquet files")
    rows = 0
    with parquet.ParquetWriter(part, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def _write_arrow(reader: pa.RecordBatchReader, part: Path) -> int:
    pa = require_pyarrow()
    import pyarrow.ipc  # noqa: F401 - loads pa.ipc

    rows = 0
    with pa.OSFile(str(part), "wb") as sink, pa.ipc.new_file(sink, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def _write_jsonl(reader: pa.RecordBatchReader, part: Path) -> int:
    rows = 0
    with part.open("w", encoding="utf-8", newline="\n") as out:
        for batch in reader:
            for row in batch.to_pylist():
                out.write(json.dumps(row, ensure_ascii=False, default=_json_value))
                out.write("\n")
            rows += batch.num_rows
    return rows


def _json_value(value: Any) -> Any:
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()  # dates and times
    return str(value)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if line.endswith(".") else f"{line}."
