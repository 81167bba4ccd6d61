"""The download pipe of _table_ops.py, the column check, and the missing-extra message."""

from __future__ import annotations

import sys
import threading

import pytest

from pyanaplan._table_ops import BytePipe
from pyanaplan.errors import ConfigError, TableError, TransferError
from pyanaplan.tables import match_columns, require


def test_pipe_passes_bytes_in_order_and_ends() -> None:
    pipe = BytePipe(8)

    def write() -> None:
        for piece in (b"abc", b"defghijkl", b"m"):  # one write larger than the capacity
            pipe.write(piece)
        pipe.close()

    writer = threading.Thread(target=write)
    writer.start()
    got = b""
    while chunk := pipe.read(4):
        got += chunk
    writer.join(timeout=10)
    assert got == b"abcdefghijklm" and not writer.is_alive()


def test_pipe_raises_the_writers_error_instead_of_an_end() -> None:
    pipe = BytePipe(8)
    pipe.write(b"partial")
    pipe.fail(TransferError("chunk list changed"))
    assert pipe.read(100) == b"partial"
    with pytest.raises(TransferError, match="chunk list changed"):
        pipe.read(100)


def test_abort_unblocks_a_waiting_writer() -> None:
    pipe = BytePipe(4)
    pipe.write(b"full")
    failures: list[BaseException] = []

    def write() -> None:
        try:
            pipe.write(b"more")
        except Exception as exc:
            failures.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    pipe.abort()
    writer.join(timeout=10)
    assert not writer.is_alive() and "stopped" in str(failures[0])


def test_columns_in_file_order_with_spaces_ignored() -> None:
    assert match_columns(["b ", "a"], ["a", " b"], where="file 'x'") == ["a", "b "]


def test_column_mismatch_lists_missing_and_extra() -> None:
    with pytest.raises(TableError) as caught:
        match_columns(["Units", "regoin", "Extra"], ["Units", "Region"], where="file 'Sales.csv'")
    error = caught.value
    assert error.missing == ("Region",) and error.extra == ("regoin", "Extra")
    assert "missing 'Region' (the table has 'regoin')" in error.message
    assert "'Units', 'Region'" in error.hint


def test_duplicate_column_is_an_error() -> None:
    with pytest.raises(TableError, match="column 'a ' twice"):
        match_columns(["a", "a "], ["a"], where="file 'x'")


def test_missing_library_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "polars", None)  # import polars now raises ImportError
    with pytest.raises(ConfigError) as caught:
        require("polars")
    assert caught.value.message == (
        "Tables need polars, which is not installed: pip install 'pyanaplan[polars]'."
    )
