"""SHA-256 of a transfer, computed on a helper thread so it overlaps the I/O.

Hashing every byte costs real CPU on a fast link (SHA-256 runs at a few hundred MB/s per core).
Done inline, it stalls the thread that reads or writes chunks, and the chunk workers wait for it.
Here the writer only hands over a reference (a bounded queue of two chunks, so memory stays
bounded) and carries on; hashlib releases the GIL, so the hashing runs on another core.
"""

from __future__ import annotations

import hashlib
import queue
import threading

__all__ = ["BackgroundHasher"]

_QUEUE_CHUNKS = 1


class BackgroundHasher:
    """`update()` in order from one thread; `hexdigest()` waits for the queued data."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=_QUEUE_CHUNKS)
        self._thread: threading.Thread | None = None
        self._result: str | None = None
        self._error: BaseException | None = None

    def update(self, data: bytes) -> None:
        """Queue `data` to be hashed after everything queued before it."""
        if self._result is not None:
            raise RuntimeError("update() after hexdigest()")
        if len(data) < 256 * 1024:  # not worth a thread hop
            self._drain()
            self._digest.update(data)
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="pyanaplan-sha256", daemon=True)
            self._thread.start()
        self._queue.put(data)

    def hexdigest(self) -> str:
        """The SHA-256 of everything passed to `update`, as hex."""
        if self._result is None:
            self._drain()
            self._result = self._digest.hexdigest()
        return self._result

    def close(self) -> None:
        """Stop the helper thread without a result (the transfer failed)."""
        self._drain()

    def _drain(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
            if self._error is not None:
                raise self._error

    def _run(self) -> None:
        while True:
            data = self._queue.get()
            if data is None:
                return
            try:
                self._digest.update(data)
            except BaseException as exc:  # pragma: no cover - hashlib does not fail on bytes
                self._error = exc
