"""Cancellation raises TaskCancelled and the caller's rollback leaves the model unchanged."""

from __future__ import annotations

import pytest
from engine_harness import EngineHarness

from pyanaplan.emulator.engine.runner import TaskCancelled


def _snapshot(engine: EngineHarness) -> tuple[list, list]:
    items = engine.conn.execute("SELECT * FROM list_items ORDER BY id").fetchall()
    cells = engine.conn.execute("SELECT * FROM module_cells ORDER BY 1, 2, 3, 4").fetchall()
    return items, cells


def test_cancel_mid_list_import_rolls_everything_back(engine: EngineHarness) -> None:
    rows = "".join(f"Region {i},R{i}\n" for i in range(30_000))
    engine.upload("113000000001", "Name,Code\nJapan,JP-NEW\n" + rows)
    before = _snapshot(engine)
    engine.cancel_after_checks = 1  # the second check (after 20k rows) says "cancelled"
    with pytest.raises(TaskCancelled):
        engine.run("112000000001")
    assert engine.checks == 2
    assert _snapshot(engine) == before
    assert "112000000001" not in engine.dumps


def test_cancel_mid_module_import(engine: EngineHarness) -> None:
    rows = "".join(f"Helmet,Japan,{i},1,\n" for i in range(25_000))
    engine.upload("113000000003", "Product,Region,Units,Price,Comment\n" + rows)
    before = _snapshot(engine)
    engine.cancel_after_checks = 0
    with pytest.raises(TaskCancelled):
        engine.run("112000000003")
    assert _snapshot(engine) == before


def test_cancel_inside_a_process_undoes_earlier_actions(engine: EngineHarness) -> None:
    before = _snapshot(engine)
    engine.cancel_after_checks = 2  # the process checks before each action: fail before the 3rd
    with pytest.raises(TaskCancelled):
        engine.run("118000000001")
    assert _snapshot(engine) == before


def test_cancel_before_delete(engine: EngineHarness) -> None:
    before = _snapshot(engine)
    engine.cancel_after_checks = 0
    with pytest.raises(TaskCancelled):
        engine.run("117000000001")
    assert _snapshot(engine) == before


def test_cancel_during_export(engine: EngineHarness) -> None:
    rows = "".join(f"Region {i},R{i}\n" for i in range(12_000))
    engine.upload("113000000001", "Name,Code\n" + rows)
    engine.upload(
        "113000000003",
        "Product,Region,Units,Price,Comment\n"
        + "".join(f"Helmet,Region {i},1,1,\n" for i in range(12_000)),
    )
    engine.run("112000000001")
    engine.run("112000000003")
    engine.cancel_after_checks = engine.checks
    with pytest.raises(TaskCancelled):
        engine.run("116000000001")
    assert "116000000001" not in engine.exports


def test_seed_model_replaces_the_data(engine: EngineHarness) -> None:
    before = _snapshot(engine)
    engine.run("118000000001")
    assert _snapshot(engine) != before
    engine.reseed()
    items, cells = _snapshot(engine)
    assert [row[2] for row in items] == [row[2] for row in before[0]]  # names, in order
    assert [row[-1] for row in cells] == [row[-1] for row in before[1]]
    assert len(engine.items("Products")) == 20


def test_unknown_action_id_raises_key_error(engine: EngineHarness) -> None:
    with pytest.raises(KeyError):
        engine.run("112000000099")
