"""Turn a stream of record batches into the kind of table the caller asked for.

``as_table`` values:

* ``"arrow"``: a `pyarrow.Table`.
* ``"pandas"``: a `pandas.DataFrame` (`pyarrow.Table.to_pandas` defaults: numbers float64 with
  NaN for blanks, dates as `datetime.date` objects, booleans with blanks as objects).
* ``"polars"``: a `polars.DataFrame` (types kept: Float64, Boolean, Date, String).
* ``"batches"``: the `pyarrow.RecordBatchReader` itself, for data larger than memory: write it
  to Parquet, hand it to DuckDB, or iterate it; it must be read to its end (or closed).

Pure: conversions only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, get_args

from pyanaplan.errors import ConfigError
from pyanaplan.tables._arrow import require

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["TableKind", "check_kind", "to_kind"]

#: What `as_table=` accepts.
TableKind = Literal["arrow", "pandas", "polars", "batches"]
_KINDS: tuple[str, ...] = get_args(TableKind)


def check_kind(kind: str) -> TableKind:
    """Validate an ``as_table`` value before any work is done, and check its library is there.

    Raises:
        ConfigError: Unknown kind, or its library is not installed (one sentence with the pip
            command).
    """
    if kind not in _KINDS:
        raise ConfigError(
            f"as_table must be one of {', '.join(repr(k) for k in _KINDS)}; got {kind!r}.",
        )
    require("pyarrow")
    if kind in ("pandas", "polars"):
        require(kind)
    return kind  # type: ignore[return-value]


def to_kind(reader: pa.RecordBatchReader, kind: TableKind) -> Any:
    """Read `reader` into a table of `kind` (``batches`` returns the reader unread)."""
    if kind == "batches":
        return reader
    table = reader.read_all()
    if kind == "arrow":
        return table
    if kind == "pandas":
        return table.to_pandas()
    polars = require("polars")
    return polars.from_arrow(table)
