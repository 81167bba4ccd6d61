"""Property tests for the pure chunk plan (issue 3 item 6)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyanaplan.errors import ConfigError
from pyanaplan.transfer.plan import (
    DEFAULT_CHUNK_SIZE,
    MAX_CHUNK_SIZE,
    MAX_CHUNKS,
    MIN_CHUNK_SIZE,
    find_last_separator,
    plan_upload,
)


def _reassemble(data: bytes, plan) -> bytes:
    return b"".join(data[c.offset : c.end] for c in plan.chunks)


@given(
    data=st.binary(max_size=3000),
    chunk_size=st.integers(min_value=1, max_value=400),
)
def test_chunks_reassemble_to_source(data: bytes, chunk_size: int) -> None:
    plan = plan_upload(len(data), chunk_size, min_chunk_size=1, max_chunk_size=400, max_chunks=50)
    assert _reassemble(data, plan) == data
    assert [c.index for c in plan.chunks] == list(range(plan.count))
    assert all(c.length <= plan.chunk_size <= 400 for c in plan.chunks)
    # Every chunk but the last is full-size when rows are not aligned.
    assert all(c.length == plan.chunk_size for c in plan.chunks[:-1])


@given(
    rows=st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=80),
    crlf=st.booleans(),
    chunk_size=st.integers(min_value=1, max_value=200),
)
def test_row_aligned_chunks_hold_whole_rows(rows: list[bytes], crlf: bool, chunk_size: int) -> None:
    end = b"\r\n" if crlf else b"\n"
    data = b"".join(r + end for r in rows)
    plan = plan_upload(
        len(data),
        chunk_size,
        min_chunk_size=1,
        max_chunk_size=200,
        max_chunks=10_000,
        last_separator=lambda s, e: data.rfind(b"\n", s, e),
    )
    assert plan.row_aligned
    assert _reassemble(data, plan) == data
    longest = max((len(r) + len(end) for r in rows), default=0)
    for chunk in plan.chunks:
        piece = data[chunk.offset : chunk.end]
        if longest <= plan.chunk_size:
            # Whole rows only: every chunk ends with a complete row terminator.
            assert piece.endswith(end) or piece == b""
        assert chunk.length <= plan.chunk_size


@settings(max_examples=300)
@given(
    size=st.integers(min_value=0, max_value=MAX_CHUNKS * MAX_CHUNK_SIZE),
    chunk_size=st.integers(min_value=MIN_CHUNK_SIZE, max_value=MAX_CHUNK_SIZE),
)
def test_no_plan_exceeds_max_chunks(size: int, chunk_size: int) -> None:
    plan = plan_upload(size, chunk_size)
    assert 1 <= plan.count <= MAX_CHUNKS
    assert plan.chunk_size <= MAX_CHUNK_SIZE
    assert plan.chunks[-1].end == size
    assert sum(c.length for c in plan.chunks) == size


@given(
    sizes=st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=300),
    chunk_size=st.integers(min_value=1, max_value=100),
)
def test_row_alignment_grows_chunks_to_fit_the_limit(sizes: list[int], chunk_size: int) -> None:
    data = b"".join(b"x" * (n - 1) + b"\n" for n in sizes)
    try:
        plan = plan_upload(
            len(data),
            chunk_size,
            min_chunk_size=1,
            max_chunk_size=100,
            max_chunks=20,
            last_separator=lambda s, e: data.rfind(b"\n", s, e),
        )
    except ConfigError:
        # Only allowed when even maximum-size chunks cannot fit: check that claim.
        full = plan_upload(
            len(data),
            100,
            min_chunk_size=1,
            max_chunk_size=100,
            max_chunks=10**6,
            last_separator=lambda s, e: data.rfind(b"\n", s, e),
        )
        assert full.count > 20
        return
    assert plan.count <= 20
    assert _reassemble(data, plan) == data


def test_grows_chunk_size_instead_of_exceeding_the_limit() -> None:
    size = 2000 * DEFAULT_CHUNK_SIZE // 2 + 1  # needs ~1000+ default chunks
    plan = plan_upload(size)
    assert plan.count <= MAX_CHUNKS
    assert plan.chunk_size > DEFAULT_CHUNK_SIZE


def test_refuses_sources_too_big_for_1000_chunks_of_50_mb() -> None:
    with pytest.raises(ConfigError) as info:
        plan_upload(MAX_CHUNKS * MAX_CHUNK_SIZE + 1)
    assert "1000 chunks" in str(info.value)
    assert info.value.hint


@pytest.mark.parametrize("bad", [MIN_CHUNK_SIZE - 1, MAX_CHUNK_SIZE + 1, 0])
def test_rejects_chunk_sizes_outside_1_to_50_mb(bad: int) -> None:
    with pytest.raises(ConfigError):
        plan_upload(10, bad)


def test_default_plan_and_empty_source() -> None:
    assert plan_upload(0).chunks[0].length == 0
    plan = plan_upload(25 * 1024 * 1024)
    assert plan.chunk_size == DEFAULT_CHUNK_SIZE
    assert [c.length for c in plan.chunks] == [10 * 1024 * 1024] * 2 + [5 * 1024 * 1024]


@given(
    data=st.binary(max_size=500),
    start=st.integers(min_value=0, max_value=500),
    length=st.integers(min_value=0, max_value=500),
    block=st.integers(min_value=1, max_value=64),
)
def test_find_last_separator_matches_rfind(
    data: bytes, start: int, length: int, block: int
) -> None:
    start = min(start, len(data))
    end = min(len(data), start + length)
    reads: list[int] = []

    def read_at(offset: int, n: int) -> bytes:
        reads.append(n)
        return data[offset : offset + n]

    found = find_last_separator(read_at, start, end, block_size=block)
    assert found == data.rfind(b"\n", start, end)
    assert all(n <= block for n in reads)
