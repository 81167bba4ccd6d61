"""Module imports: dimension items by name or code, value parsing per format, mapping parameters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_harness import EngineHarness
from engine_mini_spec import mini_harness

from pyanaplan.emulator.engine.imports import parse_value

SALES_IMPORT = "112000000003"


@pytest.fixture
def mini(tmp_path: Path) -> Iterator[EngineHarness]:
    yield from mini_harness(tmp_path)


def _values(detail: dict) -> dict[str, str]:
    values = detail["values"]
    return dict(zip(values[::2], values[1::2], strict=True))


def test_default_sales_file_after_products_fails_exactly_the_two_bad_rows(
    engine: EngineHarness,
) -> None:
    engine.run("112000000002")
    outcome = engine.run(SALES_IMPORT)
    assert outcome.successful is False
    assert outcome.failure_dump_available is True
    (detail,) = outcome.details
    assert detail["type"] == "moduleRowsProcessed"
    assert detail["values"][:2] == ["moduleName", "Sales"]
    values = _values(detail)
    assert (values["successRowCount"], values["failedCount"], values["totalRowCount"]) == (
        "40",
        "2",
        "42",
    )
    assert engine.dumps[SALES_IMPORT].decode() == (
        '"_Status_","Product","Region","Units","Price","Comment","_Line_","_Error_1_"\n'
        '"E","Road Bike 400","Japan","twelve","1299.00","Units typed as a word","5",'
        "\"Units: Invalid number: 'twelve'\"\n"
        '"E","Hoverboard X1","Western Europe","5","499.00","Not in the product list","36",'
        '"Item not located in Products list: Hoverboard X1"\n'
    )


def test_sales_before_products_also_fails_the_new_product(engine: EngineHarness) -> None:
    outcome = engine.run(SALES_IMPORT)
    assert _values(outcome.details[0])["failedCount"] == "5"
    dump = engine.dumps[SALES_IMPORT].decode().splitlines()
    assert sum(line.startswith('"E","Gravel Bike 250"') for line in dump) == 3


def test_every_format_is_parsed_and_stored(mini: EngineHarness) -> None:
    mini.upload(
        "113000000001",
        "Region;Channel;Qty;Ship;Rush;Via;Note\n"
        "East;Online;12.5;2026-03-01;yes;Retail;Größe M\n"
        "W;Retail;-3e2;;FALSE;;\n"
        "E;RTL;1;;;ONL;\n".encode("latin-1"),
    )
    outcome = mini.run("112000000001")
    assert outcome.successful is True
    assert mini.export_rows() == [
        ["Regions", "Channels", "Qty", "Ship Date", "Rush", "Via", "Note", "Double", "Half"],
        ["East", "Online", "12.5", "2026-03-01", "true", "Retail", "Größe M", "25", "-6.25"],
        ["East", "Retail", "1", "", "", "Online", "", "2", "-0.5"],
        ["West", "Retail", "-300", "", "false", "", "", "-600", "150"],
    ]


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ("East;Online;12,5;;;;", "Qty: Invalid number: '12,5'"),
        ("East;Online;1_000;;;;", "Qty: Invalid number: '1_000'"),
        ("East;Online;nan;;;;", "Qty: Invalid number: 'nan'"),
        (
            "East;Online;;2026-02-30;;;",
            "Ship Date: Invalid date: '2026-02-30' (expected YYYY-MM-DD)",
        ),
        (
            "East;Online;;01/03/2026;;;",
            "Ship Date: Invalid date: '01/03/2026' (expected YYYY-MM-DD)",
        ),
        ("East;Online;;;maybe;;", "Rush: Invalid boolean: 'maybe'"),
        ("East;Online;;;;Phone;", "Via: Item not located in list: Phone"),
        ("North;Online;1;;;;", "Item not located in Regions list: North"),
        ("East;;1;;;;", "Item not located in Channels list: "),
    ],
)
def test_bad_values_fail_their_row(mini: EngineHarness, row: str, error: str) -> None:
    mini.upload(
        "113000000001", f"Region;Channel;Qty;Ship;Rush;Via;Note\nWest;Online;1;;;;\n{row}\n"
    )
    outcome = mini.run("112000000001")
    assert outcome.successful is False
    assert _values(outcome.details[0])["successRowCount"] == "1"
    dump = mini.dumps["112000000001"].decode().splitlines()
    assert (
        dump[0]
        == '"_Status_","Region","Channel","Qty","Ship","Rush","Via","Note","_Line_","_Error_1_"'
    )
    assert dump[1].endswith(f',"3","{error}"')
    assert len(dump) == 2


def test_short_rows_are_padded_and_dumped_as_read(mini: EngineHarness) -> None:
    mini.upload("113000000001", "Region;Channel;Qty;Ship;Rush;Via;Note\nE;Online;7\nX;Online\n")
    outcome = mini.run("112000000001")
    assert _values(outcome.details[0])["successRowCount"] == "1"
    assert mini.export_rows()[1][:3] == ["East", "Online", "7"]
    dump = mini.dumps["112000000001"].decode().splitlines()
    assert dump[1] == '"E","X","Online","3","Item not located in Regions list: X"'


def test_empty_rows_are_ignored_and_empty_values_clear_cells(mini: EngineHarness) -> None:
    mini.upload("113000000001", "Region;Channel;Qty;Ship;Rush;Via;Note\nE;Online;5;;;;keep\n")
    mini.run("112000000001")
    mini.upload("113000000001", "Region;Channel;Qty;Ship;Rush;Via;Note\n;;;;;;\n\nE;Online;;;;;\n")
    outcome = mini.run("112000000001")
    values = _values(outcome.details[0])
    assert (values["ignoredCount"], values["successRowCount"]) == ("2", "1")
    assert mini.export_rows()[1] == ["East", "Online", "", "", "", "", "", "0", "0"]


def test_mapping_parameter_fixes_a_dimension_missing_from_the_file(mini: EngineHarness) -> None:
    mini.upload("113000000002", "Channel,Qty\nOnline,7\nRetail,9\n")
    outcome = mini.run(
        "112000000002",
        mapping=[
            {"entityType": "Version", "entityName": "Actual"},
            {"entityType": "regions", "entityName": "West"},
        ],
    )
    assert outcome.successful is True
    rows = mini.export_rows()[1:]
    assert [(r[0], r[1], r[2]) for r in rows] == [("West", "Online", "7"), ("West", "Retail", "9")]


def test_missing_mapping_parameter_fails_the_import(mini: EngineHarness) -> None:
    mini.upload("113000000002", "Channel,Qty\nOnline,7\n")
    outcome = mini.run("112000000002")
    assert outcome.current_step == "Failed."
    assert outcome.details[0]["localMessageText"] == (
        "No column or mapping parameter for dimension Regions"
    )
    bad = mini.run("112000000002", mapping=[{"entityType": "Regions", "entityName": "North"}])
    assert bad.details[0]["localMessageText"] == (
        "Mapping parameter: item 'North' not found in Regions"
    )


def test_tab_separated_list_import_without_quoting(mini: EngineHarness) -> None:
    mini.upload("113000000003", 'Name\tCode\n"North"\tN\n')
    assert mini.run("112000000003").successful
    assert ('"North"', "N", None) in mini.items("Regions")


@pytest.mark.parametrize(
    ("raw", "fmt", "expected"),
    [
        ("12", "number", (12.0, None)),
        (" -1.5e3 ", "number", (-1500.0, None)),
        (".5", "number", (0.5, None)),
        ("", "number", (None, None)),
        ("inf", "number", (None, "Invalid number: 'inf'")),
        ("True", "boolean", (1, None)),
        ("0", "boolean", (0, None)),
        ("2024-02-29", "date", ("2024-02-29", None)),
        ("20240229", "date", (None, "Invalid date: '20240229' (expected YYYY-MM-DD)")),
        (" padded ", "text", (" padded ", None)),
    ],
)
def test_parse_value(raw: str, fmt: str, expected: tuple) -> None:
    assert parse_value(raw, fmt) == expected
