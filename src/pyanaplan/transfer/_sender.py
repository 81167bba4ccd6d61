"""Send upload chunks in parallel with a bounded, self-adjusting number in flight.

Only in-flight chunks are held in memory: the caller waits for a free slot before it reads the
next chunk. Each worker gzips its chunk (zlib releases the GIL) and PUTs it; ApiSession retries
429/5xx/connection failures with the same bytes. When a chunk still fails with throttling or a
transient error after those retries, the window of chunks in flight halves and the chunk is sent
again later (a bounded number of times); the window creeps back up after a run of successes.
Any other failure stops the upload and is raised to the caller — never swallowed.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from pyanaplan.errors import RateLimitedError, ServerError, TransportError
from pyanaplan.http._session import ApiSession
from pyanaplan.transfer._gzip import GZIP_CONTENT_TYPE, PLAIN_CONTENT_TYPE, gzip_bytes

__all__ = ["ChunkFailed", "ChunkSender", "SendWindow", "is_transient"]

log = logging.getLogger(__name__)
#: Retries are logged here (the CLI shows them only with -v).
retry_log = logging.getLogger("pyanaplan.transfer.retry")

#: How many extra times one chunk is re-queued after the session's own retries gave up.
MAX_REQUEUES = 3
#: Read/write timeout for one chunk PUT (seconds per socket operation, not per request).
CHUNK_TIMEOUT_S = 300.0

# Statuses that mean "slow down / try later" rather than "this chunk is wrong".
_TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


class SendWindow:
    """How many chunks may be in flight: halves on throttling, grows back by one after successes.

    Used from one thread only (the uploader's main thread).
    """

    def __init__(self, limit: int) -> None:
        self.max = max(1, limit)
        self.limit = self.max
        self._streak = 0

    def throttled(self) -> None:
        """The server pushed back: halve the window (at least 1)."""
        self.limit = max(1, self.limit // 2)
        self._streak = 0

    def succeeded(self) -> None:
        """One chunk went through; after 2 × limit in a row, allow one more in flight."""
        self._streak += 1
        if self.limit < self.max and self._streak >= 2 * self.limit:
            self.limit += 1
            self._streak = 0


@dataclass
class _Job:
    index: int
    raw_length: int
    data: bytes | None
    body: bytes | None = None
    requeues: int = 0


def is_transient(exc: BaseException) -> bool:
    """True for failures worth sending the chunk again after the session's retries gave up."""
    if isinstance(exc, RateLimitedError | TransportError):
        return True
    return isinstance(exc, ServerError) and exc.status in _TRANSIENT_STATUSES


class ChunkSender:
    """Parallel chunk PUTs for one upload.

    Args:
        session: The API session (its httpx2 client is thread-safe).
        chunk_path: Chunk index -> request path.
        concurrency: Most chunks in flight.
        compress: Gzip each chunk (`application/x-gzip`) or send it as is.
        level: Gzip level 0–9.
        on_ack: Called from the worker thread right after a chunk is acknowledged, with
            (index, raw_length, body_length); calls are serialised by a lock.
    """

    def __init__(
        self,
        session: ApiSession,
        chunk_path: Callable[[int], str],
        *,
        concurrency: int,
        compress: bool,
        level: int,
        on_ack: Callable[[int, int, int], None],
    ) -> None:
        self._session = session
        self._chunk_path = chunk_path
        self._compress = compress
        self._level = level
        self._on_ack = on_ack
        self._ack_lock = threading.Lock()
        self.window = SendWindow(concurrency)
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, concurrency), thread_name_prefix="pyanaplan-upload"
        )
        self._pending: dict[Future[int], _Job] = {}
        self._requeued: deque[_Job] = deque()
        self._failure: tuple[int, BaseException] | None = None

    # ---- main-thread API ---------------------------------------------------------------------
    def wait_for_slot(self) -> None:
        """Block until another chunk may be read and sent; raise if a chunk has failed."""
        self._raise_if_failed()
        self._resubmit()
        while len(self._pending) >= self.window.limit:
            self._collect()
            self._raise_if_failed()
            self._resubmit()

    def submit(self, index: int, data: bytes) -> None:
        """Queue chunk `index` (call `wait_for_slot` first to bound memory)."""
        self._start(_Job(index, len(data), data))

    def finish(self) -> None:
        """Wait for every chunk, re-sending throttled ones; raise the first failure."""
        while self._pending or self._requeued:
            self._raise_if_failed()
            self._resubmit()
            if self._pending:
                self._collect()
        self._raise_if_failed()
        self._pool.shutdown(wait=True)

    def abort(self) -> None:
        """Drop queued chunks and wait for the ones already on the wire (they may still ack)."""
        self._requeued.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)

    # ---- internals ---------------------------------------------------------------------------
    def _start(self, job: _Job) -> None:
        self._pending[self._pool.submit(self._run, job)] = job

    def _resubmit(self) -> None:
        while self._requeued and len(self._pending) < self.window.limit:
            self._start(self._requeued.popleft())

    def _collect(self) -> None:
        done, _ = wait(list(self._pending), return_when=FIRST_COMPLETED)
        for future in done:
            job = self._pending.pop(future)
            if future.cancelled():
                continue
            exc = future.exception()
            if exc is None:
                self.window.succeeded()
            elif is_transient(exc) and job.requeues < MAX_REQUEUES and self._failure is None:
                job.requeues += 1
                self.window.throttled()
                retry_log.warning(
                    "Chunk %d: %s; sending it again later with at most %d chunks in flight",
                    job.index,
                    exc,
                    self.window.limit,
                )
                self._requeued.append(job)
            elif self._failure is None:
                self._failure = (job.index, exc)

    def _raise_if_failed(self) -> None:
        if self._failure is not None:
            index, exc = self._failure
            raise ChunkFailed(index, exc)

    def _run(self, job: _Job) -> int:
        if job.body is None:
            data = job.data if job.data is not None else b""
            job.body = gzip_bytes(data, self._level) if self._compress else data
            job.data = None  # keep only what is sent
        self._session.request(
            "PUT",
            self._chunk_path(job.index),
            content=job.body,
            headers={"Content-Type": GZIP_CONTENT_TYPE if self._compress else PLAIN_CONTENT_TYPE},
            timeout_s=CHUNK_TIMEOUT_S,
            retry=True,
        )
        with self._ack_lock:
            self._on_ack(job.index, job.raw_length, len(job.body))
        return len(job.body)


class ChunkFailed(Exception):
    """Internal (never escapes upload.py): the failing chunk's index and its error."""

    def __init__(self, index: int, error: BaseException) -> None:
        super().__init__(index, error)
        self.index = index
        self.error = error
