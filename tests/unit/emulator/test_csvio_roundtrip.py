"""Property: whatever csv.writer writes, csvio reads back field for field."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from pyanaplan.emulator.csvio import CsvFormat, CsvReader

# Text without lone surrogates (not encodable) or NUL (the "no separator" stand-in).
_FIELD = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=20,
)
_ROWS = st.lists(st.lists(_FIELD, min_size=1, max_size=5), min_size=1, max_size=20)


@settings(max_examples=150, deadline=None)
@given(
    rows=_ROWS,
    separator=st.sampled_from([",", "\t", ";", "|"]),
    encoding=st.sampled_from(["UTF-8", "UTF-16LE"]),
)
def test_csv_writer_output_round_trips(
    rows: list[list[str]], separator: str, encoding: str
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(["header"])
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-16-le" if encoding == "UTF-16LE" else "utf-8")
    reader = CsvReader(io.BytesIO(data), CsvFormat(separator=separator, encoding=encoding))
    assert reader.header() == ["header"]
    records = list(reader.records())
    assert [r[2] for r in records] == [None] * len(rows)
    assert [r[1] for r in records] == rows
    assert [r[0] for r in records] == list(range(2, len(rows) + 2))


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.lists(st.text(alphabet='abcé ,"xyz', max_size=8), min_size=1, max_size=4),
        min_size=1,
        max_size=10,
    )
)
def test_latin1_round_trip(rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    data = buffer.getvalue().encode("latin-1")
    reader = CsvReader(
        io.BytesIO(data), CsvFormat(encoding="ISO-8859-1", header_row=0, first_data_row=1)
    )
    assert [r[1] for r in reader.records()] == rows


@settings(max_examples=200, deadline=None)
@given(
    data=st.binary(max_size=300),
    encoding=st.sampled_from(["UTF-8", "ISO-8859-1", "UTF-16LE", "UTF-16"]),
    separator=st.sampled_from([",", "\t", ""]),
    delimiter=st.sampled_from(['"', ""]),
)
def test_arbitrary_bytes_never_crash(
    data: bytes, encoding: str, separator: str, delimiter: str
) -> None:
    reader = CsvReader(
        io.BytesIO(data), CsvFormat(separator=separator, delimiter=delimiter, encoding=encoding)
    )
    reader.header()
    lines = [line for line, _, _ in reader.records()]
    assert lines == sorted(set(lines))
    assert all(line >= 2 for line in lines)
