"""Download a file (or a dump) from Anaplan: chunks in parallel, written in order, resumable.

Flow (reference §4.5.5, §4.5.6):

1. `GET …/chunks` lists the chunk ids. One chunk or none: `GET` the whole resource instead.
2. Chunks are fetched with bounded parallelism (at most `concurrency` held in memory) and written
   in order to `<target>.part`.
3. At the end the chunk list is fetched again (it must be unchanged), the `.part` file is synced
   and renamed over the target atomically. A failure never leaves a truncated target.

Resume across runs never returns content the server no longer holds. The API offers no size,
date or checksum for a file, and a file replaced by one of the same shape keeps its chunk ids, so
chunks kept from an earlier run are proven current only through a *content version* the caller
supplies: for an export's output, the export's tasks (`tasks.run.export_output_version`): a new
run of the export changes it. With a content version, a sidecar `<target>.part.json` records
progress after each chunk, and a rerun keeps the chunks only if the version is the same; the
version is checked again before the rename, so content rewritten during the download is never
committed. Without one (an uploaded file), nothing ties kept chunks to the server's current
content, so a rerun fetches every chunk again.

Dumps (`tasks/dumps.py`) use the same `download_chunked` with their own paths: one code path.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pyanaplan.errors import ConfigError, LocalFileError, TransferError, local_file_error
from pyanaplan.http._session import ApiSession
from pyanaplan.transfer._hashing import BackgroundHasher
from pyanaplan.transfer._journal import DownloadJournal
from pyanaplan.transfer.plan import DEFAULT_DOWNLOAD_CONCURRENCY
from pyanaplan.transfer.progress import ProgressCallback, call_progress

__all__ = ["DownloadResult", "download_chunked", "download_file"]

log = logging.getLogger(__name__)

#: Upper bound on download `concurrency`.
MAX_DOWNLOAD_CONCURRENCY = 16
# Read timeout per socket operation for chunk and whole-file GETs.
_CHUNK_TIMEOUT_S = 300.0
_HASH_BLOCK = 1024 * 1024


@dataclass(frozen=True)
class DownloadResult:
    """What a download did.

    Attributes:
        path: The written file, or None when the target was a file object.
        size: Bytes written.
        chunks: Chunks the server listed (0 or 1 when the whole resource was fetched at once).
        elapsed_s: Wall-clock seconds.
        sha256: Hex SHA-256 of the content.
        chunks_skipped: Chunks already in `.part` from an interrupted run (resumed).
    """

    path: Path | None
    size: int
    chunks: int
    elapsed_s: float
    sha256: str
    chunks_skipped: int = 0


def download_file(
    session: ApiSession,
    target: str | os.PathLike[str] | IO[bytes],
    *,
    workspace_id: str,
    model_id: str,
    file_id: str,
    file_name: str,
    concurrency: int | None = None,
    resume: bool = True,
    on_progress: ProgressCallback | None = None,
    content_version: Callable[[], str] | None = None,
) -> DownloadResult:
    """Download a file's content to a path or a binary file object.

    Args:
        session: The API session.
        target: Destination path (written via `<target>.part`, then renamed), or a binary file
            object (written in order; no resume).
        workspace_id: Workspace id.
        model_id: Model id.
        file_id: File id (an export's output file has the export's id, §4.5.6).
        file_name: The file's name, for messages.
        concurrency: Chunks fetched at once (1–16); None for the default.
        resume: Continue an interrupted download of the same content into the same target
            (only possible with `content_version`); False starts over but still records
            progress, so an interrupted restart can itself be resumed.
        on_progress: `on_progress(done_bytes, None)`: chunk lists carry no sizes.
        content_version: Returns a token that changes whenever the server content may have
            changed (an export's tasks). It ties kept chunks to that content; without it a
            rerun starts over, because nothing else proves the kept chunks are current.

    Returns:
        A `DownloadResult`.

    Raises:
        NotFoundError: The file does not exist or has no content for this user (§4.5.6).
        TransferError: The chunk list or the content version changed during the download, or
            a size check failed.
        ConfigError: Bad arguments.
    """
    base = f"/workspaces/{workspace_id}/models/{model_id}/files/{file_id}"
    result = download_chunked(
        session,
        target,
        chunks_path=f"{base}/chunks",
        chunk_path=lambda chunk_id: f"{base}/chunks/{chunk_id}",
        whole_path=base,
        label=f"file '{file_name}' ({file_id}) in model {model_id}",
        concurrency=concurrency,
        resume=resume,
        on_progress=on_progress,
        content_version=content_version,
    )
    assert result is not None  # files never answer 204
    return result


def download_chunked(
    session: ApiSession,
    target: str | os.PathLike[str] | IO[bytes],
    *,
    chunks_path: str,
    chunk_path: Callable[[str], str],
    whole_path: str,
    label: str,
    concurrency: int | None = None,
    resume: bool = True,
    on_progress: ProgressCallback | None = None,
    chunk_ids: list[str] | None = None,
    empty_ok: bool = False,
    content_version: Callable[[], str] | None = None,
) -> DownloadResult | None:
    """Fetch a chunked resource (file or dump) into `target`.

    Args:
        session: The API session.
        target: Path or binary file object.
        chunks_path: Path of the chunk list.
        chunk_path: Chunk id -> path of that chunk.
        whole_path: Path that returns the whole content (used for 0–1 chunks).
        label: Names the resource in messages.
        concurrency: Chunks in flight (1–16); None for the default.
        resume: Reuse `.part` progress of an earlier run (needs `content_version`).
        on_progress: Byte progress callback (total is None).
        chunk_ids: The chunk list when the caller already fetched it.
        empty_ok: A 204 on `whole_path` means "nothing to download" (dumps, §4.7.1): return None.
        content_version: See `download_file`; None keeps no resume state.

    Returns:
        The result, or None when `empty_ok` and the server had nothing.
    """
    started = time.monotonic()
    workers = DEFAULT_DOWNLOAD_CONCURRENCY if concurrency is None else concurrency
    if not 1 <= workers <= MAX_DOWNLOAD_CONCURRENCY:
        raise ConfigError(
            f"Concurrency must be between 1 and {MAX_DOWNLOAD_CONCURRENCY} (got {workers})."
        )
    version = content_version() if content_version is not None else None
    ids = chunk_ids if chunk_ids is not None else _list_ids(session, chunks_path)
    try:
        sink = _Sink.open(
            target,
            resume=resume,
            source=f"{session.base_url}{chunks_path}",
            ids=ids,
            version=version,
        )
    except OSError as exc:
        raise _local_write_error(target, label, exc) from exc
    try:
        if len(ids) <= 1:
            written = _fetch_whole(session, whole_path, sink, empty_ok=empty_ok)
            if written is None:
                sink.abandon()
                return None
        else:
            _fetch_chunks(session, ids, chunk_path, sink, workers, on_progress, label)
            again = _list_ids(session, chunks_path)
            if again != ids:
                sink.abandon()
                raise _changed(label, f"{len(ids)} chunks before, {len(again)} after")
        if content_version is not None and content_version() != version:
            # Rewritten while we read it (e.g. the export ran again): the bytes may be a mix.
            sink.abandon()
            raise _changed(label, "a new run may have rewritten it")
        path = sink.commit()
    except OSError as exc:
        # Local I/O (disk full, file too large, read-only target): one clear sentence, not a
        # bare OSError; network errors never get here, http/ wraps them as TransportError.
        sink.close_on_error()
        raise _local_write_error(target, label, exc) from exc
    except BaseException:
        sink.close_on_error()
        raise
    call_progress(on_progress, sink.size, sink.size)
    return DownloadResult(
        path=path,
        size=sink.size,
        chunks=len(ids),
        elapsed_s=time.monotonic() - started,
        sha256=sink.hasher.hexdigest(),
        chunks_skipped=sink.skipped,
    )


def _changed(label: str, detail: str) -> TransferError:
    return TransferError(
        f"The {label} changed while it was downloading ({detail}); nothing was saved.",
        hint="Download it again once nothing is writing to it.",
    )


def _local_write_error(target: Any, label: str, exc: OSError) -> LocalFileError:
    return local_file_error(
        exc,
        action=f"write the {label} to",
        path=target,
        then="Run the download again.",
    )


def _list_ids(session: ApiSession, chunks_path: str) -> list[str]:
    return [str(c.get("id")) for c in session.paged(chunks_path, "chunks")]


def _fetch_whole(
    session: ApiSession, whole_path: str, sink: _Sink, *, empty_ok: bool
) -> int | None:
    response = session.request(
        "GET", whole_path, timeout_s=_CHUNK_TIMEOUT_S, expect=(204,) if empty_ok else ()
    )
    if response.status_code == 204:
        return None
    sink.restart()
    sink.write(response.content)
    return len(response.content)


def _fetch_chunks(
    session: ApiSession,
    ids: list[str],
    chunk_path: Callable[[str], str],
    sink: _Sink,
    workers: int,
    on_progress: ProgressCallback | None,
    label: str,
) -> None:
    start = sink.resume_point()
    call_progress(on_progress, sink.size, None)
    if start < len(ids):
        log.debug("Fetching %d of %d chunks of %s", len(ids) - start, len(ids), label)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pyanaplan-download")
    futures: dict[int, Future[bytes]] = {}
    try:
        next_submit = start
        for position in range(start, len(ids)):
            # `workers` chunks in flight or waiting to be written, no more: peak memory is about
            # workers + 2 chunks (those, the one being hashed and the hasher's queue), measured
            # in docs/benchmarks.md.
            while next_submit < len(ids) and next_submit < position + workers:
                chunk_id = ids[next_submit]
                futures[next_submit] = pool.submit(_get_chunk, session, chunk_path(chunk_id))
                next_submit += 1
            data = futures.pop(position).result()
            sink.write_chunk(data)
            del data
            call_progress(on_progress, sink.size, None)
    finally:
        for future in futures.values():
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _get_chunk(session: ApiSession, path: str) -> bytearray | memoryview:
    # One buffer per chunk (not httpx2's pieces plus their join); a connection dropped mid-body
    # is retried with the whole chunk, and a short body is a transport error.
    return session.get_body(path, timeout_s=_CHUNK_TIMEOUT_S)


class _Sink:
    """Where downloaded bytes go: `<target>.part` (+ sidecar) or a caller's file object."""

    def __init__(
        self,
        fh: IO[bytes],
        *,
        target: Path | None,
        part: Path | None,
        journal: DownloadJournal | None,
    ) -> None:
        self.fh = fh
        self.target = target
        self.part = part
        self.journal = journal
        self.hasher = BackgroundHasher()
        self.size = 0
        self.skipped = 0
        self._owns = target is not None
        self._abandoned = False

    @classmethod
    def open(
        cls, target: Any, *, resume: bool, source: str, ids: list[str], version: str | None
    ) -> _Sink:
        if hasattr(target, "write"):
            return cls(target, target=None, part=None, journal=None)
        if not isinstance(target, str | os.PathLike):
            raise ConfigError(
                f"Cannot download into a {type(target).__name__}: pass a path or a binary "
                "file object."
            )
        path = Path(target)
        if path.is_dir():
            raise LocalFileError(
                f"Download target {str(path)!r} is a directory; name a file.",
                path=str(path),
                hint="Pass a file path (the directory plus a file name).",
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(path.name + ".part")
        sidecar = part.with_name(part.name + ".json")
        journal: DownloadJournal | None = None
        if version is None:
            # Nothing proves that chunks kept from an earlier run are still the server's content:
            # no resume state, and a rerun starts over.
            DownloadJournal(sidecar, source, ids, "").discard()
        elif resume:
            journal = DownloadJournal.open(sidecar, source, ids, version)
        else:
            journal = DownloadJournal(sidecar, source, ids, version)
            journal.reset()  # a restart still records progress, so it can itself be resumed
        keep = part.exists() and journal is not None and journal.done > 0
        fh = open(part, "r+b" if keep else "w+b")  # noqa: SIM115
        return cls(fh, target=path, part=part, journal=journal)

    def resume_point(self) -> int:
        """How many chunks of `.part` can be kept; truncates and re-hashes that prefix.

        The journal was opened only if its content version matches the server's current one,
        which is the proof that the kept bytes are still the server's; here only the local file
        is checked (it must hold at least what the journal says was written).
        """
        journal = self.journal
        if journal is None or journal.done == 0 or self.part is None:
            self.restart()
            return 0
        on_disk = os.fstat(self.fh.fileno()).st_size
        if on_disk < journal.part_size:
            log.info("Earlier partial download of %s is incomplete; starting over", self.target)
            self.restart()
            return 0
        self.fh.truncate(journal.part_size)
        self.fh.seek(0)
        remaining = journal.part_size
        while remaining:
            block = self.fh.read(min(_HASH_BLOCK, remaining))
            if not block:
                break
            self.hasher.update(block)
            remaining -= len(block)
        self.size = journal.part_size
        self.skipped = journal.done
        self.fh.seek(self.size)
        log.info("Resuming download into %s after %d chunks", self.target, journal.done)
        return journal.done

    def restart(self) -> None:
        """Throw away anything written so far (only our own `.part`, never a caller's stream)."""
        if self.journal is not None:
            self.journal.reset()
        if self._owns:
            self.fh.seek(0)
            self.fh.truncate(0)
        elif self.size:
            raise TransferError("Cannot restart a download into a stream that was written to.")
        self.hasher.close()
        self.hasher = BackgroundHasher()
        self.size = 0
        self.skipped = 0

    def write(self, data: bytes) -> None:
        self.fh.write(data)
        self.hasher.update(data)
        self.size += len(data)

    def write_chunk(self, data: bytes) -> None:
        self.write(data)
        if self.journal is not None:
            # The bytes must be in the file before the journal says they are.
            self.fh.flush()
            self.journal.record(self.size)

    def commit(self) -> Path | None:
        """Make the download visible: fsync + atomic rename of `.part` over the target."""
        if not self._owns:
            with contextlib.suppress(AttributeError, OSError, ValueError):
                self.fh.flush()
            return None
        assert self.part is not None and self.target is not None
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        if self.part.stat().st_size != self.size:
            raise TransferError(
                f"{self.part} holds {self.part.stat().st_size} bytes, expected {self.size}."
            )
        os.replace(self.part, self.target)
        if self.journal is not None:
            self.journal.discard()
        return self.target

    def abandon(self) -> None:
        """Nothing to keep: remove `.part` and its sidecar."""
        self._abandoned = True
        self.hasher.close()
        if self._owns and self.part is not None:
            self.fh.close()
            with contextlib.suppress(FileNotFoundError):
                self.part.unlink()
            if self.journal is not None:
                self.journal.discard()

    def close_on_error(self) -> None:
        """Leave `.part` for a resume when a journal tracks it, else remove it."""
        self.hasher.close()
        if not self._owns or self.part is None or self._abandoned:
            return
        with contextlib.suppress(OSError, ValueError):
            self.fh.close()
        if self.journal is not None:
            self.journal.close()
        if self.journal is None or self.journal.done == 0:
            with contextlib.suppress(FileNotFoundError):
                self.part.unlink()
