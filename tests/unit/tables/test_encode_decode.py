"""Pure CSV encoding and parsing (tables/encode.py, tables/decode.py): round trips for random
tables in random layouts, and the value rules the module docstrings promise."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")

from pyanaplan.errors import ConfigError, TableError  # noqa: E402
from pyanaplan.tables import CsvLayout, as_batch_reader, encode_csv, read_csv  # noqa: E402
from pyanaplan.tables.encode import _Transcoder  # noqa: E402

TYPES = {"t": "TEXT", "n": "NUMBER", "b": "BOOLEAN", "d": "DATE", "i": "NUMBER"}


def encode(table: Any, layout: CsvLayout, **kwargs: Any) -> bytes:
    return b"".join(encode_csv(as_batch_reader(table), layout, **kwargs))


def decode(data: bytes, layout: CsvLayout, *, typed: bool = True) -> Any:
    names = ["t", "n", "b", "d", "i"]
    return read_csv(
        io.BytesIO(data),
        layout,
        header_names=names,
        data_types=[TYPES[n] for n in names],
        typed=typed,
    ).read_all()


LAYOUTS = st.builds(
    CsvLayout,
    separator=st.sampled_from([",", ";", "\t", "|"]),
    delimiter=st.sampled_from(['"', "'"]),
    encoding=st.sampled_from(["UTF-8", "UTF-16LE", "UTF-16BE", "ISO-8859-1", "cp1252"]),
    header_row=st.sampled_from([0, 1, 2]),
    first_data_row=st.sampled_from([0, 4]),
)
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00")
    | st.sampled_from([",", ";", "\t", "|", '"', "'", "\n", "\r", " "]),
    max_size=12,
)
INTS = st.integers(-(2**53), 2**53)
FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=64) | st.none()


@st.composite
def tables(draw: Any) -> Any:
    rows = draw(st.integers(min_value=0, max_value=12))
    return pa.table(
        {
            "t": pa.array(
                draw(st.lists(TEXT | st.none(), min_size=rows, max_size=rows)), pa.string()
            ),
            "n": pa.array(draw(st.lists(FLOATS, min_size=rows, max_size=rows)), pa.float64()),
            "b": pa.array(draw(st.lists(st.booleans() | st.none(), min_size=rows, max_size=rows))),
            "d": pa.array(
                draw(st.lists(st.dates() | st.none(), min_size=rows, max_size=rows)), pa.date32()
            ),
            "i": pa.array(
                draw(
                    st.lists(st.integers(-(2**53), 2**53) | st.none(), min_size=rows, max_size=rows)
                ),
                pa.int64(),
            ),
        }
    )


def fits(table: Any, layout: CsvLayout) -> bool:
    """Whether every text value can be written in the layout's encoding."""
    for value in table.column("t").to_pylist():
        if value is None:
            continue
        try:
            value.encode(layout.codec)
        except UnicodeEncodeError:
            return False
    return True


def expected(table: Any) -> list[dict[str, Any]]:
    rows = []
    for row in table.to_pylist():
        rows.append(
            {
                "t": row["t"] or None,  # an empty string is a blank: null
                "n": row["n"],
                "b": row["b"],
                "d": row["d"],
                "i": None if row["i"] is None else float(row["i"]),
            }
        )
    return rows


@settings(max_examples=150, deadline=None)
@given(table=tables(), layout=LAYOUTS)
def test_round_trip(table: Any, layout: CsvLayout) -> None:
    if not fits(table, layout):
        with pytest.raises(TableError, match="cannot represent"):
            encode(table, layout)
        return
    data = encode(table, layout)
    if layout.header_row == 0 and table.num_rows == 0:
        assert data.decode(layout.codec) == "\n" * (layout.data_start - 1)
        return
    back = decode(data, layout)
    assert back.to_pylist() == expected(table)


def test_values_as_anaplan_reads_them() -> None:
    table = pa.table(
        {
            "f": pa.array([1e20, 1e-7, 123456789012.5, -0.0, math.nan, None, 2.0]),
            "s": pa.array(["", None, "NA", "x", "y", "z", "w"]),
        }
    )
    text = encode(table, CsvLayout()).decode()
    assert text.split("\n")[1:-1] == [
        '"100000000000000000000",""',
        '"0.0000001",',
        '"123456789012.5","NA"',
        '"-0","x"',
        ',"y"',
        ',"z"',
        '"2","w"',
    ]


