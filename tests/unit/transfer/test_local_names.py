"""Local names from server-provided names never leave the directory they are joined to."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyanaplan.transfer._local_names import MAX_NAME_BYTES, safe_file_name

HOSTILE = [
    "../../x.csv",
    "..",
    ".",
    "",
    "   ",
    "/abs/x.csv",
    "/",
    "C:\\Windows\\x.csv",
    "..\\..\\x.csv",
    "a/../../b.csv",
    "x\x00y.csv",
    "\x00",
    "line\nbreak.csv",
    "CON",
    "nul.csv",
    "Com1.txt",
    "LPT9",
    "aux",
    "x" * 1000 + ".csv",
    "é" * 300 + ".csv",
    ".hidden",
    "trailing. ",
]


@pytest.mark.parametrize("name", HOSTILE, ids=repr)
def test_every_hostile_name_stays_one_plain_component(name: str, tmp_path: Path) -> None:
    safe = safe_file_name(name)
    assert safe and safe not in (".", "..")
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert not any(ord(c) < 32 for c in safe)
    assert len(safe.encode("utf-8")) <= MAX_NAME_BYTES
    assert safe.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT9"}
    joined = (tmp_path / safe).resolve()
    assert joined.parent == tmp_path.resolve()
    joined.write_bytes(b"ok")  # a real file system accepts it
    assert joined.read_bytes() == b"ok"


def test_ordinary_names_are_kept() -> None:
    assert safe_file_name("Sales Report.csv") == "Sales Report.csv"
    assert safe_file_name("Ventes – Région Île.csv") == "Ventes – Région Île.csv"


def test_long_names_keep_their_extension_and_fallback_applies() -> None:
    assert safe_file_name("x" * 1000 + ".csv").endswith(".csv")
    assert safe_file_name("é" * 300 + ".csv").endswith(".csv")
    assert safe_file_name("", fallback="export.csv") == "export.csv"
    assert safe_file_name("..", fallback="export.csv") == "export.csv"
    assert safe_file_name("/abs/x.csv") == "x.csv"  # only the last path component
    assert safe_file_name("../../etc/passwd") == "passwd"
