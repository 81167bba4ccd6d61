"""Refresh-token stores: 0600 file, memory, selection."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pyanaplan.auth import FileTokenStore, MemoryTokenStore, default_token_store
from pyanaplan.errors import ConfigError


def test_file_store_roundtrip_and_permissions(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "sub" / "tokens.json")
    assert store.load("k") is None
    store.save("k", "refresh-1")
    store.save("other", "refresh-x")
    store.save("k", "refresh-2")  # rotation replaces
    assert store.load("k") == "refresh-2"
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    store.delete("k")
    store.delete("k")
    assert store.load("k") is None and store.load("other") == "refresh-x"
    assert "refresh" not in repr(store)


def test_created_dirs_are_0700_existing_ones_are_left_alone(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # a common umask: plain mkdir would give 0755
    try:
        store = FileTokenStore(tmp_path / "a" / "b" / "tokens.json")
        store.save("k", "v")
        for created in (tmp_path / "a", tmp_path / "a" / "b"):
            assert stat.S_IMODE(os.stat(created).st_mode) == 0o700, created
        shared = tmp_path / "shared"
        shared.mkdir(mode=0o755)
        os.chmod(shared, 0o755)
        (shared / "tokens.json").write_text("{}")
        os.chmod(shared / "tokens.json", 0o644)
        FileTokenStore(shared / "tokens.json").save("k", "v")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o755  # pre-existing: not ours to change
    assert stat.S_IMODE(os.stat(shared / "tokens.json").st_mode) == 0o600


def test_file_store_survives_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("{not json")
    store = FileTokenStore(path)
    assert store.load("k") is None
    store.save("k", "v")
    assert FileTokenStore(path).load("k") == "v"


def test_memory_store() -> None:
    store = MemoryTokenStore()
    store.save("a", "1")
    assert store.load("a") == "1"
    store.delete("a")
    assert store.load("a") is None


def test_default_store_selection(tmp_path: Path) -> None:
    assert isinstance(default_token_store("file", tmp_path), FileTokenStore)
    assert isinstance(default_token_store("memory", tmp_path), MemoryTokenStore)
    try:
        import keyring  # noqa: F401
    except ImportError:
        assert isinstance(default_token_store("auto", tmp_path), FileTokenStore)
        with pytest.raises(ConfigError):
            default_token_store("keyring", tmp_path)
