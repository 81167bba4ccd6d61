"""Pure CLI helpers: sizes and mappings, the error table, output formats, the CSV generator."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import typer

from pyanaplan import errors
from pyanaplan.cli._errors import EXIT_CODES, report_for
from pyanaplan.cli._options import check_kind, parse_mapping, parse_size
from pyanaplan.cli._output import Output
from pyanaplan.cli._sales_csv import write_sales_csv

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("25MB", 25_000_000),
        ("10MiB", 10 * 1024 * 1024),
        ("512KB", 512_000),
        ("1048576", 1_048_576),
        ("1.5 GB", 1_500_000_000),
        ("2m", 2_000_000),
    ],
)
def test_parse_size_accepts_units(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "MB", "12XB", "-5MB", "0", "ten"])
def test_parse_size_rejects_bad_values(text: str) -> None:
    with pytest.raises(typer.BadParameter):
        parse_size(text)


def test_parse_mapping() -> None:
    assert parse_mapping(["Version=Actual", " Time = Jan 25 "]) == {
        "Version": "Actual",
        "Time": "Jan 25",
    }
    assert parse_mapping([]) is None
    with pytest.raises(typer.BadParameter):
        parse_mapping(["Version"])


def test_check_kind() -> None:
    assert check_kind("imports") == "import"
    assert check_kind("Process") == "process"
    assert check_kind("processes") == "process"
    with pytest.raises(typer.BadParameter):
        check_kind("module")


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (errors.ConfigError("bad"), 2),
        (errors.AuthenticationError("no", status=401), 3),
        (errors.PermissionDeniedError("no", status=403), 3),
        (errors.NotFoundError("gone", status=404), 4),
        (errors.NameNotFoundError("x", kind="import", query="x", candidates=[("A", "1")]), 4),
        (errors.AmbiguousNameError("x", kind="model", query="x", candidates=[("A", "1")]), 4),
        (errors.ConflictError("busy", status=409), 5),
        (errors.RateLimitedError("slow", status=429), 5),
        (errors.ServerError("down", status=503), 5),
        (errors.TransportError("refused"), 5),
        (errors.TransferError("short"), 5),
        (errors.TaskFailedError("failed", result=None), 1),
        (KeyboardInterrupt(), 130),
    ],
)
def test_error_table_exit_codes(exc: BaseException, code: int) -> None:
    report = report_for(exc)
    assert report.exit_code == code
    assert report.message
    assert report.hint


def test_error_report_keeps_candidates_and_library_hint() -> None:
    exc = errors.AmbiguousNameError(
        "Two models match 'Sales'.",
        kind="model",
        query="Sales",
        candidates=[("Sales", "AAA"), ("sales", "BBB")],
        hint="Pass the ID.",
    )
    report = report_for(exc)
    assert report.candidates == [{"name": "Sales", "id": "AAA"}, {"name": "sales", "id": "BBB"}]
    doc = report.as_json()
    assert doc["error"]["message"] == "Two models match 'Sales'."
    assert doc["error"]["hint"] == "Pass the ID."
    assert doc["error"]["code"] == "ambiguous_name"


def test_readme_exit_code_table_matches_the_cli() -> None:
    text = README.read_text(encoding="utf-8")
    documented = {int(m.group(1)) for m in re.finditer(r"^\|\s*`?(\d+)`?\s*\|", text, re.M)}
    assert set(EXIT_CODES) <= documented


def test_output_formats_render_the_same_rows(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"id": "1", "name": "North, East", "nested": {"a": 1}}, {"id": "2", "name": "South"}]
    columns = [("ID", "id"), ("Name", "name")]
    Output("json").records(rows, columns)
    assert json.loads(capsys.readouterr().out) == rows
    Output("csv").records(rows, columns)
    parsed = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert parsed == [["ID", "Name"], ["1", "North, East"], ["2", "South"]]
    Output("table").records(rows, columns)
    table = capsys.readouterr().out
    assert "North, East" in table and "South" in table


def test_json_is_the_default_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdout", io.StringIO())  # a pipe, not a terminal
    monkeypatch.setattr("sys.stderr", io.StringIO())
    out = Output(None)
    assert out.format == "json"
    assert not out.progress_enabled
    assert Output("table").format == "table"  # asked for explicitly


def test_sales_csv_has_the_requested_size_and_bad_rows(tmp_path: Path) -> None:
    products, regions = ["Alpha", "Beta, Inc"], ["North", "South"]
    result = write_sales_csv(
        tmp_path / "s.csv", size_bytes=200_000, products=products, regions=regions, bad_rows=4
    )
    assert abs(result.size_bytes - 200_000) < 2_000
    with result.path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Product", "Region", "Units", "Price", "Comment"]
    body = rows[1:]
    assert len(body) == result.rows
    bad = [r for r in body if r[0] not in products or r[1] not in regions or not _numbers(r)]
    assert len(bad) == result.bad_rows == 4


def _numbers(row: list[str]) -> bool:
    try:
        float(row[2]), float(row[3])
    except ValueError:
        return False
    return True