def test_decimal_comma_and_timestamps() -> None:
    table = pa.table(
        {
            "n": pa.array([1.5, 1e21]),
            "ts": pa.array([dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 1, 12, 30)]),
        }
    )
    text = encode(table, CsvLayout(separator=";", decimal_separator=",")).decode()
    assert text.split("\n")[1:3] == [
        '"1,5";"2024-03-01"',
        '"1000000000000000000000";"2024-03-01 12:30:00.000000"',
    ]


def test_infinity_and_nested_types_are_refused() -> None:
    with pytest.raises(TableError, match="'x' holds an infinite number"):
        encode(pa.table({"x": [math.inf]}), CsvLayout())
    with pytest.raises(TableError, match="'l' has type list"):
        encode(pa.table({"l": [[1, 2]]}), CsvLayout())


def test_no_separator_needs_one_column() -> None:
    with pytest.raises(TableError, match="holds one column; the table has 2"):
        encode(pa.table({"a": ["x"], "b": ["y"]}), CsvLayout(separator=""))
    assert encode(pa.table({"a": ["x,y"]}), CsvLayout(separator="")) == b'a\n"x,y"\n'


def test_blocks_are_bounded() -> None:
    table = pa.table({"t": ["x" * 100] * 200_000})
    blocks = list(encode_csv(as_batch_reader(table), CsvLayout(), block_size=1 << 20))
    assert len(blocks) >= 8  # 20 MB of CSV
    assert max(len(b) for b in blocks) < 3 * (1 << 20)  # about a block: slices are no larger


@pytest.mark.parametrize("encoding", ["UTF-16LE", "UTF-16", "cp1252", "ISO-8859-15"])
def test_transcoder_handles_characters_split_between_blocks(encoding: str) -> None:
    text = "Grüße € 🚲 東京 end\n" * 3
    if encoding in ("cp1252", "ISO-8859-15"):
        text = text.replace("🚲", "").replace("東京", "")
    data = text.encode("utf-8")
    for cut in range(1, len(data)):
        transcode = _Transcoder(CsvLayout(encoding=encoding))
        out = transcode(bytearray(data[:cut])) + transcode(bytearray(data[cut:]), final=True)
        assert codecs.decode(bytes(out), encoding) == text


def test_decode_keeps_codes_as_text_and_names_bad_values() -> None:
    data = b"Code,Units\n007,12\nNA,twelve\n"
    layout = CsvLayout()
    with pytest.raises(TableError, match=r"Column 'Units'.* NUMBER.*twelve"):
        read_csv(io.BytesIO(data), layout, header_names=["Code", "Units"],
                 data_types=["TEXT", "NUMBER"]).read_all()  # fmt: skip
    table = read_csv(
        io.BytesIO(data), layout, header_names=["Code", "Units"], data_types=["TEXT", "NUMBER"],
        typed=False,
    ).read_all()  # fmt: skip
    assert table.to_pylist() == [{"Code": "007", "Units": "12"}, {"Code": "NA", "Units": "twelve"}]


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("UTF-8", codecs.BOM_UTF8),
        ("UTF-16LE", codecs.BOM_UTF16_LE),
        ("UTF-16BE", codecs.BOM_UTF16_BE),
    ],
)
def test_decode_drops_a_byte_order_mark(encoding: str, bom: bytes) -> None:
    data = bom + "Name,Flag\nÄ,TRUE\n".encode(encoding.replace("LE", "-le").replace("BE", "-be"))
    layout = CsvLayout(encoding=encoding)
    names, types = ["Name", "Flag"], ["TEXT", "BOOLEAN"]
    table = read_csv(io.BytesIO(data), layout, header_names=names, data_types=types).read_all()
    assert table.to_pylist() == [{"Name": "Ä", "Flag": True}]


def test_decode_types_by_position_when_the_header_was_renamed() -> None:
    data = b"A,B\nx,1.5\n"
    table = read_csv(io.BytesIO(data), CsvLayout(), header_names=["Item", "Value"],
                     data_types=["ENTITY", "NUMBER"]).read_all()  # fmt: skip
    assert table.to_pylist() == [{"A": "x", "B": 1.5}]


def test_decode_of_an_empty_file() -> None:
    table = read_csv(io.BytesIO(b""), CsvLayout(), header_names=["A"], data_types=["NUMBER"])
    assert table.read_all().num_rows == 0


def test_layout_rejects_unknown_encodings_and_long_separators() -> None:
    with pytest.raises(ConfigError, match="not one Python knows"):
        CsvLayout(encoding="EBCDIC-XYZ")
    with pytest.raises(ConfigError, match="single characters"):
        CsvLayout(separator="::")
