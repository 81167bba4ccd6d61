"""Tables in and out through the emulator (tests/client/specs/tables.yaml): every library, odd
data, files with a non-default separator, quote character, encoding and header rows."""

from __future__ import annotations

import datetime as dt
import io
import math
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")

from pyanaplan import Client, NotFoundError, TableError, TaskFailedError  # noqa: E402

CUSTOMERS = "Customers from Customers.tsv"
ACCOUNTS = "Accounts from Accounts.csv"
LEGACY = "Accounts from Legacy Accounts.csv"
PLAIN = "Accounts from Plain Accounts.txt"

# List item names with separators, quotes, non-Latin and astral characters (UTF-16 surrogates).
CUSTOMER_ROWS = [
    ("Acme, Inc.", "C-1", "Retail"),
    ('The "Best" Shop', "C-2", "Retail"),
    ("Café Übersee", "C-3", None),
    ("東京商事", "C-4", "Wholesale"),
    ("Bike 🚲 Co", "C-5", ""),
    ("Semi;Colon\tTab", "C-6", "Online"),
]
# Balance: large, tiny, negative, 15 significant digits; Note: quotes, separators, line breaks,
# unicode, an empty string and a null (both are a blank in Anaplan, read back as null).
ACCOUNT_ROWS = [
    ("Acme, Inc.", 1234567890.12345, True, dt.date(2024, 1, 31), 'He said "hi"; twice'),
    ('The "Best" Shop', -0.5, False, dt.date(1999, 12, 31), "line one\nline two"),
    ("Café Übersee", 1e15, None, None, "Grüße, à bientôt"),
    ("東京商事", 0.000125, True, dt.date(2100, 2, 28), "東京 🚲"),
    ("Bike 🚲 Co", None, False, dt.date(2024, 2, 29), ""),
    ("Semi;Colon\tTab", 42.0, True, dt.date(2000, 1, 1), None),
]
ACCOUNT_COLUMNS = ["Customer", "Balance", "Active", "Since", "Note"]


def customers_table() -> Any:
    names, codes, segments = zip(*CUSTOMER_ROWS, strict=True)
    return pa.table({"Name": list(names), "Code": list(codes), "Segment": list(segments)})


def accounts_table(rows: list[tuple[Any, ...]] = ACCOUNT_ROWS) -> Any:
    columns = list(zip(*rows, strict=True))
    return pa.table(
        {
            "Customer": pa.array(columns[0], pa.string()),
            "Balance": pa.array(columns[1], pa.float64()),
            "Active": pa.array(columns[2], pa.bool_()),
            "Since": pa.array(columns[3], pa.date32()),
            "Note": pa.array(columns[4], pa.string()),
        }
    )


def expected_accounts(rows: list[tuple[Any, ...]] = ACCOUNT_ROWS) -> list[dict[str, Any]]:
    """What an export returns: blanks (empty string or null) read back as null."""
    return sorted(
        (
            {
                "Customers": customer,
                "Balance": balance,
                "Active": active,
                "Since": since,
                "Note": note or None,
            }
            for customer, balance, active, since, note in rows
        ),
        key=lambda row: row["Customers"],
    )


def rows_of(table: Any) -> list[dict[str, Any]]:
    return sorted(table.to_pylist(), key=lambda row: row["Customers"])


def load_customers(client: Client) -> None:
    result = client.run_import(CUSTOMERS, table=customers_table())
    assert result.outcome.rows_rejected == 0
    assert result.counts is not None and result.counts.created == len(CUSTOMER_ROWS)


# -- round trips, one per library -----------------------------------------------------------


def test_pyarrow_round_trip_with_odd_data(tables_client: Client) -> None:
    load_customers(tables_client)
    tables_client.run_import(ACCOUNTS, table=accounts_table())
    table = tables_client.run_export("Accounts Report.csv", as_table="arrow")
    assert table.schema.names == ["Customers", "Balance", "Active", "Since", "Note"]
    assert [str(t) for t in table.schema.types] == ["string", "double", "bool", "date32[day]",
                                                     "string"]  # fmt: skip
    assert rows_of(table) == expected_accounts()


def test_pandas_round_trip(tables_client: Client) -> None:
    pd = pytest.importorskip("pandas")
    load_customers(tables_client)
    frame = pd.DataFrame(
        {
            "Customer": [r[0] for r in ACCOUNT_ROWS],
            "Balance": [math.nan if r[1] is None else r[1] for r in ACCOUNT_ROWS],
            "Active": pd.array([r[2] for r in ACCOUNT_ROWS], dtype="boolean"),
            # pandas keeps dates as datetime64: midnight timestamps are written as dates.
            "Since": pd.to_datetime([r[3] for r in ACCOUNT_ROWS]),
            "Note": [r[4] for r in ACCOUNT_ROWS],
        }
    )
    tables_client.run_import(ACCOUNTS, table=frame)
    out = tables_client.run_export("Accounts Report.csv", as_table="pandas")
    assert isinstance(out, pd.DataFrame)
    assert str(out["Balance"].dtype) == "float64"
    got = pa.Table.from_pandas(out, preserve_index=False)
    assert rows_of(got) == expected_accounts()


