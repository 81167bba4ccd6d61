"""Local paths and Airflow object storage (`ObjectStoragePath`) as sources and targets.

Operators take a local path, an `ObjectStoragePath`, or a string; a string with a scheme
(`s3://…`, `gs://…`, `file://…`) is object storage, anything else a local path. pyanaplan reads
and writes local files and binary streams, so object storage is bridged here: an upload reads
the object as a stream; a download (export output, file, failure dumps) is written locally by
the library first (its `.part` file and atomic rename keep a failed transfer from leaving half a
file) and then copied to the object, so a failed download never leaves a truncated object.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

__all__ = ["is_local", "location", "open_source", "publish_files", "staged_target"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_COPY_BLOCK = 1024 * 1024


def location(value: str | os.PathLike[str] | ObjectStoragePath) -> Path | ObjectStoragePath:
    """A local `Path`, or an `ObjectStoragePath` for object storage (see the module docstring)."""
    from airflow.sdk import ObjectStoragePath

    if isinstance(value, ObjectStoragePath):
        return value
    text = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
    if _SCHEME.match(text):
        return ObjectStoragePath(text)
    return Path(text).expanduser()


def is_local(place: Path | ObjectStoragePath) -> bool:
    """True for a local path."""
    return isinstance(place, Path)


@contextmanager
def open_source(place: Path | ObjectStoragePath) -> Iterator[str | IO[bytes]]:
    """What `Client.upload` should read: the local path itself, or the object as a stream."""
    if is_local(place):
        yield str(place)
        return
    with place.open("rb") as stream:
        yield stream


@contextmanager
def staged_target(place: Path | ObjectStoragePath) -> Iterator[Path]:
    """A local path for the library to download into; copied to `place` on success.

    For a local `place` the library writes there directly (its parent directory is created).
    """
    if is_local(place):
        assert isinstance(place, Path)
        place.parent.mkdir(parents=True, exist_ok=True)
        yield place
        return
    with tempfile.TemporaryDirectory(prefix="pyanaplan-airflow-") as tmp:
        local = Path(tmp) / (place.name or "download")
        yield local
        if local.exists():
            _copy(local, place)


def publish_files(files: Sequence[Path], destination: Path | ObjectStoragePath) -> list[str]:
    """Copy downloaded files into an object-storage directory; returns where each now is.

    Local destinations are where the library already wrote: their paths come back unchanged.
    """
    if is_local(destination):
        return [str(p) for p in files]
    placed = []
    for file in files:
        target = destination / file.name
        _copy(file, target)
        placed.append(str(target))
    return placed


def _copy(local: Path, target: Any) -> None:
    with local.open("rb") as src, target.open("wb") as out:
        shutil.copyfileobj(src, out, _COPY_BLOCK)
