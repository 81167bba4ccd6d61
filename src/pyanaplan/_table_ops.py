"""Tables through the client: the only table code that does I/O, all of it via `Client`'s public
methods (`resolve`, `imports`, `exports`, `import_metadata`, `export_metadata`, `upload`,
`download`). The table logic itself is pure and lives in `pyanaplan.tables`.

Upload: the table's columns are checked against the import's source columns, then the table is
encoded block by block (`tables.encode`) and the blocks are handed to `Client.upload` as an
iterator of bytes: one streamed, compressed, parallel upload, no temporary file.

Download: `Client.download` writes into a bounded in-memory pipe from a worker thread while the
calling thread parses the other end (`tables.decode`); the CSV is never held whole. A download that
fails fails the parse (the pipe re-raises its error), and a parse that stops early stops the
download (the pipe refuses further writes).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from pyanaplan.errors import ConfigError, TableError
from pyanaplan.tables import (
    CsvLayout,
    EncodeStats,
    TableKind,
    as_batch_reader,
    check_kind,
    encode_csv,
    match_columns,
    read_csv,
    require_pyarrow,
    to_kind,
)

if TYPE_CHECKING:
    import pyarrow as pa

    from pyanaplan._client import Client, TransferProgress
    from pyanaplan.models import File, ImportMetadata
    from pyanaplan.transfer.upload import UploadResult

__all__ = ["download_table", "export_table", "upload_table"]

log = logging.getLogger(__name__)

# Bytes the download may run ahead of the parser (on top of the chunks it holds itself).
_PIPE_CAPACITY = 16 * 1024 * 1024


def upload_table(
    client: Client,
    table: Any,
    *,
    file: str,
    import_name: str | None = None,
    workspace: str | None = None,
    model: str | None = None,
    chunk_size: int | None = None,
    concurrency: int | None = None,
    compress: bool = True,
    compress_level: int | None = None,
    on_progress: TransferProgress | None = None,
    stats: EncodeStats | None = None,
) -> UploadResult:
    """Check `table` against the file's import, then stream it up as the file's CSV.

    Args:
        import_name: The import whose source columns the table must match; default: the first
            import that reads `file` (no column check when none does).
        Others: as `Client.upload_table`.
    """
    reader = as_batch_reader(table)  # a missing pyarrow or a non-table fails before any call
    found: File = client.resolve("file", file, workspace=workspace, model=model)
    metadata = _import_metadata(client, found, import_name, workspace=workspace, model=model)
    source = metadata.source if metadata is not None else None
    layout = CsvLayout.of_file(
        found, decimal_separator=source.decimal_separator if source is not None else None
    )
    columns = _file_columns(reader.schema.names, metadata, layout, found)
    blocks = encode_csv(reader, layout, columns=columns, stats=stats)
    return client.upload(
        _first_block_checked(blocks, found),
        file=found.id,
        workspace=workspace,
        model=model,
        chunk_size=chunk_size,
        concurrency=concurrency,
        compress=compress,
        compress_level=compress_level,
        resume=False,
        on_progress=on_progress,
    )


def _import_metadata(
    client: Client,
    file: File,
    import_name: str | None,
    *,
    workspace: str | None,
    model: str | None,
) -> ImportMetadata | None:
    if import_name is None:
        readers = [
            i
            for i in client.imports(workspace=workspace, model=model)
            if i.import_data_source_id == file.id
        ]
        if not readers:
            log.info("No import reads file '%s' (%s): columns not checked", file.name, file.id)
            return None
        import_name = readers[0].id
    return client.import_metadata(import_name, workspace=workspace, model=model)


def _file_columns(
    names: Sequence[str], metadata: ImportMetadata | None, layout: CsvLayout, file: File
) -> list[str]:
    """The table's columns in the order the file has them (module docstring: checked first)."""
    source = metadata.source if metadata is not None else None
    if source is None:
        return list(names)
    where = f"file '{file.name}' ({file.id}) read by import '{metadata.name}'"  # type: ignore[union-attr]
    if layout.header_row and source.header_names:
        return match_columns(names, source.header_names, where=where)
    expected = source.column_count or len(source.header_names)
    if expected and expected != len(names):
        raise TableError(
            f"The {where} has {expected} columns and no header row; the table has "
            f"{len(names)}. Nothing was uploaded.",
            hint="Pass a table with the file's columns, in the file's order.",
        )
    return list(names)


def _first_block_checked(blocks: Iterator[bytearray], file: File) -> Iterator[bytearray]:
    # The upload refuses an empty source; a table always has at least its header, but a file
    # without header row and a table without rows has nothing: say so in table words.
    first = next(blocks, None)
    if first is None:
        raise TableError(
            f"The table has no rows and file '{file.name}' has no header row: there is nothing "
            "to upload.",
        )
    yield first
    yield from blocks


# -- download -----------------------------------------------------------------------------------


def export_table(
    client: Client,
    export: str,
    *,
    kind: TableKind,
    typed: bool = True,
    workspace: str | None = None,
    model: str | None = None,
    concurrency: int | None = None,
    on_progress: TransferProgress | None = None,
) -> Any:
    """Download an export's output file and parse it with the export's metadata."""
    found = client.resolve("export", export, workspace=workspace, model=model)
    metadata = client.export_metadata(found.id, workspace=workspace, model=model)
    return _download_table(
        client,
        found.id,
        CsvLayout.of_export(metadata),
        header_names=metadata.header_names,
        data_types=metadata.data_types,
        kind=kind,
        typed=typed,
        what=f"export '{found.name}' ({found.id})",
        workspace=workspace,
        model=model,
        concurrency=concurrency,
        on_progress=on_progress,
    )


