"""What every spec model shares, and the field types the spec is written in.

Every model is frozen and refuses unknown keys. YAML is loose about scalars, so a text field
accepts a number (``id: 101000000001`` is the string ``"101000000001"``) but not a boolean; counts
and flags accept only real integers and ``true``/``false``; a key with an empty value (``items:``)
counts as not given.

A check that finds a problem raises `problem(message)`; a validator that can find several at once
collects them in `Problems`, whose paths are relative to the model being validated (pydantic puts
the model's own path in front). `loading.problems_of` turns the result into our one-line messages.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

Loc = tuple[str | int, ...]
# The error type of every problem a spec check reports; its message is shown as written.
PROBLEM = "spec_problem"


class SpecModel(BaseModel):
    """Base of every spec model: frozen, unknown keys refused, numbers read as text."""

    # Inputs stay out of the ValidationError's own text: a user's password could be one.
    model_config = ConfigDict(
        frozen=True, extra="forbid", coerce_numbers_to_str=True, hide_input_in_errors=True
    )

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        # YAML reads an empty value as null: ``items:`` with nothing under it means no items.
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


def problem(message: str) -> PydanticCustomError:
    """A validation error that reads ``message``, exactly as written."""
    return PydanticCustomError(PROBLEM, "{message}", {"message": message})


class Problems:
    """Problems found by one cross-reference validator, each at a path inside its model."""

    def __init__(self) -> None:
        self._found: list[tuple[Loc, str]] = []

    def add(self, loc: Loc, message: str) -> None:
        """Record ``message`` at ``loc`` (relative to the model being validated)."""
        self._found.append((loc, message))

    def unique(self, entries: Iterable[tuple[Loc, str | None]], what: str) -> None:
        """Report every value after its first occurrence as ``duplicate <what> '<value>'``."""
        seen: set[str] = set()
        for loc, value in entries:
            if value is None:
                continue
            if value in seen:
                self.add(loc, f"duplicate {what} {value!r}")
            seen.add(value)

    def raise_any(self, title: str) -> None:
        """Raise them all as one ValidationError (pydantic merges it into the outer one).

        Args:
            title: The model's name (pydantic's title for the error).
        """
        if self._found:
            raise problems_error(title, self._found)


def problems_error(title: str, found: Iterable[tuple[Loc, str]]) -> ValidationError:
    """A ValidationError holding ``found`` (path, message) problems; raised inside a validator,
    pydantic reports each at the validated model's path followed by its own."""
    details = [
        InitErrorDetails(type=problem(message), loc=loc, input=None) for loc, message in found
    ]
    return ValidationError.from_exception_data(title, details, hide_input=True)


def base_dir(info: ValidationInfo) -> Path:
    """Where relative file names in the spec point: the spec file's directory (the loader's
    context), else the working directory for a model built in code."""
    context = info.context
    found = context.get("base_dir") if isinstance(context, dict) else None
    return found if isinstance(found, Path) else Path.cwd()


# -- scalar field types ----------------------------------------------------------------------


def _as_text(value: Any) -> Any:
    # Seeded values and properties are text the engine parses later, as an import would; YAML
    # may have read them as numbers, booleans or dates.
    if value is None:
        return ""
    if isinstance(value, str | dict | list | tuple):
        return value
    return str(value)


Scalar = Annotated[str, BeforeValidator(_as_text)]
Count = Annotated[int, Field(strict=True, ge=0)]
Flag = Annotated[bool, Field(strict=True)]


def known_encoding(name: str) -> bool:
    """True when Python has a codec called ``name``."""
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _check_encoding(value: str) -> str:
    if not known_encoding(value):
        raise problem(f"unknown encoding {value!r}")
    return value


Encoding = Annotated[str, AfterValidator(_check_encoding)]


def _at_most_one_character(value: str) -> str:
    if len(value) > 1:
        raise problem("must be a single character or empty")
    return value


def _one_character(value: str) -> str:
    if len(value) != 1:
        raise problem("must be a single character")
    return value


OptionalCharacter = Annotated[str, AfterValidator(_at_most_one_character)]
Character = Annotated[str, AfterValidator(_one_character)]


def one_of(choices: tuple[str, ...], message: str | None = None) -> WrapValidator:
    """Validator for a ``Literal`` field: one sentence naming the choices when the value is not one.

    Args:
        choices: The allowed values, in the order the message lists them.
        message: The sentence to use instead of ``must be one of a, b, c``.
    """
    text = message or f"must be one of {', '.join(choices)}"

    def check(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise problem(text) from None

    return WrapValidator(check)


# -- IDs (api-notes §2.5) --------------------------------------------------------------------

_LOWER_HEX = re.compile(r"[0-9a-f]{32}")
_UPPER_HEX = re.compile(r"[0-9A-F]{32}")
# Model-level object IDs are 12 digits with a type prefix.
ID_PREFIXES = {
    "list": "101",
    "module": "102",
    "import": "112",
    "file": "113",
    "export": "116",
    "action": "117",
    "process": "118",
    "line item": "206",
}


def _hex_id(kind: str, *, upper: bool) -> AfterValidator:
    pattern, case = (_UPPER_HEX, "uppercase") if upper else (_LOWER_HEX, "lowercase")

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise problem(f"{kind} id {value!r} must be 32 {case} hex digits")
        return value

    return AfterValidator(check)


def _object_id(kind: str) -> AfterValidator:
    prefix = ID_PREFIXES[kind]

    def check(value: str) -> str:
        if not (len(value) == 12 and value.isdigit() and value.startswith(prefix)):
            raise problem(f"{kind} id {value!r} must be 12 digits starting {prefix}")
        return value

    return AfterValidator(check)


CustomerId = Annotated[str, _hex_id("customer", upper=False)]
UserId = Annotated[str, _hex_id("user", upper=False)]
WorkspaceId = Annotated[str, _hex_id("workspace", upper=False)]
ModelId = Annotated[str, _hex_id("model", upper=True)]
ListId = Annotated[str, _object_id("list")]
ModuleId = Annotated[str, _object_id("module")]
LineItemId = Annotated[str, _object_id("line item")]
FileId = Annotated[str, _object_id("file")]
ImportId = Annotated[str, _object_id("import")]
ExportId = Annotated[str, _object_id("export")]
ActionId = Annotated[str, _object_id("action")]
ProcessId = Annotated[str, _object_id("process")]

# -- enumerations ----------------------------------------------------------------------------

LineItemFormat = Literal["number", "text", "boolean", "date", "list"]
LINE_ITEM_FORMATS: tuple[str, ...] = get_args(LineItemFormat)
ExportLayout = Literal[
    "TABULAR_MULTI_COLUMN",
    "TABULAR_SINGLE_COLUMN",
    "GRID_ALL_PAGES",
    "GRID_CURRENT_PAGE",
    "TABULAR_ALL_LINE_ITEMS",
    "TABULAR_CURRENT_LINE_ITEM",
]
EXPORT_LAYOUTS: tuple[str, ...] = get_args(ExportLayout)
ActionType = Literal["DELETE_BY_SELECTION"]
ACTION_TYPES: tuple[str, ...] = get_args(ActionType)
# api-notes §4.3.1 activeState values (ACTIVE is accepted by the SDK).
ModelState = Literal[
    "UNLOCKED",
    "LOCKED",
    "ARCHIVED",
    "PRODUCTION",
    "MAINTENANCE",
    "PRODUCTION_MAINTENANCE",
    "ACTIVE",
]
MODEL_STATES: tuple[str, ...] = get_args(ModelState)
