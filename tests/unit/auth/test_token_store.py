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
