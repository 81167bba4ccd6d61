"""Tables in and out of Anaplan files: Arrow streams encoded as an import's CSV, CSV parsed into
Arrow with an export's types (docs: "Tables").

Everything here is pure (no network, no files): `encode.encode_csv` turns an Arrow stream into CSV
blocks, `decode.read_csv` turns a binary stream into Arrow batches, `layout.CsvLayout` says how a
file is laid out, `convert.to_kind` makes pandas or polars frames. `pyanaplan._table_ops` wires
them to the client's public methods. Re-exports only.
"""

from pyanaplan.tables._arrow import as_batch_reader, require, require_pyarrow
from pyanaplan.tables.convert import TableKind, check_kind, to_kind
from pyanaplan.tables.decode import arrow_type, read_csv
from pyanaplan.tables.encode import EncodeStats, encode_csv
from pyanaplan.tables.layout import CsvLayout, match_columns

__all__ = [
    "CsvLayout",
    "EncodeStats",
    "TableKind",
    "arrow_type",
    "as_batch_reader",
    "check_kind",
    "encode_csv",
    "match_columns",
    "read_csv",
    "require",
    "require_pyarrow",
    "to_kind",
]
