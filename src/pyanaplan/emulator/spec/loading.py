"""Reading a spec: YAML text -> validated `Spec`, or one `EmulatorSpecError` listing every problem.

Problems carry the path pydantic reports (``models.0.imports.2.source``) and read as one sentence
each: pydantic's own wording of a type error ("Input should be a valid string") is replaced by ours
("must be a string"); the spec's checks word their problems themselves.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from pyanaplan.emulator.spec.base import PROBLEM
from pyanaplan.emulator.spec.platform import Spec

# pydantic error type -> our sentence. Anything else keeps pydantic's message.
_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "unknown field",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "dict_type": "must be a mapping",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "string_type": "must be a string",
    "bytes_type": "must be a string",
    "int_type": "must be a non-negative integer",
    "int_parsing": "must be a non-negative integer",
    "int_from_float": "must be a non-negative integer",
    "greater_than_equal": "must be a non-negative integer",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
}


class EmulatorSpecError(ValueError):
    """The spec file is missing, unreadable or invalid.

    Attributes:
        problems: One message per problem, each starting with the field path.
    """

    def __init__(self, problems: list[str], source: str = "spec") -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid emulator {source} ({len(self.problems)} problem(s)):\n{lines}")


def load_spec(path: str | Path | None = None) -> Spec:
    """Load and validate a spec.

    Args:
        path: A YAML file, or None for the packaged demo spec.

    Returns:
        The validated spec.

    Raises:
        EmulatorSpecError: The file cannot be read or parsed, or fails validation; the message
            lists every problem with its field path.
    """
    if path is None:
        specs = resources.files("pyanaplan.emulator").joinpath("specs")
        text = specs.joinpath("demo.yaml").read_text(encoding="utf-8")
        # The demo names no relative files; a zipped install has no directory to offer anyway.
        base = specs if isinstance(specs, Path) else Path.cwd()
        return parse_spec(text, base_dir=base, source="demo.yaml")
    spec_path = Path(path)
    try:
        text = spec_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EmulatorSpecError([f"cannot read {spec_path}: {exc}"], str(spec_path)) from exc
    return parse_spec(text, base_dir=spec_path.parent, source=str(spec_path))


def parse_spec(text: str, *, base_dir: Path, source: str = "spec") -> Spec:
    """Parse and validate spec YAML text.

    Args:
        text: The YAML document.
        base_dir: Directory that relative ``default_content_file`` and certificate paths
            are resolved against.
        source: Name used in error messages (and kept as `Spec.source`).

    Returns:
        The validated spec.

    Raises:
        EmulatorSpecError: Listing every problem found.
    """
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise EmulatorSpecError([f"not valid YAML: {exc}"], source) from exc
    try:
        return Spec.model_validate(data, context={"base_dir": base_dir, "source": source})
    except ValidationError as exc:
        raise EmulatorSpecError(problems_of(exc), source) from exc


def problems_of(error: ValidationError) -> list[str]:
    """One ``path: sentence`` line per problem pydantic found, in the order it found them."""
    return [_describe(detail) for detail in error.errors()]


def _describe(detail: ErrorDetails) -> str:
    where = ".".join(str(part) for part in detail["loc"]) or "spec"
    if detail["type"] == PROBLEM:
        return f"{where}: {detail['msg']}"
    return f"{where}: {_MESSAGES.get(detail['type'], detail['msg'])}"
