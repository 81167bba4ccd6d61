"""Processes: actions in order, nested results, OR of dumps, stop on a hard failure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_harness import EngineHarness
from engine_mini_spec import mini_harness

PROCESS = "118000000001"


def test_load_sales_and_export(engine: EngineHarness) -> None:
    outcome = engine.run(PROCESS)
    assert [n.object_id for n in outcome.nested] == [
        "112000000001",
        "112000000002",
        "112000000003",
        "116000000001",
    ]
    assert [n.successful for n in outcome.nested] == [True, True, False, True]
    assert [n.failure_dump_available for n in outcome.nested] == [False, False, True, False]
    assert outcome.successful is False
    assert outcome.failure_dump_available is True
    assert outcome.current_step == "Complete."
    assert set(engine.dumps) == {"112000000003"}
    # The export ran after the imports: it holds the imported rows.
    assert engine.exports["116000000001"].count(b"\n") == 1 + 45


def test_result_dict_shape(engine: EngineHarness) -> None:
    result = engine.run(PROCESS).result_dict()
    assert result["objectId"] == PROCESS
    assert result["objectName"] == "Load Sales and Export"
    assert result["successful"] is False and result["failureDumpAvailable"] is True
    assert result["details"] == []
    nested = result["nestedResults"]
    assert [n["objectId"] for n in nested] == [
        "112000000001",
        "112000000002",
        "112000000003",
        "116000000001",
    ]
    assert all("nestedResults" not in n for n in nested)
    assert nested[2]["details"][0]["type"] == "moduleRowsProcessed"
    assert set(nested[0]) == {
        "details",
        "failureDumpAvailable",
        "objectId",
        "objectName",
        "successful",
    }
    single = engine.run("112000000001").result_dict()
    assert "nestedResults" not in single


def test_progress_spans_the_whole_process(engine: EngineHarness) -> None:
    engine.run(PROCESS)
    fractions = [f for f, _ in engine.progress]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0 and fractions[0] <= 0.25


@pytest.fixture
def mini(tmp_path: Path) -> Iterator[EngineHarness]:
    yield from mini_harness(tmp_path)


def test_hard_failure_stops_the_process(mini: EngineHarness) -> None:
    # online.csv has no default content and nothing was uploaded: the first import cannot run.
    outcome = mini.run("118000000001")
    assert [n.object_id for n in outcome.nested] == ["112000000002"]
    assert outcome.nested[0].current_step == "Failed."
    assert outcome.current_step == "Failed."
    assert outcome.successful is False
    assert outcome.failure_dump_available is False
    assert "116000000001" not in mini.exports


def test_mapping_parameters_reach_nested_imports(mini: EngineHarness) -> None:
    mini.upload("113000000002", "Channel,Qty\nOnline,4\n")
    mini.upload("113000000001", "Region;Channel;Qty;Ship;Rush;Via;Note\nE;Retail;1;;;;\n")
    outcome = mini.run("118000000001", mapping=[{"entityType": "Regions", "entityName": "West"}])
    assert outcome.successful is True
    assert outcome.current_step == "Complete."
    rows = mini.export_rows()[1:]
    assert [r[:3] for r in rows] == [["East", "Retail", "1"], ["West", "Online", "4"]]


def test_a_process_inside_a_process_is_refused(mini: EngineHarness) -> None:
    process = mini.model.processes[0]
    # model_copy skips validation, which refuses a process that runs a process.
    nested = process.model_copy(update={"actions": (process.id,)})
    mini.model = mini.model.model_copy(update={"processes": (nested,)})
    outcome = mini.run(process.id)
    assert outcome.nested[0].current_step == "Failed."


@pytest.mark.parametrize("successful", [False, True])
def test_rejected_rows_report_successful_as_the_spec_says(
    engine: EngineHarness, successful: bool
) -> None:
    # Anaplan does not document what `successful` says for rejected rows: the emulator can
    # answer either way, with the dump available and the counts in the details both times.
    engine.rejected_rows_successful = successful
    outcome = engine.run(PROCESS)
    sales = outcome.nested[2]
    assert sales.object_id == "112000000003"
    assert sales.successful is successful
    assert sales.failure_dump_available is True
    values = sales.details[0]["values"]
    assert int(values[values.index("failedCount") + 1]) > 0
    assert outcome.successful is successful and outcome.failure_dump_available is True
    assert set(engine.dumps) == {"112000000003"}
    # A clean import still says true, and an outright failure still says false.
    assert [n.successful for n in outcome.nested[:2]] == [True, True]
    engine.upload("113000000003", b"")
    hard = engine.run("112000000003")
    assert hard.successful is False and hard.current_step == "Failed."
