"""Upload sources: windows over paths, bytes and file objects; streams read once in order."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pyanaplan.errors import ConfigError
from pyanaplan.transfer._sources import KnownSizeSource, StreamSource, open_source

DATA = bytes(range(256)) * 41


def test_known_size_sources_read_windows(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    prefix = io.BytesIO(b"skip" + DATA)
    prefix.read(4)  # a file object is read from its current position
    for source in (open_source(path), open_source(str(path)), open_source(DATA),
                   open_source(bytearray(DATA)), open_source(prefix)):  # fmt: skip
        assert isinstance(source, KnownSizeSource)
        assert source.size == len(DATA)
        assert source.read_at(0, 10) == DATA[:10]
        assert source.read_at(1000, 5000) == DATA[1000:6000]
        assert source.read_at(len(DATA) - 3, 100) == DATA[-3:]
        assert source.read_at(len(DATA), 10) == b""
        source.close()


def test_fingerprints_see_changes(tmp_path: Path) -> None:
    changed = bytearray(DATA)
    changed[5000] ^= 1
    assert open_source(DATA).fingerprint() == open_source(bytes(DATA)).fingerprint()
    assert open_source(DATA).fingerprint() != open_source(bytes(changed)).fingerprint()
    path = tmp_path / "f"
    path.write_bytes(DATA)
    source = open_source(path)
    assert isinstance(source, KnownSizeSource) and source.mtime_ns is not None
    assert source.fingerprint() == open_source(path).fingerprint()


def test_streams_are_read_in_order() -> None:
    source = open_source(iter([b"ab", b"", b"cdef", bytearray(b"g")]))
    assert isinstance(source, StreamSource) and source.size is None
    assert source.read(3) == b"abc"
    assert source.read(10) == b"defg"
    assert source.read(1) == b""


def test_non_seekable_file_objects_are_streams() -> None:
    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.left = DATA

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            n = min(len(buffer), len(self.left), 1000)
            buffer[:n] = self.left[:n]
            self.left = self.left[n:]
            return n

    source = open_source(Pipe())
    assert isinstance(source, StreamSource)
    assert source.read(len(DATA) + 5) == DATA


@pytest.mark.parametrize("bad", [io.StringIO("text"), 42, None])
def test_unsupported_sources(bad: object) -> None:
    with pytest.raises(ConfigError):
        open_source(bad)


def test_iterators_must_yield_bytes() -> None:
    source = open_source(iter(["text"]))
    with pytest.raises(ConfigError):
        source.read(4)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        open_source(tmp_path / "nope.csv")
    with pytest.raises(ConfigError):
        open_source(tmp_path)
