"""Upload sources: a path, a binary file object, bytes, or an iterator of bytes.

Sources of known size are read as windows (`read_at`) so only in-flight chunks are in memory;
paths use `os.pread`, which is safe from several threads and leaves no shared file position.
Streams (iterators, non-seekable file objects) are read once, front to back.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from pyanaplan.errors import ConfigError, local_file_error

__all__ = ["KnownSizeSource", "StreamSource", "UploadSourceLike", "open_source"]

#: What `upload_file` accepts as a source.
UploadSourceLike = (
    str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes] | Iterable[bytes]
)

# A path's content fingerprint covers this much at each end of the file.
_FINGERPRINT_EDGE = 1024 * 1024
_FULL_HASH_BLOCK = 8 * 1024 * 1024
_STREAM_READ = 1024 * 1024


class KnownSizeSource:
    """A source whose size is known and which can be read at any offset."""

    def __init__(self, size: int, mtime_ns: int | None, *, resumable: bool) -> None:
        self.size = size
        self.mtime_ns = mtime_ns
        self.resumable = resumable

    def read_at(self, offset: int, length: int) -> bytes:
        """Return exactly `length` bytes starting at `offset` (fewer only at the end)."""
        raise NotImplementedError

    def fingerprint(self) -> str:
        """Identifies the content for resume: sha256 over the size and all the bytes.

        Path sources override this with a cheaper check (their mtime is in the journal too).
        """
        digest = hashlib.sha256(str(self.size).encode())
        for offset in range(0, self.size, _FULL_HASH_BLOCK):
            digest.update(self.read_at(offset, min(_FULL_HASH_BLOCK, self.size - offset)))
        return digest.hexdigest()

    def unchanged(self) -> bool:
        """False when the source was modified since it was opened (paths only can tell)."""
        return True

    def close(self) -> None:
        """Release the file descriptor, if any."""


class _PathSource(KnownSizeSource):
    def __init__(self, path: Path) -> None:
        try:
            self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except OSError as exc:
            raise local_file_error(exc, action="read the source file", path=path) from None
        stat = os.fstat(self._fd)
        super().__init__(stat.st_size, stat.st_mtime_ns, resumable=True)

    def read_at(self, offset: int, length: int) -> bytes:
        parts: list[bytes] = []
        while length > 0:
            piece = os.pread(self._fd, length, offset)
            if not piece:
                break
            parts.append(piece)
            offset += len(piece)
            length -= len(piece)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def fingerprint(self) -> str:
        """sha256 over the size and the first and last MiB (plus size and mtime_ns in the
        journal): checking a multi-GB file for resume costs two small reads, not a full pass."""
        digest = hashlib.sha256(str(self.size).encode())
        head = min(self.size, _FINGERPRINT_EDGE)
        digest.update(self.read_at(0, head))
        tail_start = max(head, self.size - _FINGERPRINT_EDGE)
        digest.update(self.read_at(tail_start, self.size - tail_start))
        return digest.hexdigest()

    def unchanged(self) -> bool:
        stat = os.fstat(self._fd)
        return (stat.st_size, stat.st_mtime_ns) == (self.size, self.mtime_ns)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class _BytesSource(KnownSizeSource):
    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self._view = memoryview(data).cast("B")
        super().__init__(len(self._view), None, resumable=True)

    def read_at(self, offset: int, length: int) -> bytes:
        return bytes(self._view[offset : offset + length])


class _SeekableSource(KnownSizeSource):
    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self._start = fh.tell()
        size = fh.seek(0, io.SEEK_END) - self._start
        fh.seek(self._start)
        self._lock = threading.Lock()
        super().__init__(size, None, resumable=True)

    def read_at(self, offset: int, length: int) -> bytes:
        with self._lock:  # one shared file position
            self._fh.seek(self._start + offset)
            parts: list[bytes] = []
            while length > 0:
                piece = self._fh.read(length)
                if not piece:
                    break
                parts.append(piece)
                length -= len(piece)
            return b"".join(parts)


class StreamSource:
    """A source read once, front to back, whose size is not known up front."""

    resumable = False
    size = None

    def __init__(
        self, pieces: Iterator[bytes], *, on_close: Callable[[], None] | None = None
    ) -> None:
        self._pieces = pieces
        self._on_close = on_close
        self._pending = bytearray()
        self._exhausted = False

    def read(self, length: int) -> bytes:
        """Return the next `length` bytes (fewer only when the stream ends)."""
        while len(self._pending) < length and not self._exhausted:
            try:
                piece = next(self._pieces)
            except StopIteration:
                self._exhausted = True
                break
            if not isinstance(piece, bytes | bytearray | memoryview):
                raise ConfigError(
                    f"An upload iterator must yield bytes, got {type(piece).__name__}."
                )
            self._pending += piece
        out = bytes(self._pending[:length])
        del self._pending[:length]
        return out

    def close(self) -> None:
        """Close the underlying generator, if it is one."""
        close = getattr(self._pieces, "close", None)
        if callable(close):
            close()
        if self._on_close is not None:
            self._on_close()


def open_source(source: Any) -> KnownSizeSource | StreamSource:
    """Wrap what the caller passed as an upload source.

    Raises:
        ConfigError: The source type is not supported, or a path cannot be read.
    """
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.is_dir():
            raise ConfigError(f"Source {str(path)!r} is a directory, not a file.")
        if path.exists() and not path.is_file():
            # A pipe or device (e.g. /dev/stdin): size unknown, read once.
            fh = open(path, "rb")  # noqa: SIM115 - closed by StreamSource.close
            return StreamSource(iter(lambda: fh.read(_STREAM_READ), b""), on_close=fh.close)
        return _PathSource(path)
    if isinstance(source, bytes | bytearray | memoryview):
        return _BytesSource(source)
    if isinstance(source, io.TextIOBase):
        raise ConfigError("Open the upload source in binary mode ('rb'), not text mode.")
    if hasattr(source, "read"):
        seekable = getattr(source, "seekable", None)
        if callable(seekable) and seekable():
            return _SeekableSource(source)
        return StreamSource(iter(lambda: source.read(_STREAM_READ), b""))
    if isinstance(source, Iterable):
        return StreamSource(iter(source))
    raise ConfigError(
        f"Cannot upload a {type(source).__name__}: pass a path, bytes, a binary file object "
        "or an iterator of bytes."
    )
