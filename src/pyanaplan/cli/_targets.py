"""Local ends of a transfer: `-O PATH`, `-O DIR`, `-O -` (stdout) and `upload -` (stdin).

A name that comes from the server (a file's name) only ever becomes one plain file name in the
directory the user chose: separators, `..`, control characters and reserved device names are
taken out, so the file lands where the user asked and nowhere else.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

# One rule for every local name built from a server name (dumps use it too).
from pyanaplan.transfer._local_names import safe_file_name

#: What `-O` and `upload` take to mean stdout / stdin.
DASH = "-"


def is_dash(path: Path | str | None) -> bool:
    """True for `-` (stdin or stdout)."""
    return path is not None and str(path) == DASH


def save_path(target: Path | None, server_name: str) -> Path:
    """Where a server file is saved: `target` as given, inside it when it is a directory, else
    under its (safe) name in the current directory."""
    if target is None:
        return Path(safe_file_name(server_name))
    if target.is_dir():
        return target / safe_file_name(server_name)
    return target


def stdout_bytes() -> BinaryIO:
    """Binary stdout (a file's bytes go here with `-O -`)."""
    sys.stdout.flush()
    return sys.stdout.buffer


def stdin_bytes() -> BinaryIO:
    """Binary stdin (`upload -` reads from here)."""
    return sys.stdin.buffer


__all__ = ["DASH", "is_dash", "safe_file_name", "save_path", "stdin_bytes", "stdout_bytes"]
