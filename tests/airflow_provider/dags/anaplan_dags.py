"""Test DAGs for the Anaplan provider, one per JSON spec in this folder (written by the tests).

A spec is data, so each test states its DAG in a few lines while the DAG itself is real code
that Airflow parses from the DAGs folder (`dag.test()` needs it serialized from there):

    {"dag_id": "...", "tasks": [{"task_id": "load", "operator": "AnaplanImportOperator",
      "kwargs": {...}, "retries": 1, "retry_delay_s": 0, "after": ["upload"]}]}

A kwarg value `{"object_storage": "file:///…"}` becomes an `ObjectStoragePath`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, ObjectStoragePath

import pyanaplan.airflow as provider

HERE = Path(__file__).resolve().parent


def _value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"object_storage"}:
        return ObjectStoragePath(value["object_storage"])
    return value


def build(spec: dict[str, Any]) -> DAG:
    """The DAG a spec describes."""
    with DAG(
        spec["dag_id"], schedule=None, start_date=dt.datetime(2026, 1, 1), catchup=False
    ) as dag:
        tasks = {}
        for item in spec["tasks"]:
            operator = getattr(provider, item["operator"])
            kwargs = {k: _value(v) for k, v in item.get("kwargs", {}).items()}
            tasks[item["task_id"]] = operator(
                task_id=item["task_id"],
                retries=item.get("retries", 0),
                retry_delay=dt.timedelta(seconds=item.get("retry_delay_s", 0)),
                **kwargs,
            )
        for item in spec["tasks"]:
            for upstream in item.get("after", []):
                tasks[upstream] >> tasks[item["task_id"]]
    return dag


for _spec_file in sorted(HERE.glob("*.json")):
    _dag = build(json.loads(_spec_file.read_text()))
    globals()[_dag.dag_id] = _dag
