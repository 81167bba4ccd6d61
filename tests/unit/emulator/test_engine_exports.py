"""Exports: CSV content with calculated line items, list exports, and the export detail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_harness import EngineHarness
from engine_mini_spec import mini_harness

from pyanaplan.emulator.engine import catalog
from pyanaplan.emulator.engine.exports import format_number
from pyanaplan.emulator.formulas import FormulaError, compile_formula

EXPORT = "116000000001"


@pytest.fixture
def mini(tmp_path: Path) -> Iterator[EngineHarness]:
    yield from mini_harness(tmp_path)


def test_export_after_reset_writes_the_seeded_cells_with_revenue(engine: EngineHarness) -> None:
    outcome = engine.run(EXPORT)
    assert outcome.successful is True
    assert outcome.failure_dump_available is False
    (detail,) = outcome.details
    assert detail["type"] == "exportSucceeded"
    size = len(engine.exports[EXPORT])
    assert detail["values"] == [
        "exportName",
        "Sales Report.csv",
        "rowCount",
        "6",
        "fileSize",
        str(size),
    ]
    assert engine.exports[EXPORT].decode() == (
        "Products,Regions,Units,Price,Revenue,Comment\n"
        "Road Bike 200,North America,64,899,57536,Launch stock\n"
        "Mountain Bike 500,Western Europe,18,1899,34182,\n"
        "Touring Bike 100,Japan,7,749,5243,Last units\n"
        "Wool Socks,Northern Europe,240,12,2880,\n"
        "Helmet,Asia Pacific,150,129,19350,\n"
        "Front Light,Central Europe,95,59,5605,\n"
    )


def test_export_reflects_imports_and_quotes_fields(engine: EngineHarness) -> None:
    engine.run("112000000002")
    engine.run("112000000003")
    rows = engine.export_rows()
    assert len(rows) == 1 + 6 + 40 - 1  # Road Bike 200 / North America was updated, not added
    by_key = {(r[0], r[1]): r[2:] for r in rows[1:]}
    assert by_key[("Road Bike 200", "North America")] == ["72", "899", "64728", "Reseller order"]
    assert by_key[("Helmet", "Japan")] == ["140", "129", "18060", "Sizes S, M, L"]
    assert b'"Sizes S, M, L"' in engine.exports[EXPORT]
    # Rows come out in list order: products as listed, then regions as listed.
    products = [r[0] for r in rows[1:]]
    order = [name for name, _, _ in engine.items("Products")]
    assert products == sorted(products, key=order.index)


def test_export_metadata_counts_rows_now(engine: EngineHarness) -> None:
    assert catalog.export_metadata(engine.model, EXPORT, engine.store.reader())["rowCount"] == 6
    engine.run("112000000002")
    engine.run("112000000003")
    assert catalog.export_metadata(engine.model, EXPORT, engine.store.reader())["rowCount"] == 45


def test_list_export(mini: EngineHarness) -> None:
    outcome = mini.run("116000000002")
    assert outcome.successful
    assert mini.exports["116000000002"].decode() == "Regions\tCode\nEast\tE\nWest\tW\n"


def test_module_export_with_no_cells_has_only_the_header(mini: EngineHarness) -> None:
    mini.run(EXPORT)
    assert mini.exports[EXPORT].decode() == (
        "Regions,Channels,Qty,Ship Date,Rush,Via,Note,Double,Half\n"
    )


def test_large_export_streams_in_several_chunks(engine: EngineHarness) -> None:
    rows = "".join(f"Region {i},R{i}\n" for i in range(4_500))
    engine.upload("113000000001", "Name,Code\n" + rows)
    engine.run("112000000001")
    seen: list[int] = []

    def write_export(export_id: str, chunks) -> int:  # type: ignore[no-untyped-def]
        sizes = [len(c) for c in chunks]
        seen.extend(sizes)
        return sum(sizes)

    engine._write_export = write_export  # type: ignore[method-assign]
    sales = "".join(f"Helmet,Region {i},1,2,\n" for i in range(4_500))
    engine.upload("113000000003", "Product,Region,Units,Price,Comment\n" + sales)
    engine.run("112000000003")
    engine.run(EXPORT)
    assert len(seen) >= 3


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (12.0, "12"),
        (-0.5, "-0.5"),
        (1e20, "1e+20"),
        (3, "3"),
        (0.1 + 0.2, "0.3"),  # 15 significant digits, not the binary float's repr
        (438 * 353.65, "154898.7"),
    ],
)
def test_format_number(value: float | None, text: str) -> None:
    assert format_number(value) == text


def test_formulas() -> None:
    formula = compile_formula(
        "('Unit Price' - Discount) * Units / 2", {"Unit Price", "Discount", "Units"}
    )
    assert formula.references == ("Unit Price", "Discount", "Units")
    assert formula.evaluate({"Unit Price": 10.0, "Discount": 2.0, "Units": 3.0}) == 12.0
    assert formula.evaluate({}) == 0.0
    assert compile_formula("Units / Price", {"Units", "Price"}).evaluate({"Units": 5.0}) == 0.0
    with pytest.raises(FormulaError, match="unsupported syntax"):
        compile_formula("Units ** 2", {"Units"})
    with pytest.raises(FormulaError, match="unsupported syntax"):
        compile_formula("__import__('os')", {"Units"})
    with pytest.raises(FormulaError, match="cannot parse"):
        compile_formula("Units *", {"Units"})
