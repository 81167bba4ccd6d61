"""A model's actions and their files: data sources, imports, exports, other actions, processes.

Each model checks what it can see by itself (a file's layout, an import's one target). What needs a
sibling (the file an import reads, the list an action deletes from, the actions a process runs) is
checked by `ModelSpec` (``checks.py``), once every object's own fields are valid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from pyanaplan.emulator.csvio import CsvFormat, read_header
from pyanaplan.emulator.spec.base import (
    ACTION_TYPES,
    EXPORT_LAYOUTS,
    ActionId,
    ActionType,
    Character,
    Count,
    Encoding,
    ExportId,
    ExportLayout,
    FileId,
    ImportId,
    Loc,
    OptionalCharacter,
    Problems,
    ProcessId,
    Scalar,
    SpecModel,
    base_dir,
    known_encoding,
    one_of,
    problem,
    problems_error,
)


class FileSpec(SpecModel):
    """An import data source (api-notes §4.4 metadata) and its optional default content.

    In YAML, ``default_content`` is text (stored encoded in the file's ``encoding``) or
    ``default_content_file`` a path relative to the spec file; either way ``default_content``
    holds the bytes, or None when the file has no default content.
    """

    id: FileId
    name: str
    separator: OptionalCharacter = ","
    delimiter: OptionalCharacter = '"'
    encoding: Encoding = "UTF-8"
    header_row: Count = 1
    # Defaults to the row after header_row (see _read_content).
    first_data_row: Count = 2
    format: str = "txt"
    default_content: bytes | None = Field(default=None, repr=False)

    @model_validator(mode="before")
    @classmethod
    def _read_content(cls, data: Any, info: ValidationInfo) -> Any:
        # Runs on the YAML mapping, before the fields are validated: the bytes depend on two keys
        # (the text and the encoding) or on a file. A problem found here stops this file's other
        # checks, which is why there are few.
        if not isinstance(data, dict):
            return data
        data = dict(data)
        header_row = data.get("header_row")
        if data.get("first_data_row") is None and isinstance(header_row, int):
            data["first_data_row"] = header_row + 1
        text, path = data.get("default_content"), data.pop("default_content_file", None)
        try:
            content = _content_bytes(text, path, data.get("encoding", "UTF-8"), base_dir(info))
        except _ContentProblem as exc:
            raise problems_error(cls.__name__, [(exc.loc, str(exc))]) from None
        if content is not None:
            data["default_content"] = content
        return data

    @model_validator(mode="after")
    def _check_layout(self) -> FileSpec:
        found = Problems()
        if self.delimiter and self.delimiter == self.separator:
            found.add(("delimiter",), "must differ from the separator")
        if self.first_data_row and self.header_row and self.first_data_row <= self.header_row:
            found.add(("first_data_row",), "must come after header_row")
        found.raise_any(type(self).__name__)
        return self

    @property
    def header_names(self) -> tuple[str, ...]:
        """The header row of the default content; empty without content or a header row."""
        if self.default_content is None or not self.header_row:
            return ()
        try:
            return tuple(read_header(self.default_content, CsvFormat.of(self)))
        except ValueError:
            return ()

    def api_dict(self) -> dict[str, Any]:
        """The file's listing entry (api-notes §4.4) without ``chunkCount``."""
        return {
            "id": self.id,
            "name": self.name,
            "delimiter": self.delimiter,
            "encoding": self.encoding,
            "firstDataRow": self.first_data_row,
            "format": self.format,
            "headerRow": self.header_row,
            "separator": self.separator,
        }


class _ContentProblem(ValueError):
    """A problem with a file's default content, at ``loc`` inside the file's mapping."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc


def _content_bytes(text: Any, path: Any, encoding: Any, base: Path) -> bytes | None:
    """The default content a file's YAML gives: text in the file's encoding, or a file's bytes.

    Returns None when neither is given as text (a wrong type is then the field's own problem).
    """
    if text is not None and path is not None:
        raise _ContentProblem((), "give default_content or default_content_file, not both")
    if path is not None:
        if not isinstance(path, str):
            raise _ContentProblem(("default_content_file",), "must be a string")
        try:
            return (base / path).read_bytes()
        except OSError as exc:
            raise _ContentProblem(
                ("default_content_file",), f"cannot read {path!r}: {exc}"
            ) from None
    if not isinstance(text, str):
        return None
    # An unknown encoding is the encoding field's own problem; the text is still checked.
    usable = encoding if isinstance(encoding, str) and known_encoding(encoding) else "utf-8"
    try:
        return text.encode(usable)
    except UnicodeEncodeError:
        raise _ContentProblem(("default_content",), f"cannot be encoded as {encoding}") from None


class ListOrModule(SpecModel):
    """What an import writes to or an export reads from: ``{list: name}`` or ``{module: name}``."""

    list: str | None = None
    module: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ListOrModule:
        if (self.list is None) == (self.module is None):
            raise problem("give exactly one of list or module")
        return self


class ImportSpec(SpecModel):
    """An import: source file -> list or module, with a column mapping.

    ``mapping`` maps a source column name to a target field: for a list import ``name``,
    ``code``, ``parent`` or a property name; for a module import a dimension name or a
    line-item name. A dimension left out of the mapping is supplied at run time by a
    ``mappingParameters`` entry.
    """

    id: ImportId
    name: str
    source: str
    target: ListOrModule
    mapping: dict[str, Scalar] = Field(default_factory=dict, validate_default=True)

    @field_validator("mapping", mode="before")
    @classmethod
    def _some_columns(cls, value: Any) -> Any:
        if not isinstance(value, dict) or not value:
            raise problem("must map source columns to target fields")
        return value

    @property
    def target_list(self) -> str | None:
        """The list a list import writes to, else None."""
        return self.target.list

    @property
    def target_module(self) -> str | None:
        """The module a module import writes to, else None."""
        return self.target.module

    @property
    def import_type(self) -> str:
        """``HIERARCHY_DATA`` for list imports, ``MODULE_DATA`` for module imports
        (api-notes §4.6.1)."""
        return "HIERARCHY_DATA" if self.target.list is not None else "MODULE_DATA"


class ExportSpec(SpecModel):
    """An export of a module or list as CSV; its output file has the export's ID
    (api-notes §2.5)."""

    id: ExportId
    name: str
    source: ListOrModule
    layout: Annotated[ExportLayout, one_of(EXPORT_LAYOUTS)] = "TABULAR_MULTI_COLUMN"
    export_format: str = "text/csv"
    encoding: Encoding = "UTF-8"
    separator: Character = ","
    delimiter: OptionalCharacter = '"'

    @property
    def source_list(self) -> str | None:
        """The list a list export reads, else None."""
        return self.source.list

    @property
    def source_module(self) -> str | None:
        """The module a module export reads, else None."""
        return self.source.module


class Selection(SpecModel):
    """Which items a delete-by-selection action picks: those whose ``property`` equals ``equals``.

    ``property`` is a list property name, or ``name``/``code``.
    """

    property: str
    equals: str = ""


class ActionSpec(SpecModel):
    """A delete-by-selection action on the items of ``list`` that ``where`` selects."""

    id: ActionId
    name: str
    type: Annotated[ActionType, one_of(ACTION_TYPES)] = "DELETE_BY_SELECTION"
    list: str
    where: Selection

    @property
    def where_property(self) -> str:
        """The property (or ``name``/``code``) the selection compares."""
        return self.where.property

    @property
    def where_equals(self) -> str:
        """The value the selected items have."""
        return self.where.equals


class ProcessSpec(SpecModel):
    """A process: import, export and action IDs in run order."""

    id: ProcessId
    name: str
    actions: tuple[str, ...] = Field(default=(), validate_default=True)

    @field_validator("actions")
    @classmethod
    def _some_actions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise problem("a process needs at least one action")
        return value


Runnable = ImportSpec | ExportSpec | ActionSpec | ProcessSpec
"""What a task runs: an import, an export, another action or a process."""
