"""Local ends of a transfer: `-O PATH`, `-O DIR`, `-O -` (stdout) and `upload -` (stdin).

A name that comes from the server (a file's name) only ever becomes one plain file name in the
directory the user chose: separators, `..`, control characters and reserved device names are
taken out, so the file lands where the user asked and nowhere else.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import BinaryIO

#: What `-O` and `upload` take to mean stdout / stdin.
DASH = "-"

_SEPARATORS = re.compile(r"[\\/]")
_UNSAFE = frozenset('<>:"|?*')
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
_MAX_NAME_BYTES = 200


def is_dash(path: Path | str | None) -> bool:
    """True for `-` (stdin or stdout)."""
    return path is not None and str(path) == DASH


def safe_file_name(name: str, *, fallback: str = "download") -> str:
    """`name` as one file name that cannot leave its directory.

    Keeps the last path component, replaces control and Windows-reserved characters with `_`,
    drops leading and trailing dots and spaces (so `..` becomes the fallback), prefixes reserved
    device names (`CON`, `NUL`, …) and shortens names over 200 bytes, keeping the extension.
    """
    base = _SEPARATORS.split(name)[-1]
    base = "".join("_" if ch < " " or ch == "\x7f" or ch in _UNSAFE else ch for ch in base)
    base = base.strip(" .")
    if not base:
        return fallback
    if base.split(".", 1)[0].upper() in _RESERVED:
        base = f"_{base}"
    if len(base.encode()) > _MAX_NAME_BYTES:
        stem, dot, suffix = base.rpartition(".")
        suffix = f".{suffix}" if dot and 0 < len(suffix) <= 16 else ""
        stem = base[: len(base) - len(suffix)] if suffix else base
        budget = _MAX_NAME_BYTES - len(suffix.encode())
        stem = stem.encode()[:budget].decode(errors="ignore")
        base = stem + suffix
    return base


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
