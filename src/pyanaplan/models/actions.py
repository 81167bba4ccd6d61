"""Imports, exports, actions and processes, with their metadata (api-notes §4.6.1, §4.6.2).

Type fields (`import_type`, `export_type`, `action_type`, `layout`, …) are plain strings so new
values Anaplan adds are kept rather than rejected.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from pyanaplan.models._base import AnaplanModel, Id, ListOf, OptionalId

__all__ = [
    "Action",
    "Export",
    "ExportMetadata",
    "Import",
    "ImportMetadata",
    "ImportSource",
    "Process",
    "ProcessAction",
    "ProcessMetadata",
]


class Import(AnaplanModel):
    """An import definition; `import_data_source_id` names its source file (113…)."""

    id: Id
    name: str = ""
    code: str | None = None
    import_data_source_id: OptionalId = None
    import_type: str | None = None
    import_data_source: dict[str, Any] | None = None


class Export(AnaplanModel):
    """An export definition; its output file has the same ID (api-notes §2.5)."""

    id: Id
    name: str = ""
    code: str | None = None
    export_type: str | None = None
    export_format: str | None = None
    encoding: str | None = None
    layout: str | None = None


class Action(AnaplanModel):
    """Another action (delete by selection, order hierarchy, optimizer, …)."""

    id: Id
    name: str = ""
    code: str | None = None
    action_type: str | None = None


class Process(AnaplanModel):
    """A process (runs actions in order)."""

    id: Id
    name: str = ""
    code: str | None = None


class ImportSource(AnaplanModel):
    """Source layout of a file import."""

    text_encoding: str | None = None
    column_separator: str | None = None
    text_delimiter: str | None = None
    header_row: int | None = None
    first_data_row: int | None = None
    decimal_separator: str | None = None
    header_names: Annotated[list[str], ListOf] = Field(default_factory=list)
    column_count: int | None = None


class ImportMetadata(AnaplanModel):
    """`importMetadata`: the import's type and, for FILE imports, the source layout."""

    name: str = ""
    type: str | None = None
    source: ImportSource | None = None


class ExportMetadata(AnaplanModel):
    """`exportMetadata`: columns, data types and layout of the export output."""

    column_count: int | None = None
    data_types: Annotated[list[str], ListOf] = Field(default_factory=list)
    delimiter: str | None = None
    encoding: str | None = None
    export_format: str | None = None
    header_names: Annotated[list[str], ListOf] = Field(default_factory=list)
    list_names: Annotated[list[str], ListOf] = Field(default_factory=list)
    row_count: int | None = None
    separator: str | None = None
    layout: str | None = None


class ProcessAction(AnaplanModel):
    """One step of a process (IMPORT, EXPORT, DELETE_BY_SELECTION, …)."""

    id: Id
    name: str = ""
    action_type: str | None = None
    import_data_source_id: OptionalId = None
    import_type: str | None = None
    export_type: str | None = None
    export_format: str | None = None
    layout: str | None = None


class ProcessMetadata(AnaplanModel):
    """`processMetadata`: the process's actions in run order."""

    name: str = ""
    actions: Annotated[list[ProcessAction], ListOf] = Field(default_factory=list)