def download_table(
    client: Client,
    file: str,
    *,
    kind: TableKind,
    typed: bool = True,
    workspace: str | None = None,
    model: str | None = None,
    concurrency: int | None = None,
    on_progress: TransferProgress | None = None,
) -> Any:
    """Download a file as a table: an export's output with the export's layout and types, an
    import data source with its own layout (every column text: data sources carry no types)."""
    check_kind(kind)
    found: File = client.resolve("file", file, workspace=workspace, model=model)
    # Export output files list no layout (api-notes §4.4); their export has it.
    if found.separator is None and any(
        e.id == found.id for e in client.exports(workspace=workspace, model=model)
    ):
        return export_table(
            client,
            found.id,
            kind=kind,
            typed=typed,
            workspace=workspace,
            model=model,
            concurrency=concurrency,
            on_progress=on_progress,
        )
    return _download_table(
        client,
        found.id,
        CsvLayout.of_file(found),
        header_names=(),
        data_types=(),
        kind=kind,
        typed=typed,
        what=f"file '{found.name}' ({found.id})",
        workspace=workspace,
        model=model,
        concurrency=concurrency,
        on_progress=on_progress,
    )


def _download_table(
    client: Client,
    file_id: str,
    layout: CsvLayout,
    *,
    header_names: Sequence[str],
    data_types: Sequence[str],
    kind: TableKind,
    typed: bool,
    what: str,
    workspace: str | None,
    model: str | None,
    concurrency: int | None,
    on_progress: TransferProgress | None,
) -> Any:
    pa = require_pyarrow()
    pipe = BytePipe(_PIPE_CAPACITY)

    def produce() -> None:
        try:
            client.download(
                file_id,
                pipe,
                workspace=workspace,
                model=model,
                concurrency=concurrency,
                resume=False,
                on_progress=on_progress,
            )
        except BaseException as exc:  # handed to the parsing thread, which raises it
            pipe.fail(exc)
        else:
            pipe.close()

    worker = threading.Thread(target=produce, name="pyanaplan-table-download", daemon=True)
    worker.start()
    try:
        reader = read_csv(
            pipe, layout, header_names=header_names, data_types=data_types, typed=typed, what=what
        )
    except BaseException:
        _stop(pipe, worker)
        raise
    batches = _joined(reader, pipe, worker)
    stream = pa.RecordBatchReader.from_batches(reader.schema, batches)
    try:
        return to_kind(stream, kind)
    except BaseException:
        if kind != "batches":
            batches.close()
        raise


def _joined(
    reader: pa.RecordBatchReader, pipe: BytePipe, worker: threading.Thread
) -> Iterator[pa.RecordBatch]:
    """The reader's batches; at the end, the download must have finished without error."""
    try:
        yield from reader
        worker.join()
        pipe.raise_failure()
    finally:
        _stop(pipe, worker)


def _stop(pipe: BytePipe, worker: threading.Thread) -> None:
    pipe.abort()
    worker.join()


class _PipeAborted(Exception):
    """Raised in the download thread when the parser stopped reading."""


class BytePipe:
    """A bounded, thread-safe byte pipe: one writer thread, one reader thread.

    `write` blocks while more than `capacity` bytes wait to be read (a single larger write is
    accepted when the pipe is empty); `read` blocks until bytes arrive, the writer closes (b""),
    or the writer fails (its exception is raised in the reader).
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._pieces: deque[memoryview] = deque()
        self._size = 0
        self._closed = False
        self._aborted = False
        self._error: BaseException | None = None
        self._cond = threading.Condition()

    # -- writer side (a binary file object for Client.download) --------------------------------
    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        with self._cond:
            while self._size and self._size + len(view) > self._capacity and not self._aborted:
                self._cond.wait()
            if self._aborted:
                raise _PipeAborted("the table reader stopped")
            self._pieces.append(view)
            self._size += len(view)
            self._cond.notify_all()
        return len(view)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        """End of data (the writer finished)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def fail(self, error: BaseException) -> None:
        """The writer failed: the reader raises `error` instead of seeing the end."""
        with self._cond:
            self._error = error
            self._closed = True
            self._cond.notify_all()

    # -- reader side ---------------------------------------------------------------------------
    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        with self._cond:
            while not self._pieces and not self._closed:
                self._cond.wait()
            if not self._pieces:
                self.raise_failure()
                return b""
            piece = self._pieces.popleft()
            if 0 <= size < len(piece):
                self._pieces.appendleft(piece[size:])
                piece = piece[:size]
            self._size -= len(piece)
            self._cond.notify_all()
        return bytes(piece)

    def raise_failure(self) -> None:
        """Raise the writer's error, if it failed (not when the reader itself aborted)."""
        if self._error is not None and not isinstance(self._error, _PipeAborted):
            raise self._error

    def abort(self) -> None:
        """The reader stops: pending and further writes fail, buffered bytes are dropped."""
        with self._cond:
            self._aborted = True
            self._pieces.clear()
            self._size = 0
            self._cond.notify_all()


def check_table_args(
    *, as_table: str | None, target: Any = None, wait: bool = True, check: bool = True
) -> TableKind | None:
    """Validate ``as_table`` with the arguments it excludes, before any network call."""
    if as_table is None:
        return None
    if target is not None:
        raise ConfigError(
            "Pass either a download target or as_table=, not both.",
            hint="as_table returns the data; a target writes the file.",
        )
    if not wait or not check:
        raise ConfigError(
            "as_table needs the export to finish successfully: leave wait and check on.",
        )
    return check_kind(as_table)
