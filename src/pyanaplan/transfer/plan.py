"""Pure chunk planning for uploads: how a source of known size is cut into chunks.

Anaplan wants chunks of 1–50 MB of *uncompressed* data and at most 1,000 chunks per file
(api-notes §4.5.1, §7, §10.14). "MB" is ambiguous in the sources (Anaplan Connect multiplies by
1,000,000, other clients by 1024²), so both bounds take the stricter reading:

* the smallest regular chunk is 1 MiB (1,048,576 bytes) — above 1 MB either way;
* the largest chunk is 50,000,000 bytes — below 50 MB either way.

Only the last chunk may be smaller than the minimum. Nothing here does I/O: row alignment takes a
`last_separator(start, end)` callable, so the plan can be tested exhaustively.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyanaplan.errors import ConfigError

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_COMPRESS_LEVEL",
    "DEFAULT_CONCURRENCY",
    "DEFAULT_DOWNLOAD_CONCURRENCY",
    "MAX_CHUNKS",
    "MAX_CHUNK_SIZE",
    "MAX_CONCURRENCY",
    "MIN_CHUNK_SIZE",
    "SINGLE_PUT_MAX",
    "ChunkSpan",
    "LastSeparator",
    "UploadPlan",
    "check_chunk_size",
    "find_last_separator",
    "plan_upload",
]

MIB = 1024 * 1024

#: Smallest regular chunk (1 MiB; see the module docstring for the MB reading).
MIN_CHUNK_SIZE = MIB
#: Largest chunk, uncompressed (50 MB decimal, the stricter reading).
MAX_CHUNK_SIZE = 50_000_000
#: Most chunks one file may have (api-notes §4.5.1).
MAX_CHUNKS = 1000
#: Default chunk size. 10 MiB keeps per-chunk memory small (only in-flight chunks are held) while
#: keeping per-request overhead negligible; to be confirmed by `make bench` (issue 5).
DEFAULT_CHUNK_SIZE = 10 * MIB
#: Default number of chunks compressed and sent at once.
DEFAULT_CONCURRENCY = 4
#: Most chunks sent at once (the session's connection pool holds 20 connections). Here, with the
#: other limits, so the CLI checks the same bound while parsing `--concurrency`.
MAX_CONCURRENCY = 16
#: Default number of chunks fetched at once when downloading.
DEFAULT_DOWNLOAD_CONCURRENCY = 3
#: Default gzip level: level 1 compresses CSV nearly as well as 9 at many times the speed.
DEFAULT_COMPRESS_LEVEL = 1
#: Sources of at most this many bytes go up in one uncompressed PUT (api-notes §4.5.4: the docs
#: recommend it under 1 MB, and a single-shot PUT must not be gzipped, api-notes §10.14).
SINGLE_PUT_MAX = MIB

#: `last_separator(start, end)` -> offset of the last record-separator byte in `[start, end)`,
#: or -1 when there is none (same contract as `bytes.rfind`).
LastSeparator = Callable[[int, int], int]

# Each growth step when row alignment needs more chunks than allowed.
_GROWTH = 1.25


@dataclass(frozen=True)
class ChunkSpan:
    """One chunk: its id (0, 1, 2 …) and the byte window of the source it covers."""

    index: int
    offset: int
    length: int

    @property
    def end(self) -> int:
        """Offset one past the chunk's last byte."""
        return self.offset + self.length


@dataclass(frozen=True)
class UploadPlan:
    """How a source of `size` bytes is cut into chunks.

    Attributes:
        size: Source size in bytes.
        chunk_size: The regular chunk size actually used (may be larger than requested, to stay
            within `MAX_CHUNKS`).
        chunks: The chunks in order; they tile `[0, size)` without gaps or overlaps. An empty
            source has one empty chunk, so every upload sends at least one chunk.
        row_aligned: Whether chunks were cut after record separators.
    """

    size: int
    chunk_size: int
    chunks: tuple[ChunkSpan, ...]
    row_aligned: bool = False

    @property
    def count(self) -> int:
        """Number of chunks."""
        return len(self.chunks)