def test_polars_round_trip(tables_client: Client) -> None:
    pl = pytest.importorskip("polars")
    load_customers(tables_client)
    frame = pl.DataFrame(
        [list(r) for r in ACCOUNT_ROWS],
        schema={
            "Customer": pl.String,
            "Balance": pl.Float64,
            "Active": pl.Boolean,
            "Since": pl.Date,
            "Note": pl.String,
        },
        orient="row",
    ).with_columns(pl.col("Customer").cast(pl.Categorical))  # dictionary of string views
    tables_client.run_import(ACCOUNTS, table=frame)
    out = tables_client.run_export("Accounts Report.csv", as_table="polars")
    assert isinstance(out, pl.DataFrame)
    assert out.schema["Since"] == pl.Date and out.schema["Active"] == pl.Boolean
    assert rows_of(out.to_arrow()) == expected_accounts()


def test_duckdb_round_trip(tables_client: Client) -> None:
    duckdb = pytest.importorskip("duckdb")
    load_customers(tables_client)
    con = duckdb.connect()
    con.execute("CREATE TABLE accounts (Customer VARCHAR, Balance DOUBLE, Active BOOLEAN, "
                "Since DATE, Note VARCHAR)")  # fmt: skip
    con.executemany("INSERT INTO accounts VALUES (?, ?, ?, ?, ?)", [list(r) for r in ACCOUNT_ROWS])
    relation = con.sql("SELECT * FROM accounts")
    tables_client.run_import(ACCOUNTS, table=relation)  # a DuckDB relation, read as a stream
    exported = tables_client.run_export("Accounts Report.csv", as_table="arrow")  # noqa: F841
    # DuckDB reads the Arrow table by its Python name.
    back = con.sql("SELECT * FROM exported ORDER BY Customers").arrow()
    back = back.read_all() if hasattr(back, "read_all") else back
    assert back.to_pylist() == expected_accounts()


# -- layouts --------------------------------------------------------------------------------


def test_upload_uses_the_files_own_layout(tables_client: Client) -> None:
    """Tab-separated UTF-16LE, header on line 1: the bytes on the server say so."""
    tables_client.upload_table(customers_table(), file="Customers.tsv")
    raw = io.BytesIO()
    tables_client.download("Customers.tsv", raw)
    text = raw.getvalue().decode("utf-16-le")
    lines = text.split("\n")
    assert lines[0] == "Name\tCode\tSegment"
    assert lines[1] == '"Acme, Inc."\t"C-1"\t"Retail"'
    assert '"东京商事"' not in text and '"東京商事"' in text


def test_header_on_line_two_and_latin1(tables_client: Client, tables_emu: Any) -> None:
    load_customers(tables_client)
    rows = [r for r in ACCOUNT_ROWS if all(ord(c) < 256 for c in r[0] + (r[4] or ""))]
    result = tables_client.run_import(LEGACY, table=accounts_table(rows))
    assert result.outcome.rows_rejected == 0
    raw = io.BytesIO()
    tables_client.download("Legacy Accounts.csv", raw)
    lines = raw.getvalue().decode("iso-8859-1").split("\n")
    assert lines[0] == "" and lines[1].startswith("Customer,") and lines[2] == ""
    assert "Grüße, à bientôt" in raw.getvalue().decode("iso-8859-1")
    table = tables_client.run_export("Accounts Report.csv", as_table="arrow")
    assert rows_of(table) == expected_accounts(rows)


def test_a_character_outside_the_files_encoding_is_an_error(tables_client: Client) -> None:
    load_customers(tables_client)
    with pytest.raises(TableError, match=r"'東'.*ISO-8859-1 cannot represent"):
        tables_client.run_import(LEGACY, table=accounts_table())


def test_file_without_text_delimiter(tables_client: Client) -> None:
    load_customers(tables_client)
    rows = [("Acme, Inc.", 1.5, True, dt.date(2024, 1, 1), 'quotes " are fine')]
    tables_client.run_import(PLAIN, table=accounts_table(rows))
    assert rows_of(tables_client.run_export("Accounts Report.csv", as_table="arrow")) == (
        expected_accounts(rows)
    )
    bad = [("Acme, Inc.", 1.5, True, dt.date(2024, 1, 1), "a | b")]
    with pytest.raises(TableError, match="no text delimiter"):
        tables_client.run_import(PLAIN, table=accounts_table(bad))


def test_export_with_semicolons_in_utf16(tables_client: Client) -> None:
    """A list export with its own separator and encoding, read through its metadata."""
    load_customers(tables_client)
    with pytest.raises(NotFoundError):  # not run yet: no output to read, and no empty table
        tables_client.download("Customers Report.txt", as_table="arrow")
    tables_client.run_export("Customers Report.txt")
    table = tables_client.download("Customers Report.txt", as_table="arrow")
    assert table.schema.names == ["Customers", "Code", "Segment"]
    got = sorted(table.to_pylist(), key=lambda r: r["Code"])
    assert got == [{"Customers": n, "Code": c, "Segment": s or None} for n, c, s in CUSTOMER_ROWS]


