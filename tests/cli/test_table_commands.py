"""`upload --parquet / --from-query --duckdb` and `export -O out.parquet|.arrow|.jsonl` against
the demo model; stdout, stderr and exit codes checked apart."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

SALES = {
    "Product": ["Helmet", "Road Bike 200"],
    "Region": ["Japan", "Japan"],
    "Units": [3, 4],
    "Price": [1.5, 2.25],
    "Comment": ['say "hi", ok', None],
}


def sales_parquet(tmp_path: Path, columns: dict[str, list[Any]] = SALES) -> Path:
    path = tmp_path / "sales.parquet"
    pq.write_table(pa.table(columns), path)
    return path


def test_upload_parquet_then_import_and_export_to_parquet(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    run = cli(
        "-o", "json", "upload", "--parquet", str(sales_parquet(tmp_path)), "--file", "Sales.csv"
    )
    assert run.exit_code == 0, run
    assert run.json()["file_name"] == "Sales.csv" and run.json()["size"] > 0
    assert cli("import", "Sales from Sales.csv").exit_code == 0
    out = tmp_path / "report.parquet"
    run = cli("export", "Sales Report.csv", "-O", str(out))
    assert run.exit_code == 0, run
    assert "rows of export Sales Report.csv" in run.stderr
    table = pq.read_table(out)
    assert str(table.schema.field("Units").type) == "double"
    rows = {(r["Products"], r["Regions"]): r for r in table.to_pylist()}
    assert rows[("Helmet", "Japan")]["Units"] == 3.0
    assert rows[("Helmet", "Japan")]["Comment"] == 'say "hi", ok'
    assert not (tmp_path / "report.parquet.part").exists()


def test_upload_from_duckdb_query(cli: Callable[..., Any], tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    db = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE sales AS SELECT 'Helmet' AS Product, 'Japan' AS Region, 9 AS Units, "
                "1.25 AS Price, 'from duckdb' AS Comment")  # fmt: skip
    con.close()
    sql = "SELECT Product, Region, Units, Price, Comment FROM sales"
    run = cli("upload", "--from-query", sql, "--duckdb", str(db), "--file", "Sales.csv")
    assert run.exit_code == 0, run
    assert cli("import", "Sales from Sales.csv").exit_code == 0
    out = tmp_path / "report.jsonl"
    assert cli("export", "Sales Report.csv", "-O", str(out)).exit_code == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {"Products": "Helmet", "Regions": "Japan", "Units": 9.0, "Price": 1.25,
            "Revenue": 11.25, "Comment": "from duckdb"} in lines  # fmt: skip


def test_export_to_arrow_ipc(cli: Callable[..., Any], tmp_path: Path) -> None:
    out = tmp_path / "report.feather"
    assert cli("export", "Sales Report.csv", "-O", str(out)).exit_code == 0
    with pa.ipc.open_file(out) as reader:
        table = reader.read_all()
    assert table.num_rows == 6 and "Revenue" in table.schema.names


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from-query", "SELEC nonsense"], "The query failed in DuckDB: Parser Error"),
        (["--from-query", "SELECT CAST('x' AS INTEGER) AS Product"], "Conversion Error"),
        (["--from-query", "SELECT 1", "--duckdb", "missing.duckdb"], "does not exist"),
        (["--parquet", "{tmp}/not.parquet"], "is not a Parquet file"),
    ],
)
def test_bad_table_sources_are_one_sentence(
    cli: Callable[..., Any], tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "not.parquet").write_text("Product,Region\n", encoding="utf-8")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    run = cli("upload", *args, "--file", "Sales.csv")
    assert run.exit_code == 2, run
    assert message in run.stderr and "Traceback" not in run.stderr
    assert message in run.json()["error"]["message"]  # stdout: the one JSON error document


def test_missing_columns_name_them(cli: Callable[..., Any], tmp_path: Path) -> None:
    path = sales_parquet(tmp_path, {"Product": ["Helmet"], "Units": [1]})
    run = cli("upload", "--parquet", str(path), "--file", "Sales.csv")
    assert run.exit_code == 2, run
    assert "missing 'Region', 'Price', 'Comment'" in run.stderr


def test_unknown_export_extension(cli: Callable[..., Any], tmp_path: Path) -> None:
    run = cli("export", "Sales Report.csv", "-O", str(tmp_path / "report.xlsx"))
    assert run.exit_code == 2, run
    assert "the extension .xlsx is not one pyanaplan writes" in run.stderr
    assert not (tmp_path / "report.xlsx").exists()


def test_one_source_only(cli: Callable[..., Any], tmp_path: Path) -> None:
    path = sales_parquet(tmp_path)
    run = cli("upload", str(path), "--parquet", str(path), "--file", "Sales.csv")
    assert run.exit_code == 2 and "give one source" in run.stderr