def plan_upload(
    size: int,
    chunk_size: int | None = None,
    *,
    max_chunks: int = MAX_CHUNKS,
    min_chunk_size: int = MIN_CHUNK_SIZE,
    max_chunk_size: int = MAX_CHUNK_SIZE,
    last_separator: LastSeparator | None = None,
) -> UploadPlan:
    """Cut a source of `size` bytes into chunks.

    The chunk size grows when `size / chunk_size` would need more than `max_chunks` chunks.
    With `last_separator`, each chunk but the last ends just after the last record separator in
    its window, so chunks hold whole rows; a row longer than a whole chunk is cut where the window
    ends (the server treats the file as the plain concatenation of chunks, api-notes §4.5.2, so the
    data stays intact either way).

    Args:
        size: Source size in bytes (>= 0).
        chunk_size: Requested regular chunk size in bytes; None for `DEFAULT_CHUNK_SIZE`.
        max_chunks: Most chunks allowed.
        min_chunk_size: Smallest accepted `chunk_size` (tests lower it to keep data small).
        max_chunk_size: Largest chunk allowed, uncompressed.
        last_separator: Finds the last record separator in a byte window; enables row alignment.

    Returns:
        The plan.

    Raises:
        ConfigError: `chunk_size` is outside `[min_chunk_size, max_chunk_size]`, `size` < 0, or
            even `max_chunk_size` chunks would need more than `max_chunks` chunks (bad input:
            nothing was sent, and retrying cannot help).
    """
    if size < 0:
        raise ConfigError(f"Source size must not be negative (got {size}).")
    requested = check_chunk_size(
        chunk_size, min_chunk_size=min_chunk_size, max_chunk_size=max_chunk_size
    )
    current = max(requested, -(-size // max_chunks))
    if current > max_chunk_size:
        raise _too_big(size, max_chunks, max_chunk_size)
    while True:
        chunks = _cut(size, current, last_separator)
        if len(chunks) <= max_chunks:
            return UploadPlan(size, current, chunks, row_aligned=last_separator is not None)
        if current >= max_chunk_size:
            raise _too_big(size, max_chunks, max_chunk_size)
        # Row alignment shortened chunks below `current`; grow and cut again.
        current = min(max_chunk_size, max(current + 1, int(current * _GROWTH)))


def check_chunk_size(
    chunk_size: int | None,
    *,
    min_chunk_size: int = MIN_CHUNK_SIZE,
    max_chunk_size: int = MAX_CHUNK_SIZE,
) -> int:
    """Return the chunk size to use: the default for None, else `chunk_size` if within bounds.

    Raises:
        ConfigError: `chunk_size` is outside `[min_chunk_size, max_chunk_size]`.
    """
    if chunk_size is None:
        return max(min_chunk_size, min(DEFAULT_CHUNK_SIZE, max_chunk_size))
    if not min_chunk_size <= chunk_size <= max_chunk_size:
        raise ConfigError(
            f"Chunk size {chunk_size} bytes is outside the allowed "
            f"{min_chunk_size}–{max_chunk_size} bytes (Anaplan accepts 1–50 MB per chunk).",
            hint="Pass a chunk size between 1 MiB and 50 MB.",
        )
    return chunk_size


def _cut(size: int, chunk_size: int, last_separator: LastSeparator | None) -> tuple[ChunkSpan, ...]:
    if size == 0:
        return (ChunkSpan(0, 0, 0),)
    chunks: list[ChunkSpan] = []
    start = 0
    while start < size:
        end = min(start + chunk_size, size)
        if last_separator is not None and end < size:
            pos = last_separator(start, end)
            if start <= pos < end:
                end = pos + 1
        chunks.append(ChunkSpan(len(chunks), start, end - start))
        start = end
    return tuple(chunks)


def _too_big(size: int, max_chunks: int, max_chunk_size: int) -> ConfigError:
    # A ConfigError (exit 2), not a TransferError: the input is wrong, no transfer took place.
    limit = max_chunks * max_chunk_size
    return ConfigError(
        f"The source is {size} bytes; Anaplan accepts at most {max_chunks} chunks of "
        f"{max_chunk_size} bytes ({limit} bytes) per file.",
        hint="Split the data into several files and import them one after another.",
    )


def find_last_separator(
    read_at: Callable[[int, int], bytes],
    start: int,
    end: int,
    *,
    separator: bytes = b"\n",
    block_size: int = 64 * 1024,
) -> int:
    """Scan `[start, end)` backwards through `read_at(offset, length)` for the last separator.

    This is the file-backed `LastSeparator`: it reads only a few blocks near the end of the window,
    not the whole chunk. Cutting after `\\n` keeps `\\r\\n` pairs together.

    Returns:
        The offset of the separator's byte, or -1 when the window holds none.
    """
    if len(separator) != 1:
        raise ConfigError("The record separator must be a single byte.")
    pos = end
    while pos > start:
        block_start = max(start, pos - block_size)
        block = read_at(block_start, pos - block_start)
        found = block.rfind(separator)
        if found >= 0:
            return block_start + found
        pos = block_start
    return -1
