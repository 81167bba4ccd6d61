"""The streaming CSV reader: separators, delimiters, encodings, header rows and bad bytes."""

from __future__ import annotations

import io

import pytest

from pyanaplan.emulator.csvio import CsvFormat, CsvReader, printable, read_header


def _read(
    data: bytes, **fmt: object
) -> tuple[list[str] | None, list[tuple[int, list[str], str | None]]]:
    reader = CsvReader(io.BytesIO(data), CsvFormat(**fmt))  # type: ignore[arg-type]
    header = reader.header()
    return header, [tuple(r) for r in reader.records()]  # type: ignore[misc]


def test_comma_separated_with_quotes_and_embedded_newlines() -> None:
    data = b'Name,Comment\nHelmet,"Sizes S, M, L"\n"Rain ""Pro"" Jacket","two\nlines"\nPump,\n'
    header, rows = _read(data)
    assert header == ["Name", "Comment"]
    assert rows == [
        (2, ["Helmet", "Sizes S, M, L"], None),
        (3, ['Rain "Pro" Jacket', "two\nlines"], None),
        (4, ["Pump", ""], None),
    ]


def test_tab_separator_and_crlf_line_endings() -> None:
    header, rows = _read(b"Name\tCode\r\nJapan\tJPN\r\nAsia, Pacific\tAPAC\r\n", separator="\t")
    assert header == ["Name", "Code"]
    assert rows == [(2, ["Japan", "JPN"], None), (3, ["Asia, Pacific", "APAC"], None)]


def test_other_separator_and_no_delimiter_keeps_quotes_literal() -> None:
    header, rows = _read(b'Name;Code\n"Quoted";Q1\n', separator=";", delimiter="")
    assert header == ["Name", "Code"]
    assert rows == [(2, ['"Quoted"', "Q1"], None)]


def test_empty_separator_reads_one_field_per_line() -> None:
    _, rows = _read(b"Name\nNorth, America\nJapan\n", separator="")
    assert rows == [(2, ["North, America"], None), (3, ["Japan"], None)]


def test_iso_8859_1() -> None:
    header, rows = _read("Name,City\nBüro,Zürich\n".encode("latin-1"), encoding="ISO-8859-1")
    assert header == ["Name", "City"]
    assert rows == [(2, ["Büro", "Zürich"], None)]


def test_utf16le_with_bom() -> None:
    data = "\ufeffName,Code\nSão Paulo,SAO\n".encode("utf-16-le")
    header, rows = _read(data, encoding="UTF-16LE")
    assert header == ["Name", "Code"]
    assert rows == [(2, ["São Paulo", "SAO"], None)]


def test_utf8_bom_is_dropped() -> None:
    header, _ = _read("\ufeffName,Code\nX,1\n".encode())
    assert header == ["Name", "Code"]


def test_invalid_bytes_fail_only_their_row() -> None:
    data = b"Name,Code\nGood,1\nBad\xff\xfeName,2\nAlso good,3\n"
    header, rows = _read(data)
    assert header == ["Name", "Code"]
    assert rows[0] == (2, ["Good", "1"], None)
    line, fields, error = rows[1]
    assert line == 3 and fields[1] == "2"
    assert error == "Invalid character data for encoding UTF-8"
    assert printable(fields[0]) == "Bad\ufffd\ufffdName"
    assert rows[2] == (4, ["Also good", "3"], None)


def test_no_header_row_means_every_record_is_data() -> None:
    header, rows = _read(b"Japan,JPN\nPeru,PER\n", header_row=0, first_data_row=1)
    assert header is None
    assert [r[0] for r in rows] == [1, 2]


def test_header_row_and_first_data_row_skip_what_lies_between() -> None:
    data = b"Exported by Anaplan\nName,Code\nunits: none\nJapan,JPN\nPeru,PER\n"
    header, rows = _read(data, header_row=2, first_data_row=4)
    assert header == ["Name", "Code"]
    assert rows == [(4, ["Japan", "JPN"], None), (5, ["Peru", "PER"], None)]


def test_first_data_row_zero_starts_after_the_header() -> None:
    header, rows = _read(b"Name\nA\nB\n", header_row=1, first_data_row=0)
    assert header == ["Name"]
    assert [r[1] for r in rows] == [["A"], ["B"]]


def test_blank_lines_come_back_as_empty_records() -> None:
    _, rows = _read(b"Name\nA\n\nB\n")
    assert rows == [(2, ["A"], None), (3, [], None), (4, ["B"], None)]


def test_oversized_field_fails_its_row_and_reading_continues() -> None:
    data = b"Name\n" + b"x" * 200_000 + b"\nAfter\n"
    _, rows = _read(data)
    assert rows[0][2] is not None and rows[0][2].startswith("Unreadable row")
    assert rows[-1] == (rows[-1][0], ["After"], None)


def test_progress_fraction_reaches_one() -> None:
    data = b"Name\n" + b"".join(b"item %d\n" % i for i in range(50_000))
    reader = CsvReader(io.BytesIO(data), CsvFormat())
    assert reader.total_bytes == len(data)
    seen = []
    for count, _ in enumerate(reader.records()):
        if count % 10_000 == 0:
            seen.append(reader.fraction())
    assert seen == sorted(seen)
    assert reader.fraction() == 1.0


def test_unseekable_stream_has_no_fraction() -> None:
    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self._data = io.BytesIO(b"Name\nA\n")

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            return self._data.readinto(buffer)

    reader = CsvReader(Pipe(), CsvFormat())  # type: ignore[arg-type]
    assert [r[1] for r in reader.records()] == [["A"]]
    assert reader.fraction() is None


def test_unseekable_stream_may_state_its_size() -> None:
    class SizedPipe(io.RawIOBase):
        total_bytes = 7

        def __init__(self) -> None:
            self._data = io.BytesIO(b"Name\nA\n")

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            return self._data.readinto(buffer)

    reader = CsvReader(io.BufferedReader(SizedPipe()), CsvFormat())  # type: ignore[arg-type]
    assert reader.total_bytes == 7
    list(reader.records())
    assert reader.fraction() == 1.0


@pytest.mark.parametrize("encoding", ["UTF-8", "ISO-8859-1", "UTF-16LE"])
def test_read_header(encoding: str) -> None:
    content = "Product,Region,Units\nHelmet,Japan,3\n".encode(encoding.replace("LE", "-le"))
    assert read_header(content, CsvFormat(encoding=encoding)) == ["Product", "Region", "Units"]


def test_truncated_utf16_fails_the_last_row() -> None:
    data = "Name\nAsia\nJapan\n".encode("utf-16-le") + b"A"  # one stray byte at the end
    _, rows = _read(data, encoding="UTF-16LE")
    assert rows[0] == (2, ["Asia"], None)
    assert rows[1] == (3, ["Japan"], None)
    assert rows[2][2] == "Invalid character data for encoding UTF-16LE"


def test_lone_utf16_surrogate_fails_its_row_only() -> None:
    data = "Name\nA".encode("utf-16-le") + b"\x00\xd8" + "\nB\n".encode("utf-16-le")
    _, rows = _read(data, encoding="UTF-16LE")
    assert rows[0][0] == 2 and rows[0][2] == "Invalid character data for encoding UTF-16LE"
    assert rows[1] == (3, ["B"], None)
