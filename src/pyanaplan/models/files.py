"""Files and chunks (api-notes §4.4, §4.5)."""

from __future__ import annotations

from pyanaplan.models._base import AnaplanModel, Id

__all__ = ["Chunk", "File"]


class File(AnaplanModel):
    """An import data source or export output file. `chunk_count` 0 means no content for this
    user; export output files (116…) have no separator/encoding fields."""

    id: Id
    name: str = ""
    chunk_count: int = 0
    delimiter: str | None = None
    encoding: str | None = None
    first_data_row: int | None = None
    format: str | None = None
    header_row: int | None = None
    separator: str | None = None
    code: str | None = None
    origin: str | None = None
    language: str | None = None
    country: str | None = None


class Chunk(AnaplanModel):
    """One chunk of a file (IDs are strings "0", "1", …)."""

    id: Id
    name: str | None = None
