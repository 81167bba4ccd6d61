"""Upload a file to Anaplan: plan, send in parallel, verify, resume (STYLE habit 9).

Flow for a source of known size above `SINGLE_PUT_MAX` (reference §4.5):

1. Plan the chunks (`plan.py`) and look for resume state (`_journal.py`).
2. Resuming: check with `GET …/chunks` that the journal's chunks are still on the server (an open
   upload keeps them); otherwise start over. Every chunk is read anyway (for the whole-file hash);
   a journaled chunk whose bytes no longer match its journaled digest is sent again.
3. Starting: `POST …/files/{id}` with `chunkCount: -1`, so the chunk list shows exactly which
   chunks arrived (with a fixed count it would list `0…N-1` regardless, §4.5.5). The response's
   file id must be the requested one: an unknown id makes the server create a stray file (§10.13).
4. PUT the missing chunks, gzipped, in parallel (`_sender.py`); journal each acknowledgement.
5. `POST …/complete` with a JSON body (§4.5.3, §10.14), then verify that the server's chunk list
   is exactly `0…N-1`, and, for sources up to `VERIFY_CONTENT_MAX`, that the server's bytes hash
   to what was sent. Any mismatch raises `TransferError`: never a silent success.

Two uploads to the same file interleave their chunks. On one machine a lock per server file
(`_lock.py`) makes the second wait briefly, then refuse. Across machines nothing in the protocol
prevents it; the checks in step 5 catch a mix whose chunk count differs, and any mix of a small
file; a large file mixed from two sources of the same chunk count is not detected.

Small sources go up in one uncompressed PUT (§4.5.4). Iterators and other streams of unknown size
use the same `-1`/complete protocol, read front to back, without resume.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from pyanaplan.errors import (
    AnaplanError,
    AuthenticationError,
    ConfigError,
    NameResolutionError,
    NotFoundError,
    PermissionDeniedError,
    TransferError,
)
from pyanaplan.http._session import ApiSession
from pyanaplan.transfer._hashing import BackgroundHasher
from pyanaplan.transfer._journal import (
    UploadFingerprint,
    UploadJournal,
    UploadKey,
    chunk_digest,
)
from pyanaplan.transfer._lock import upload_lock
from pyanaplan.transfer._sender import ChunkFailed, ChunkSender
from pyanaplan.transfer._sources import KnownSizeSource, StreamSource, open_source
from pyanaplan.transfer._upload_steps import (
    VERIFY_CONTENT_MAX,
    UploadContext,
    chunk_ids_or_none,
    complete_and_verify,
    list_chunk_ids,
    start_upload,
    verify_content,
)
from pyanaplan.transfer.plan import (
    DEFAULT_COMPRESS_LEVEL,
    DEFAULT_CONCURRENCY,
    MAX_CHUNK_SIZE,
    MAX_CHUNKS,
    MAX_CONCURRENCY,
    MIN_CHUNK_SIZE,
    SINGLE_PUT_MAX,
    check_chunk_size,
    find_last_separator,
    plan_upload,
)
from pyanaplan.transfer.progress import ProgressCallback, call_progress

__all__ = [
    "MAX_CONCURRENCY",
    "VERIFY_CONTENT_MAX",
    "UploadResult",
    "list_chunk_ids",
    "upload_file",
]

log = logging.getLogger(__name__)

# Read/write timeout for the complete call and the single PUT (per socket operation).
_LONG_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class UploadResult:
    """What an upload did.

    Attributes:
        file_id: The server file's id (the new one when the file was created).
        file_name: The file's name.
        size: Source size in bytes.
        chunks: Number of chunks the file now has on the server.
        chunks_sent: Chunks sent by this call.
        chunks_skipped: Chunks an earlier, interrupted run had already sent (resumed).
        compressed_bytes: Bytes of chunk bodies sent by this call (gzipped when compressing).
        elapsed_s: Wall-clock seconds.
        sha256: Hex SHA-256 of the whole source, computed while reading it.
    """

    file_id: str
    file_name: str
    size: int
    chunks: int
    chunks_sent: int
    chunks_skipped: int
    compressed_bytes: int
    elapsed_s: float
    sha256: str


def upload_file(
    session: ApiSession,
    source: Any,
    *,
    workspace_id: str,
    model_id: str,
    file_id: str | None,
    file_name: str,
    create: bool = False,
    chunk_size: int | None = None,
    concurrency: int | None = None,
    compress: bool = True,
    compress_level: int | None = None,
    resume: bool = True,
    align_rows: bool = False,
    cache_dir: Path,
    on_progress: ProgressCallback | None = None,
    min_chunk_size: int = MIN_CHUNK_SIZE,
) -> UploadResult:
    """Upload `source` as the content of an Anaplan file.

    Args:
        session: The API session.
        source: A path, a binary file object, bytes, or an iterator of bytes.
        workspace_id: Workspace id.
        model_id: Model id.
        file_id: The existing file's id; None to create a file named `file_name` (needs `create`).
        file_name: The file's name (used in messages and to create it).
        create: Allow creating a new file when `file_id` is None.
        chunk_size: Bytes of source per chunk (1 MiB–50 MB); None for the default. Grown
            automatically to stay within 1,000 chunks.
        concurrency: Chunks in flight at once (1–16); None for the default.
        compress: Gzip each chunk (the single PUT for small sources is never gzipped, §10.14).
        compress_level: Gzip level 0–9; None for the default (1).
        resume: Reuse saved resume state so a rerun after a crash sends only missing chunks.
            False ignores saved state but still records new state, so an interrupted restart
            can itself be resumed.
        align_rows: Cut chunks after the last newline so each chunk holds whole rows.
        cache_dir: The user cache dir; resume state goes in `cache_dir/uploads/`.
        on_progress: `on_progress(done_bytes, total_bytes)`; may be called from worker threads
            (one call at a time); total is None for streams.
        min_chunk_size: Smallest accepted chunk size (lowered only by tests).

    Returns:
        An `UploadResult`.

    Raises:
        ConfigError: Bad arguments, an unreadable source, or a source too big for 1,000 chunks.
        TransferError: A chunk failed, the server's chunk list (or, for small sources, its
            content) does not match what was sent, the file vanished (the server would have
            created a stray file), or another process on this machine is uploading to the
            same file.
        AuthenticationError, PermissionDeniedError, NotFoundError: Raised as they come.
    """
    started = time.monotonic()
    if file_id is None and not create:
        raise ConfigError(
            f"File '{file_name}' does not exist in model {model_id}.",
            hint="Check the file name, or pass create=True (--create) to create a new file.",
        )
    workers = DEFAULT_CONCURRENCY if concurrency is None else concurrency
    if not 1 <= workers <= MAX_CONCURRENCY:
        raise ConfigError(f"Concurrency must be between 1 and {MAX_CONCURRENCY} (got {workers}).")
    level = DEFAULT_COMPRESS_LEVEL if compress_level is None else compress_level
    if not 0 <= level <= 9:
        raise ConfigError(f"Gzip level must be between 0 and 9 (got {level}).")
    size_hint = check_chunk_size(chunk_size, min_chunk_size=min_chunk_size)
    ctx = UploadContext(session, workspace_id, model_id, file_name, on_progress)
    key = UploadKey(session.base_url, workspace_id, model_id, file_name)
    src = open_source(source)
    try:
        if src.size == 0:
            raise _empty_source(file_name)
        # One upload per server file at a time on this machine: two would mix their chunks.
        with upload_lock(cache_dir, key.digest(), label=ctx.label(file_id)):
            if isinstance(src, StreamSource):
                return _upload_stream(
                    ctx, src, file_id, size_hint, workers, compress, level, started=started
                )
            if src.size <= SINGLE_PUT_MAX and file_id is not None:
                return _single_put(ctx, src, file_id, started=started)
            return _upload_known(
                ctx,
                src,
                file_id,
                chunk_size=chunk_size,
                min_chunk_size=min_chunk_size,
                workers=workers,
                compress=compress,
                level=level,
                resume=resume,
                align_rows=align_rows,
                cache_dir=cache_dir,
                started=started,
            )
    finally:
        src.close()


def _empty_source(file_name: str) -> ConfigError:
    # An empty upload would silently replace the server file's content with nothing.
    return ConfigError(
        f"The source for '{file_name}' is empty (0 bytes); nothing to upload.",
        hint="Check the path; use `pyanaplan delete FILE` to clear a file's content on purpose.",
    )


def _single_put(
    ctx: UploadContext, src: KnownSizeSource, file_id: str, *, started: float
) -> UploadResult:
    data = src.read_at(0, src.size)
    ctx.session.request(
        "PUT",
        ctx.file_path(file_id),
        content=data,
        headers={"Content-Type": "application/octet-stream"},
        timeout_s=_LONG_TIMEOUT_S,
    )
    listed = list_chunk_ids(ctx.session, ctx.file_path(file_id))
    if len(listed) != 1:
        raise TransferError(
            f"Uploaded {ctx.label(file_id)} in one request, but the server lists "
            f"{len(listed)} chunks instead of 1."
        )
    verify_content(ctx, file_id, src.size, hashlib.sha256(data).hexdigest(), None)
    call_progress(ctx.on_progress, src.size, src.size)
    return UploadResult(
        file_id=file_id,
        file_name=ctx.file_name,
        size=src.size,
        chunks=1,
        chunks_sent=1,
        chunks_skipped=0,
        compressed_bytes=len(data),
        elapsed_s=time.monotonic() - started,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _upload_known(
    ctx: UploadContext,
    src: KnownSizeSource,
    file_id: str | None,
    *,
    chunk_size: int | None,
    min_chunk_size: int,
    workers: int,
    compress: bool,
    level: int,
    resume: bool,
    align_rows: bool,
    cache_dir: Path,
    started: float,
) -> UploadResult:
    separator = (lambda s, e: find_last_separator(src.read_at, s, e)) if align_rows else None
    plan = plan_upload(
        src.size, chunk_size, min_chunk_size=min_chunk_size, last_separator=separator
    )
    journal: UploadJournal | None = None
    if src.resumable:
        key = UploadKey(ctx.session.base_url, ctx.workspace_id, ctx.model_id, ctx.file_name)
        fingerprint = UploadFingerprint(
            size=src.size,
            mtime_ns=src.mtime_ns,
            content_hash=src.fingerprint(),
            chunk_size=plan.chunk_size,
            chunk_count=plan.count,
            compress=compress,
            row_aligned=align_rows,
        )
        journal = UploadJournal.open(cache_dir, key, fingerprint, file_id=file_id)
        if not resume:
            # --restart: ignore what was sent before, but journal this run so that it can
            # itself be resumed after a crash or Ctrl-C.
            journal.restart(file_id)

    skip: set[int] = set()
    server_id: str | None = None
    if journal is not None and journal.resumable:
        server_id = journal.file_id
        assert server_id is not None
        listed = chunk_ids_or_none(ctx.session, ctx.file_path(server_id))
        wanted = {str(i) for i in journal.chunks_done}
        if listed is not None and wanted <= listed:
            skip = set(journal.chunks_done)
            log.info(
                "Resuming upload of %s: %d of %d chunks already sent",
                ctx.label(server_id),
                len(skip),
                plan.count,
            )
        else:
            log.info(
                "Server no longer holds the earlier chunks of %s; starting over",
                ctx.label(server_id),
            )
            server_id = None
    if server_id is None:
        server_id = start_upload(ctx, file_id)
        if journal is not None:
            journal.restart(server_id)

    hasher = BackgroundHasher()
    # Skipped chunks count as done from the start. A skipped chunk found stale below is sent
    # again without being counted twice, so progress never runs backwards.
    precounted = frozenset(skip)
    stats = _Stats(done_bytes=sum(plan.chunks[i].length for i in skip))
    call_progress(ctx.on_progress, stats.done_bytes, src.size)
    # Digest of each chunk in flight, written before it is submitted, read by its acknowledgement.
    digests: dict[int, str] = {}

    def on_ack(index: int, raw_length: int, body_length: int) -> None:
        if journal is not None:
            journal.record(index, digests[index])
        stats.sent += 1
        stats.body_bytes += body_length
        if index not in precounted:
            stats.done_bytes += raw_length
        call_progress(ctx.on_progress, stats.done_bytes, src.size)

    base = ctx.file_path(server_id)
    sender = ChunkSender(
        ctx.session,
        lambda i: f"{base}/chunks/{i}",
        concurrency=workers,
        compress=compress,
        level=level,
        on_ack=on_ack,
    )
    try:
        for span in plan.chunks:
            # Read (and hash) the next chunk while the workers are busy, then wait for a slot:
            # at most concurrency + 1 chunks are in memory.
            data = src.read_at(span.offset, span.length)
            if len(data) != span.length:
                raise TransferError(
                    f"The source shrank while uploading {ctx.label(server_id)}: expected "
                    f"{span.length} bytes at offset {span.offset}, read {len(data)}.",
                    hint="Do not change the file while it uploads; run the upload again.",
                )
            hasher.update(data)
            if journal is not None:
                chunk_hex = chunk_digest(data)
                if span.index in skip and chunk_hex != journal.chunk_digests.get(span.index):
                    # Edited since the server got it, though size, mtime and the edge
                    # fingerprint are unchanged (e.g. `cp -p`): the server's copy is stale.
                    log.info(
                        "Chunk %d of %s changed since it was sent; sending it again",
                        span.index,
                        ctx.label(server_id),
                    )
                    skip.discard(span.index)
                if span.index not in skip:
                    digests[span.index] = chunk_hex
            if span.index not in skip:
                sender.wait_for_slot()
                sender.submit(span.index, data)
            del data
        sender.finish()
        digest = hasher.hexdigest()
        if not src.unchanged():
            if journal is not None:
                journal.discard()
            raise TransferError(
                f"The source changed while uploading {ctx.label(server_id)}; the upload was "
                "not completed.",
                hint="Do not change the file while it uploads; run the upload again.",
            )
    except ChunkFailed as failed:
        sender.abort()
        hasher.close()
        _raise_chunk_error(ctx, server_id, failed, plan.count)
    except BaseException:
        sender.abort()
        hasher.close()
        raise

    complete_and_verify(ctx, server_id, plan.count, journal, size=src.size, sha256=digest)
    return UploadResult(
        file_id=server_id,
        file_name=ctx.file_name,
        size=src.size,
        chunks=plan.count,
        chunks_sent=stats.sent,
        chunks_skipped=len(skip),
        compressed_bytes=stats.body_bytes,
        elapsed_s=time.monotonic() - started,
        sha256=digest,
    )


def _upload_stream(
    ctx: UploadContext,
    src: StreamSource,
    file_id: str | None,
    chunk_size: int,
    workers: int,
    compress: bool,
    level: int,
    *,
    started: float,
) -> UploadResult:
    first = src.read(max(chunk_size, SINGLE_PUT_MAX + 1))
    if not first:
        raise _empty_source(ctx.file_name)
    if len(first) <= SINGLE_PUT_MAX and file_id is not None:
        small = open_source(first)
        assert isinstance(small, KnownSizeSource)
        return _single_put(ctx, small, file_id, started=started)

    server_id = start_upload(ctx, file_id)
    hasher = BackgroundHasher()
    stats = _Stats()

    def on_ack(index: int, raw_length: int, body_length: int) -> None:
        stats.sent += 1
        stats.body_bytes += body_length
        stats.done_bytes += raw_length
        call_progress(ctx.on_progress, stats.done_bytes, None)

    base = ctx.file_path(server_id)
    sender = ChunkSender(
        ctx.session,
        lambda i: f"{base}/chunks/{i}",
        concurrency=workers,
        compress=compress,
        level=level,
        on_ack=on_ack,
    )
    size = 0
    count = 0
    try:
        # The first read may be longer than a chunk (it decides single PUT vs chunks).
        pending = first
        while True:
            data, pending = pending[:chunk_size], pending[chunk_size:]
            if len(data) < chunk_size:
                data += src.read(chunk_size - len(data))
            if not data and count > 0:
                break
            if count >= MAX_CHUNKS:
                raise TransferError(
                    f"The stream for {ctx.label(server_id)} needs more than {MAX_CHUNKS} chunks "
                    f"of {chunk_size} bytes.",
                    hint=f"Pass a larger chunk_size (up to {MAX_CHUNK_SIZE} bytes).",
                )
            sender.wait_for_slot()
            hasher.update(data)
            size += len(data)
            sender.submit(count, data)
            count += 1
            if len(data) < chunk_size:
                break
        sender.finish()
        digest = hasher.hexdigest()
    except ChunkFailed as failed:
        sender.abort()
        hasher.close()
        _raise_chunk_error(ctx, server_id, failed, None)
    except BaseException:
        sender.abort()
        hasher.close()
        raise
    complete_and_verify(ctx, server_id, count, None, size=size, sha256=digest)
    return UploadResult(
        file_id=server_id,
        file_name=ctx.file_name,
        size=size,
        chunks=count,
        chunks_sent=stats.sent,
        chunks_skipped=0,
        compressed_bytes=stats.body_bytes,
        elapsed_s=time.monotonic() - started,
        sha256=digest,
    )


@dataclass
class _Stats:
    sent: int = 0
    body_bytes: int = 0
    done_bytes: int = 0


def _raise_chunk_error(
    ctx: UploadContext, server_id: str, failed: ChunkFailed, count: int | None
) -> NoReturn:
    error = _chunk_error(ctx, server_id, failed, count)
    if error is failed.error:
        raise error
    raise error from failed.error


def _chunk_error(
    ctx: UploadContext, server_id: str, failed: ChunkFailed, count: int | None
) -> BaseException:
    error = failed.error
    if not isinstance(error, Exception):
        return error  # KeyboardInterrupt / SystemExit from a callback: not a transfer problem
    # These need the user to act (credentials, access, a vanished file): raise them as they are.
    if isinstance(
        error,
        AuthenticationError | PermissionDeniedError | NotFoundError | NameResolutionError,
    ):
        return error
    of = f" of {count}" if count is not None else ""
    if not isinstance(error, AnaplanError):
        return TransferError(
            f"Chunk {failed.index}{of} of {ctx.label(server_id)} failed: "
            f"{type(error).__name__}: {error}"
        )
    return TransferError(
        f"Chunk {failed.index}{of} of {ctx.label(server_id)} failed: {error.message}",
        hint="Run the upload again: it resumes and sends only the missing chunks.",
    )
