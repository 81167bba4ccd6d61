"""The background SHA-256 matches hashlib for any mix of small and large pieces."""

from __future__ import annotations

import hashlib
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyanaplan.transfer._hashing import BackgroundHasher


@settings(max_examples=30, deadline=None)
@given(sizes=st.lists(st.sampled_from([0, 1, 1000, 300_000, 1_000_000]), max_size=8))
def test_matches_hashlib(sizes: list[int]) -> None:
    pieces = [bytes([i % 251]) * n for i, n in enumerate(sizes)]
    hasher = BackgroundHasher()
    for piece in pieces:
        hasher.update(piece)
    assert hasher.hexdigest() == hashlib.sha256(b"".join(pieces)).hexdigest()
    assert hasher.hexdigest() == hashlib.sha256(b"".join(pieces)).hexdigest()  # stable


def test_close_stops_the_thread_and_update_after_digest_fails() -> None:
    before = threading.active_count()
    hasher = BackgroundHasher()
    hasher.update(b"x" * 1_000_000)
    hasher.close()
    assert threading.active_count() == before
    done = BackgroundHasher()
    done.hexdigest()
    with pytest.raises(RuntimeError):
        done.update(b"late")
