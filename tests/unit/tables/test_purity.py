"""tables/ stays pure (no network, no files): it imports only errors, itself, pyarrow and the
standard library, so the client core can be rebuilt around it (sans-I/O) without touching it."""

from __future__ import annotations

import ast
from pathlib import Path

import pyanaplan.tables

ALLOWED_OWN = ("pyanaplan.errors", "pyanaplan.tables")
FORBIDDEN = {"httpx2", "os", "pathlib", "shutil", "socket", "tempfile", "threading"}


def test_tables_imports_nothing_that_does_io() -> None:
    root = Path(pyanaplan.tables.__file__).parent
    for path in sorted(root.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
                    raise AssertionError(f"{path.name} calls open()")
                continue
            for name in names:
                if name.startswith("pyanaplan"):
                    assert name.startswith(ALLOWED_OWN), f"{path.name} imports {name}"
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
