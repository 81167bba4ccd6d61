"""The spec sits below the engine: it imports neither the engine nor anything above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pyanaplan.emulator

EMULATOR = Path(pyanaplan.emulator.__file__).parent
# The spec package and the two helpers it shares with the engine.
BELOW_ENGINE = [
    *sorted((EMULATOR / "spec").glob("*.py")),
    EMULATOR / "formulas.py",
    EMULATOR / "csvio.py",
]
ABOVE = ("engine", "routes", "storage", "app", "control", "server", "render", "faults")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_spec_imports_nothing_from_the_engine_or_above() -> None:
    assert len(BELOW_ENGINE) > 3
    offending = {
        f"{path.relative_to(EMULATOR)} imports {name}"
        for path in BELOW_ENGINE
        for name in _imports(path)
        if name.startswith(tuple(f"pyanaplan.emulator.{part}" for part in ABOVE))
        or (name.startswith("pyanaplan.") and not name.startswith("pyanaplan.emulator"))
    }
    assert offending == set()
