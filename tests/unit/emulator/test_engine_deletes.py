"""Delete-by-selection: the selected items and their cells go, nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_harness import EngineHarness
from engine_mini_spec import mini_harness

DELETE = "117000000001"


def test_delete_discontinued_products(engine: EngineHarness) -> None:
    outcome = engine.run(DELETE)
    assert outcome.successful is True
    assert outcome.failure_dump_available is False
    (detail,) = outcome.details
    assert detail["type"] == "itemsDeleted"
    assert detail["values"] == ["listName", "Products", "deletedCount", "4"]
    assert detail["localMessageText"] == "Products: 4 items deleted"
    names = [name for name, _, _ in engine.items("Products")]
    assert len(names) == 16
    assert not {"Touring Bike 100", "Chain 11-speed", "Wool Socks", "Floor Pump"} & set(names)
    exported = [row[0] for row in engine.export_rows()[1:]]
    assert "Touring Bike 100" not in exported and "Wool Socks" not in exported
    assert len(exported) == 4
    assert engine.run(DELETE).details[0]["values"][-1] == "0"


def test_delete_reaches_items_imported_later(engine: EngineHarness) -> None:
    engine.upload("113000000002", "Name,Code,Parent,Status\nTandem,P-1099,Bikes,Discontinued\n")
    engine.run("112000000002")
    assert engine.run(DELETE).details[0]["values"][-1] == "5"


@pytest.fixture
def mini(tmp_path: Path) -> Iterator[EngineHarness]:
    yield from mini_harness(tmp_path)


def test_delete_by_code_removes_cells_in_any_dimension_position(mini: EngineHarness) -> None:
    mini.upload(
        "113000000001", "Region;Channel;Qty;Ship;Rush;Via;Note\nE;Online;1;;;;\nW;Retail;2;;;;\n"
    )
    mini.run("112000000001")
    assert mini.run(DELETE).details[0]["values"][-1] == "1"
    assert [name for name, _, _ in mini.items("Regions")] == ["East"]
    assert [r[:3] for r in mini.export_rows()[1:]] == [["East", "Online", "1"]]