def test_data_source_downloads_as_text(tables_client: Client) -> None:
    tables_client.upload_table(customers_table(), file="Customers.tsv")
    table = tables_client.download("Customers.tsv", as_table="arrow")
    assert table.schema.names == ["Name", "Code", "Segment"]
    assert table.column("Name").to_pylist() == [r[0] for r in CUSTOMER_ROWS]


def test_untyped_and_streamed_reads(tables_client: Client) -> None:
    load_customers(tables_client)
    tables_client.run_import(ACCOUNTS, table=accounts_table())
    text = tables_client.run_export("Accounts Report.csv", as_table="arrow", typed=False)
    assert set(map(str, text.schema.types)) == {"string"}
    reader = tables_client.download("Accounts Report.csv", as_table="batches")
    assert isinstance(reader, pa.RecordBatchReader)
    assert sum(batch.num_rows for batch in reader) == len(ACCOUNT_ROWS)


def test_many_chunks_up_and_down(tables_client: Client) -> None:
    """Several upload chunks of UTF-16 text, then an export read through the pipe."""
    count = 60_000
    names = [f"Kunde {i:06d} — 東京 🚲" for i in range(count)]
    table = pa.table(
        {"Name": names, "Code": [f"K{i}" for i in range(count)], "Segment": ["S"] * count}
    )
    result = tables_client.upload_table(table, file="Customers.tsv", chunk_size=1024 * 1024)
    assert result.chunks > 2
    imported = tables_client.run_import(CUSTOMERS)
    assert imported.outcome.rows_rejected == 0
    out = tables_client.run_export("Customers Report.txt", as_table="arrow")
    assert sorted(out.column("Customers").to_pylist()) == names


# -- checks before anything is sent ---------------------------------------------------------


def test_column_mismatch_sends_nothing(tables_client: Client, tables_emu: Any) -> None:
    load_customers(tables_client)
    before = len(tables_emu.requests())
    wrong = accounts_table().rename_columns(["customer", "Balance", "Active", "Since", "Comment"])
    with pytest.raises(TableError) as caught:
        tables_client.run_import(ACCOUNTS, table=wrong)
    error = caught.value
    assert error.missing == ("Customer", "Note") and error.extra == ("customer", "Comment")
    assert "did you mean 'Customer'?" in error.message and "Nothing was uploaded" in error.message
    sent = [r for r in tables_emu.requests()[before:] if r["method"] in ("PUT", "POST")]
    assert sent == []


def test_columns_are_written_in_the_files_order(tables_client: Client) -> None:
    load_customers(tables_client)
    shuffled = accounts_table().select(["Note", "Since", "Customer", "Active", "Balance"])
    tables_client.run_import(ACCOUNTS, table=shuffled)
    table = tables_client.run_export("Accounts Report.csv", as_table="arrow")
    assert rows_of(table) == expected_accounts()


def test_not_a_table(tables_client: Client) -> None:
    with pytest.raises(TableError, match="does not offer an Arrow stream"):
        tables_client.upload_table([{"Name": "x"}], file="Customers.tsv")


def test_as_table_argument_errors(tables_client: Client) -> None:
    from pyanaplan import ConfigError

    with pytest.raises(ConfigError, match="as_table must be one of"):
        tables_client.run_export("Accounts Report.csv", as_table="excel")  # type: ignore[call-overload]
    with pytest.raises(ConfigError, match="not both"):
        tables_client.download("Accounts Report.csv", io.BytesIO(), as_table="arrow")  # type: ignore[call-overload]
    with pytest.raises(ConfigError, match="leave wait and check on"):
        tables_client.run_export("Accounts Report.csv", as_table="arrow", check=False)


def test_a_failed_download_fails_the_table(tables_client: Client, tables_emu: Any) -> None:
    """Never a truncated table: the download's error reaches the caller."""
    load_customers(tables_client)
    tables_client.run_import(ACCOUNTS, table=accounts_table())
    tables_client.run_export("Accounts Report.csv")
    tables_emu.inject(path="*/files/116000000001", method="GET", status=404, times=None)
    with pytest.raises(NotFoundError, match="404"):
        tables_client.download("Accounts Report.csv", as_table="arrow")


def test_failed_import_with_table_raises(tables_client: Client, tmp_path: Path) -> None:
    """Rows the import rejects still fail the run: the table path changes nothing there."""
    with pytest.raises(TaskFailedError):  # no customers loaded yet: every row is rejected
        tables_client.run_import(ACCOUNTS, table=accounts_table(), dump_dir=tmp_path)
    assert list(tmp_path.iterdir())  # the failure dump was saved
