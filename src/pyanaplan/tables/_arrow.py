"""Optional libraries, imported only when a table is used, and any table as an Arrow stream.

pyarrow is the one library the table code needs (its CSV writer and reader do the work). The
others are never imported to *accept* a table: pandas ≥ 2.2, polars, DuckDB relations and pyarrow
objects all speak the Arrow PyCapsule stream interface (``__arrow_c_stream__``), which
``pyarrow.RecordBatchReader.from_stream`` reads without knowing where the data came from. They
are imported only to *return* a frame of their kind.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pyanaplan.errors import ConfigError, TableError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["as_batch_reader", "require", "require_pyarrow"]

# Library -> the extra that installs it.
_EXTRAS = {"pyarrow": "arrow", "pandas": "pandas", "polars": "polars", "duckdb": "duckdb"}


def require(name: str, *, purpose: str = "tables") -> ModuleType:
    """Import an optional library or say in one sentence how to install it.

    Args:
        name: ``pyarrow``, ``pandas``, ``polars`` or ``duckdb``.
        purpose: What it is needed for, for the message.

    Raises:
        ConfigError: The library is not installed.
    """
    try:
        return importlib.import_module(name)
    except ImportError:
        package = name.split(".")[0]
        extra = _EXTRAS.get(package, package)
        raise ConfigError(
            f"{purpose[:1].upper()}{purpose[1:]} need {package}, which is not installed: "
            f"pip install 'pyanaplan[{extra}]'.",
            hint=f"Install it with: pip install 'pyanaplan[{extra}]'",
        ) from None


def require_pyarrow() -> ModuleType:
    """``pyarrow`` with its ``csv`` and ``compute`` modules loaded, or a one-sentence error."""
    pa = require("pyarrow")
    importlib.import_module("pyarrow.csv")
    importlib.import_module("pyarrow.compute")
    return pa


def as_batch_reader(table: Any) -> pa.RecordBatchReader:
    """Any table as a stream of record batches, without importing the table's library.

    Accepts what speaks the Arrow PyCapsule stream interface (pyarrow Table, RecordBatch and
    RecordBatchReader, polars DataFrame, pandas ≥ 2.2 DataFrame, DuckDB relation, …).

    Raises:
        ConfigError: pyarrow is missing.
        TableError: The object is not a table, or its library cannot express it in Arrow (e.g.
            a pandas column mixing numbers and text).
    """
    pa = require_pyarrow()
    if isinstance(table, pa.RecordBatchReader):
        return table
    if isinstance(table, pa.RecordBatch):
        return pa.RecordBatchReader.from_batches(table.schema, [table])
    if not hasattr(table, "__arrow_c_stream__"):
        kind = type(table).__name__
        extra = (
            " pandas older than 2.2 does not speak it: upgrade pandas, or pass "
            "pyarrow.Table.from_pandas(df)."
            if type(table).__module__.startswith("pandas")
            else ""
        )
        raise TableError(
            f"Cannot read a {kind} as a table: it does not offer an Arrow stream "
            f"(__arrow_c_stream__).{extra}",
            hint="Pass a pyarrow Table, a polars or pandas (>= 2.2) DataFrame, or a DuckDB "
            "relation.",
        )
    try:
        return pa.RecordBatchReader.from_stream(table)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise TableError(
            f"The {type(table).__name__} could not be converted to Arrow: {_first_line(exc)}",
            hint="Give each column one type (e.g. convert mixed object columns to text).",
        ) from exc


def _first_line(exc: BaseException) -> str:
    # pandas' conversion errors carry two args (what failed, which column): keep both.
    text = "; ".join(str(arg).strip().splitlines()[0] for arg in exc.args if str(arg).strip())
    line = text or type(exc).__name__
    return line if line.endswith(".") else f"{line}."
