"""A task whose outcome is not accepted fails the Airflow task: counts in the log, dumps saved
where the DAG asked (a directory or object storage) and listed in XCom, no retry (the load ran
to its end); `check=False` and `accept_partial` pass it on purpose."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from afhelpers import BAD_SALES, SALES_IMPORT, task_posts

FAST = {"poll_interval_s": 0.05}


def failing_import(tmp_path: Path, **kwargs: Any) -> list[dict[str, Any]]:
    source = tmp_path / "sales.csv"
    source.write_bytes(BAD_SALES)
    load = {"name": SALES_IMPORT, "source": str(source), **FAST, **kwargs}
    return [{"task_id": "load", "operator": "AnaplanImportOperator", "kwargs": load, "retries": 2}]


@pytest.mark.parametrize("deferrable", [True, False], ids=["deferred", "in-worker"])
def test_rejected_rows_fail_the_task_with_counts_and_dumps(
    emu: Any,
    anaplan_conn: str,
    run_dag: Any,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    deferrable: bool,
) -> None:
    dumps = tmp_path / "dumps"
    run = run_dag(failing_import(tmp_path, dump_dir=str(dumps), deferrable=deferrable))
    assert run.state == "failed"
    assert run.task_states() == {"load": "failed"}
    assert run.tries("load") == 1  # not retried although retries=2: the load ran to its end
    assert len(task_posts(emu)) == 1
    result = run.xcom("load", "anaplan_result")
    assert result["outcome"]["status"] == "partial" and result["outcome"]["accepted"] is False
    assert result["counts"]["rows_failed"] == 3 and result["counts"]["rows_successful"] == 2
    (dump,) = result["dump_paths"]
    assert Path(dump).parent == dumps and _data_rows(Path(dump)) == 3
    assert run.xcom("load") is None  # no return value: the task failed
    logged = capfd.readouterr()
    text = logged.out + logged.err
    assert "3 rows rejected" in text and "AnaplanTaskFailedException" in text
    assert f"Failure dumps: {dump}" in text
    assert emu.users[0][1] not in text  # the connection's password never reaches the log


def test_dumps_go_to_object_storage(
    emu: Any, anaplan_conn: str, run_dag: Any, tmp_path: Path
) -> None:
    bucket = tmp_path / "bucket" / "dumps"
    bucket.mkdir(parents=True)
    run = run_dag(failing_import(tmp_path, dump_dir=bucket.as_uri()))
    assert run.state == "failed"
    (dump,) = run.xcom("load", "anaplan_result")["dump_paths"]
    assert dump.startswith(bucket.as_uri() + "/")
    (saved,) = bucket.iterdir()
    assert dump == f"{bucket.as_uri()}/{saved.name}" and _data_rows(saved) == 3


def test_check_false_passes_and_reports_the_outcome(
    emu: Any, anaplan_conn: str, run_dag: Any, tmp_path: Path
) -> None:
    run = run_dag(failing_import(tmp_path, check=False, dump_dir=str(tmp_path / "d")))
    assert run.state == "success"
    result = run.xcom("load")
    assert result["outcome"]["status"] == "partial" and result["successful"] is False
    assert len(result["dump_paths"]) == 1


def test_accept_partial_passes(emu: Any, anaplan_conn: str, run_dag: Any, tmp_path: Path) -> None:
    run = run_dag(failing_import(tmp_path, accept_partial=True, dump_dir=str(tmp_path / "d")))
    assert run.state == "success"
    assert run.xcom("load")["outcome"]["accepted"] is True


def test_a_missing_import_fails_with_the_closest_names(
    emu: Any, anaplan_conn: str, run_dag: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    run = run_dag([{"task_id": "load", "operator": "AnaplanImportOperator",
                    "kwargs": {"name": "Sales from Sales.cvs"}}])  # fmt: skip
    assert run.state == "failed"
    assert task_posts(emu) == []
    assert "Sales from Sales.csv" in capfd.readouterr().out  # the suggestion


def _data_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1
