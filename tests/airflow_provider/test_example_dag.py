"""docs/airflow/example_dag.py, the demo flow as a DAG, runs against the emulator."""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path
from typing import Any

from afhelpers import BAD_SALES, DAGS, DagRunResult, task_posts

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "airflow" / "example_dag.py"


def test_example_dag_runs_the_demo_flow(emu: Any, anaplan_conn: str, tmp_path: Path) -> None:
    copy = DAGS / "anaplan_example_dag.py"
    shutil.copy(EXAMPLE, copy)
    try:
        spec = importlib.util.spec_from_file_location("anaplan_example_dag", copy)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for task in module.dag.tasks:  # poll the emulator quickly (default: every 5 s)
            if hasattr(task, "poll_interval_s"):
                task.poll_interval_s = 0.05
        sales = tmp_path / "sales.csv"
        sales.write_bytes(BAD_SALES)
        out = tmp_path / "out"
        run = DagRunResult(module.dag.test(run_conf={"sales_csv": str(sales), "out_dir": str(out)}))
    finally:
        copy.unlink(missing_ok=True)
    assert run.state == "success", run.task_states()
    assert set(run.task_states().values()) == {"success"}
    assert run.events("import_sales")[:2] == ["running", "deferred"]
    imported = run.xcom("import_sales")
    assert imported["outcome"]["status"] == "partial" and imported["counts"]["rows_failed"] == 3
    process = run.xcom("run_process")
    assert process["outcome"]["accepted"] and len(process["nested"]) == 4
    assert all(Path(p).is_file() for p in imported["dump_paths"] + process["dump_paths"])
    (report,) = out.glob("Sales Report *.csv")
    assert run.xcom("export_report")["output_path"] == str(report)
    with report.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:2] == ["Products", "Regions"] and len(rows) > 1
    assert run.xcom("delete_upload")["deleted"] is True
    assert len(task_posts(emu)) == 5  # three imports, the process, the export: once each
