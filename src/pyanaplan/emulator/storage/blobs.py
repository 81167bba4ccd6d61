"""Chunk, export and dump bytes as files under ``data_dir/blobs`` (never SQLite BLOBs).

Blob names are random hex generated here, never derived from user input, so no file name a client
sends can reach outside the data directory. A blob becomes visible only by an atomic rename after
fsync, so an acknowledged chunk survives a crash (issue item 2).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

READ_PIECE = 64 * 1024


class BlobStore:
    """Durable byte storage addressed by opaque names.

    Args:
        root: directory that holds the blobs (``data_dir/blobs``).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def new_temp(self) -> tuple[Path, BinaryIO]:
        """A fresh temporary file open for writing; pass its path to `commit` or `discard`."""
        path = self.tmp / f"{uuid.uuid4().hex}.part"
        return path, open(path, "wb")

    def commit(self, temp_path: Path) -> str:
        """fsync ``temp_path`` and move it into place; returns the blob name."""
        with open(temp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        name = uuid.uuid4().hex
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp_path, target)
        _fsync_dir(target.parent)
        return name

    def write(self, pieces: Iterable[bytes]) -> tuple[str, int]:
        """Store ``pieces`` as one blob; returns (blob name, size)."""
        path, fh = self.new_temp()
        size = 0
        try:
            with fh:
                for piece in pieces:
                    fh.write(piece)
                    size += len(piece)
            return self.commit(path), size
        except BaseException:
            self.discard(path)
            raise

    def discard(self, temp_path: Path) -> None:
        """Remove a temporary file that will not be committed."""
        temp_path.unlink(missing_ok=True)

    def path(self, name: str) -> Path:
        """Where blob ``name`` lives (two-level fan-out)."""
        if not name.isalnum():
            raise ValueError("bad blob name")
        return self.root / name[:2] / name

    def exists(self, name: str) -> bool:
        """Whether the blob is present."""
        return self.path(name).is_file()

    def size(self, name: str) -> int:
        """Size of the blob in bytes."""
        return self.path(name).stat().st_size

    def read(self, name: str, *, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        """Stream the blob (or a range of it) in 64 KiB pieces."""
        with open(self.path(name), "rb") as fh:
            fh.seek(offset)
            remaining = length
            while remaining is None or remaining > 0:
                want = READ_PIECE if remaining is None else min(READ_PIECE, remaining)
                piece = fh.read(want)
                if not piece:
                    return
                if remaining is not None:
                    remaining -= len(piece)
                yield piece

    def open(self, name: str) -> BinaryIO:
        """Open the blob for reading."""
        return open(self.path(name), "rb")

    def delete(self, name: str) -> None:
        """Remove a blob (no error if already gone)."""
        with contextlib.suppress(ValueError):
            self.path(name).unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove every blob (reset)."""
        for child in self.root.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    def sweep_temp(self) -> None:
        """Drop temporaries left by a crash mid-upload (they were never acknowledged)."""
        for child in self.tmp.iterdir():
            child.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
