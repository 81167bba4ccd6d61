"""How a CSV file of a model is laid out, and which columns a table must have to fill it.

A `CsvLayout` is built from what the API says about a file (api-notes §4.4: the file listing's
``separator``, ``delimiter`` — the quote character —, ``encoding``, ``headerRow`` and
``firstDataRow``), from an import's ``source`` metadata (api-notes §4.6.2: the same fields under
other names, plus ``decimalSeparator`` and ``headerNames``), or from an export's metadata
(``separator``, ``delimiter``, ``encoding``; exports say nothing about a header row, and a
tabular export writes one, so line 1 is taken as the header).

Pure: no I/O, no pyarrow.
"""

from __future__ import annotations

import codecs
import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pyanaplan.errors import ConfigError, TableError

__all__ = ["CsvLayout", "match_columns"]


@dataclass(frozen=True)
class CsvLayout:
    """The CSV dialect and row layout of one Anaplan file.

    Attributes:
        separator: Column separator, one character; ``""`` means one column per line.
        delimiter: Quote character around values (Anaplan's "text delimiter"); ``""`` for none.
        encoding: A Python codec name as Anaplan spells it (``UTF-8``, ``ISO-8859-1``,
            ``UTF-16LE`` …).
        header_row: 1-based line of the column names; 0 for no header.
        first_data_row: 1-based line of the first data row; 0 for "right after the header".
        decimal_separator: ``.`` or ``,`` for numbers written into the file.
    """

    separator: str = ","
    delimiter: str = '"'
    encoding: str = "UTF-8"
    header_row: int = 1
    first_data_row: int = 0
    decimal_separator: str = "."

    def __post_init__(self) -> None:
        if len(self.separator) > 1 or len(self.delimiter) > 1:
            raise ConfigError(
                f"The file's separator {self.separator!r} and text delimiter "
                f"{self.delimiter!r} must be single characters.",
            )
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ConfigError(
                f"The file's encoding {self.encoding!r} is not one Python knows.",
                hint="Check the file's encoding setting in Anaplan.",
            ) from None

    @classmethod
    def of_file(cls, file: Any, *, decimal_separator: str | None = None) -> CsvLayout:
        """From a file listing entry (a `File`): an import data source's own layout.

        Fields the listing leaves out (export output files have none) take CSV defaults.
        """
        header = file.header_row if file.header_row is not None else 1
        return cls(
            separator=_or(file.separator, ","),
            delimiter=_or(file.delimiter, '"'),
            encoding=file.encoding or "UTF-8",
            header_row=header,
            first_data_row=file.first_data_row or 0,
            decimal_separator=decimal_separator or ".",
        )

    @classmethod
    def of_export(cls, metadata: Any) -> CsvLayout:
        """From an `ExportMetadata`: separator, delimiter and encoding; header on line 1."""
        return cls(
            separator=_or(metadata.separator, ","),
            delimiter=_or(metadata.delimiter, '"'),
            encoding=metadata.encoding or "UTF-8",
            header_row=1,
        )

    @property
    def codec(self) -> str:
        """The Python codec name (``utf-8``, ``iso8859-1``, ``utf-16-le`` …)."""
        return codecs.lookup(self.encoding).name

    @property
    def is_utf8(self) -> bool:
        """Whether the bytes are UTF-8 (no transcoding needed)."""
        return self.codec == "utf-8"

    @property
    def data_start(self) -> int:
        """1-based line of the first data row (as the emulator and Anaplan count lines)."""
        if self.first_data_row > 0:
            return self.first_data_row
        return self.header_row + 1


def _or(value: str | None, default: str) -> str:
    # "" is meaningful (no separator / no quoting); only a missing field takes the default.
    return default if value is None else value


def match_columns(
    columns: Sequence[str],
    expected: Sequence[str],
    *,
    where: str,
) -> list[str]:
    """The table's columns in the file's order, or one error listing what is missing and extra.

    Names are compared with surrounding spaces removed (Anaplan ignores them in headers).

    Args:
        columns: The table's column names.
        expected: The file's columns (an import's ``headerNames``).
        where: Names the file and import for the message, e.g. "file 'Sales.csv' of import
            'Sales from Sales.csv'".

    Returns:
        The table's column names, ordered as the file expects them.

    Raises:
        TableError: Columns are missing or extra, or a name appears twice.
    """
    by_name: dict[str, str] = {}
    for name in columns:
        key = name.strip()
        if key in by_name:
            raise TableError(
                f"The table has the column {name!r} twice; the {where} needs each column once.",
                hint="Rename or drop one of them.",
            )
        by_name[key] = name
    wanted = [name.strip() for name in expected]
    missing = [name for name in wanted if name not in by_name]
    extra = [by_name[key] for key in by_name if key not in set(wanted)]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {_names(missing, list(by_name), 'the table has {!r}')}")
        if extra:
            parts.append(f"extra {_names(extra, wanted, 'did you mean {!r}?')}")
        raise TableError(
            f"The table's columns do not match the {where}: {'; '.join(parts)}. "
            "Nothing was uploaded.",
            missing=missing,
            extra=extra,
            hint=f"The file's columns are: {', '.join(repr(n) for n in wanted)}. Rename, add or "
            "drop columns to match.",
        )
    return [by_name[name] for name in wanted]


def _names(names: Sequence[str], others: Sequence[str], suggestion: str) -> str:
    lowered = {other.lower(): other for other in others}
    shown = []
    for name in names:
        close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.7)
        hint = suggestion.format(lowered[close[0]]) if close else ""
        shown.append(f"{name!r} ({hint})" if hint else repr(name))
    return ", ".join(shown)
