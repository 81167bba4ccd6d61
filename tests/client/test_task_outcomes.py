"""Task outcomes against both server behaviours: rejected rows are a failure whether the server
says `successful: false` or `successful: true`, unless the caller accepts partial loads."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from pyanaplan import Client, Outcome, TaskFailedError

SALES_IMPORT = "Sales from Sales.csv"
PROCESS = "Load Sales and Export"
HEADER = b"Product,Region,Units,Price,Comment\n"
GOOD_ROWS = b"Road Bike 200,North America,10,899.00,ok\nHelmet,Japan,5,59.00,\n"
BAD_ROWS = (
    b"Unknown Bike,Japan,1,1.00,no such product\n"
    b"Helmet,Nowhere,2,59.00,no such region\n"
    b"Helmet,Japan,lots,59.00,not a number\n"
)
BAD_SALES = HEADER + GOOD_ROWS + BAD_ROWS


def dump_rows(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) - 1


def test_import_with_rejected_rows_raises_naming_the_counts(
    client: Client, tmp_path: Path, rejected_rows_successful: bool
) -> None:
    client.upload(BAD_SALES, file="Sales.csv")
    with pytest.raises(TaskFailedError) as info:
        client.run_import(SALES_IMPORT, dump_dir=tmp_path)
    result = info.value.result
    assert result.server_successful is rejected_rows_successful  # the server said what we set
    assert result.outcome.status is Outcome.PARTIAL and not result.outcome.accepted
    assert result.successful is False
    assert result.outcome.rows_rejected == 3
    assert "3 rows rejected (failedCount 3, invalidCount 3)" in str(info.value)
    assert len(result.dump_paths) == 1 and dump_rows(result.dump_paths[0]) == 3
    assert str(result.dump_paths[0]) in str(info.value)
    assert "--accept-partial" in info.value.hint


def test_accept_partial_returns_the_partial_result_with_its_dump(
    client: Client, tmp_path: Path, rejected_rows_successful: bool
) -> None:
    client.upload(BAD_SALES, file="Sales.csv")
    result = client.run_import(SALES_IMPORT, dump_dir=tmp_path, accept_partial=True)
    assert result.server_successful is rejected_rows_successful
    assert result.outcome.status is Outcome.PARTIAL and result.outcome.accepted
    assert result.successful is False  # accepted is not the same as clean
    assert result.counts.rows_successful == 2 and result.outcome.rows_rejected == 3
    assert len(result.dump_paths) == 1 and dump_rows(result.dump_paths[0]) == 3


def test_check_false_returns_every_outcome(
    client: Client, tmp_path: Path, rejected_rows_successful: bool
) -> None:
    client.upload(BAD_SALES, file="Sales.csv")
    result = client.run_import(SALES_IMPORT, dump_dir=tmp_path, check=False)
    assert result.outcome.status is Outcome.PARTIAL and not result.outcome.accepted
    assert result.dump_paths and result.dump_paths[0].parent == tmp_path


def test_process_with_a_rejecting_import_raises(
    client: Client, tmp_path: Path, rejected_rows_successful: bool
) -> None:
    client.upload(BAD_SALES, file="Sales.csv")
    with pytest.raises(TaskFailedError) as info:
        client.run_process(PROCESS, dump_dir=tmp_path)
    result = info.value.result
    assert result.server_successful is rejected_rows_successful
    assert result.outcome.status is Outcome.PARTIAL
    by_id = {n.object_id: n for n in result.nested}
    assert by_id["112000000003"].server_successful is rejected_rows_successful
    assert by_id["112000000003"].outcome.status is Outcome.PARTIAL
    assert by_id["112000000003"].successful is False
    assert by_id["112000000001"].outcome.status is Outcome.SUCCEEDED
    assert "import 'Sales from Sales.csv' (112000000003): 3 rows rejected" in str(info.value)
    assert len(result.dump_paths) == 1 and dump_rows(result.dump_paths[0]) == 3


def test_process_accepting_partial_loads(
    client: Client, tmp_path: Path, rejected_rows_successful: bool
) -> None:
    client.upload(BAD_SALES, file="Sales.csv")
    result = client.run_process(PROCESS, dump_dir=tmp_path, accept_partial=True)
    assert result.outcome.status is Outcome.PARTIAL and result.outcome.accepted
    assert result.outcome.rows_rejected == 3
    assert len(result.dump_paths) == 1 and dump_rows(result.dump_paths[0]) == 3


def test_a_failure_is_never_accepted_as_partial(
    client: Client, tmp_path: Path, rejected_rows_successful: bool
) -> None:
    # A header without the mapped columns: the import fails outright ("Failed.").
    client.upload(b"Foo,Bar\n1,2\n", file="Sales.csv")
    with pytest.raises(TaskFailedError) as info:
        client.run_import(SALES_IMPORT, dump_dir=tmp_path, accept_partial=True)
    result = info.value.result
    assert result.outcome.status is Outcome.FAILED
    assert result.current_step == "Failed."
    assert "Column 'Product' not found" in str(info.value)
    with pytest.raises(TaskFailedError) as process:
        client.run_process(PROCESS, dump_dir=tmp_path, accept_partial=True)
    assert process.value.result.outcome.status is Outcome.FAILED


def test_ignored_rows_are_reported_unless_asked_to_fail(
    client: Client, tmp_path: Path, rejected_rows_successful: bool
) -> None:
    client.upload(HEADER + GOOD_ROWS + b",,,,\n", file="Sales.csv")
    result = client.run_import(SALES_IMPORT, dump_dir=tmp_path)
    assert result.outcome.status is Outcome.SUCCEEDED and result.successful is True
    assert result.outcome.notes == ("1 row ignored",)
    with pytest.raises(TaskFailedError) as info:
        client.run_import(SALES_IMPORT, dump_dir=tmp_path, fail_on_ignored=True)
    assert info.value.result.outcome.status is Outcome.PARTIAL
    assert "1 row ignored" in str(info.value)
    with pytest.raises(TaskFailedError):
        client.run_process(PROCESS, dump_dir=tmp_path, fail_on_ignored=True)


def test_task_status_downloads_the_dump_either_way(
    client: Client, tmp_path: Path, rejected_rows_successful: bool
) -> None:
    client.upload(BAD_SALES, file="Sales.csv")
    started = client.run_import(SALES_IMPORT, wait=False)
    deadline = time.monotonic() + 10
    result = client.task("import", SALES_IMPORT, started.task_id)
    while not result.terminal and time.monotonic() < deadline:
        time.sleep(0.05)
        result = client.task("import", SALES_IMPORT, started.task_id)
    assert result.outcome.status is Outcome.PARTIAL
    assert result.dump_paths == []  # not asked
    again = client.task("import", SALES_IMPORT, started.task_id, dump_dir=tmp_path)
    assert len(again.dump_paths) == 1 and dump_rows(again.dump_paths[0]) == 3


def test_clean_import_succeeds_either_way(
    emu: Any, client: Client, rejected_rows_successful: bool
) -> None:
    client.upload(HEADER + GOOD_ROWS, file="Sales.csv")
    result = client.run_import(SALES_IMPORT)
    assert result.outcome.status is Outcome.SUCCEEDED and result.successful is True
    assert result.outcome.reasons == () and result.dump_paths == []
    assert not [r for r in emu.requests() if "/dump" in r["path"]]
