"""`pyanaplan import` / `process` with rejected and ignored rows, against both server behaviours:
exit 1 naming the counts unless --accept-partial (exit 0 with a warning naming the counts and the
dumps); ignored rows are a warning unless --fail-on-ignored."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

SALES_IMPORT = "Sales from Sales.csv"
PROCESS = "Load Sales and Export"
HEADER = "Product,Region,Units,Price,Comment\n"
GOOD = "Road Bike 200,North America,10,899.00,ok\nHelmet,Japan,5,59.00,\n"
BAD = "Unknown Bike,Japan,1,1.00,no such product\nHelmet,Japan,lots,59.00,not a number\n"


def sales(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sales.csv"
    path.write_text(HEADER + text, encoding="utf-8")
    return path


def one_line(text: str) -> str:
    return " ".join(text.split())  # stderr wraps long lines


@pytest.mark.parametrize("command", ["import", "process"])
def test_rejected_rows_exit_1_naming_the_counts(
    cli, tmp_path: Path, command: str, rejected_rows_successful: bool
) -> None:
    assert cli("upload", str(sales(tmp_path, GOOD + BAD)), "--file", "Sales.csv").exit_code == 0
    name = SALES_IMPORT if command == "import" else PROCESS
    dumps = tmp_path / "dumps"
    run = cli(command, name, "--dump-dir", str(dumps))
    assert run.exit_code == 1, run
    error = run.json()["error"]
    assert error["code"] == "task_failed" and error["exit_code"] == 1
    assert "loaded only part of its data" in error["message"]
    assert "2 rows rejected (failedCount 2, invalidCount 2)" in error["message"]
    assert "--accept-partial" in error["hint"]
    (dump,) = [Path(p) for p in error["dump_paths"]]
    assert dump.parent == dumps and dump.read_text(encoding="utf-8").count("\n") == 3
    assert str(dump) in one_line(run.stderr)


@pytest.mark.parametrize("command", ["import", "process"])
def test_accept_partial_exits_0_with_a_warning(
    cli, tmp_path: Path, command: str, rejected_rows_successful: bool
) -> None:
    assert cli("upload", str(sales(tmp_path, GOOD + BAD)), "--file", "Sales.csv").exit_code == 0
    name = SALES_IMPORT if command == "import" else PROCESS
    dumps = tmp_path / "dumps"
    run = cli(command, name, "--dump-dir", str(dumps), "--accept-partial")
    assert run.exit_code == 0, run
    result = run.json()
    assert result["server_successful"] is rejected_rows_successful
    assert result["successful"] is False
    assert result["outcome"]["status"] == "partial" and result["outcome"]["accepted"] is True
    assert result["outcome"]["rows_rejected"] == 2
    (dump,) = result["dump_paths"]
    assert Path(dump).parent == dumps
    warning = one_line(run.stderr)
    assert "Warning:" in warning and "2 rows rejected" in warning
    assert "Accepted because of --accept-partial" in warning and dump in warning


def test_accept_partial_does_not_hide_a_failure(
    cli, tmp_path: Path, rejected_rows_successful: bool
) -> None:
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("Foo,Bar\n1,2\n", encoding="utf-8")
    run = cli("import", SALES_IMPORT, "--upload", str(wrong), "--accept-partial")
    assert run.exit_code == 1, run
    assert "failed" in run.json()["error"]["message"]


def test_ignored_rows_warn_unless_asked_to_fail(
    cli, tmp_path: Path, rejected_rows_successful: bool
) -> None:
    data = sales(tmp_path, GOOD + ",,,,\n")
    run = cli("import", SALES_IMPORT, "--upload", str(data))
    assert run.exit_code == 0, run
    assert run.json()["outcome"]["status"] == "succeeded"
    assert "1 row ignored" in one_line(run.stderr) and "--fail-on-ignored" in run.stderr
    strict = cli("import", SALES_IMPORT, "--fail-on-ignored")
    assert strict.exit_code == 1, strict
    assert "1 row ignored" in strict.json()["error"]["message"]
    process = cli("process", PROCESS, "--fail-on-ignored")
    assert process.exit_code == 1, process


def test_clean_run_has_no_warning(cli, tmp_path: Path, rejected_rows_successful: bool) -> None:
    run = cli("import", SALES_IMPORT, "--upload", str(sales(tmp_path, GOOD)))
    assert run.exit_code == 0, run
    assert run.json()["outcome"]["status"] == "succeeded"
    assert "Warning" not in run.stderr


def test_csv_output_carries_the_outcome(cli, tmp_path: Path, rejected_rows_successful: bool):
    data = sales(tmp_path, GOOD + BAD)
    dumps = str(tmp_path / "dumps")
    run = cli(
        "-o", "csv", "import", SALES_IMPORT, "--upload", str(data), "--dump-dir", dumps,
        "--accept-partial",
    )  # fmt: skip
    assert run.exit_code == 0, run
    (row,) = csv.DictReader(io.StringIO(run.stdout))
    assert row["outcome.status"] == "partial" and row["outcome.rows_rejected"] == "2"
    assert row["counts.rows_failed"] == "2" and row["successful"] == "no"
    assert row["server_successful"] == ("yes" if rejected_rows_successful else "no")
