"""The `pyanaplan demo` flow as an Airflow DAG: upload → imports → process → export.

Runs against any Anaplan model laid out like the emulator's demo model, e.g. the emulator itself:

    pyanaplan emulator serve                       # prints the origins and the demo user
    export AIRFLOW_CONN_ANAPLAN_DEFAULT='{"conn_type": "anaplan",
      "login": "demo@pyanaplan.example", "password": "demo-password",
      "extra": {"api_url": "http://127.0.0.1:8080", "auth_url": "http://127.0.0.1:8080",
                "oauth_url": "http://127.0.0.1:8080",
                "workspace": "Demo Workspace", "model": "Sales Planning"}}'
    airflow dags test anaplan_sales_demo -c '{"sales_csv": "/data/sales.csv"}'

The workspace and model come from the connection's extras, so the tasks name only what they
run. Every task-running operator is deferrable: while Anaplan works, the task waits in the
triggerer and holds no worker slot. A retry never starts a second Anaplan task: it adopts the
one its earlier try started while that one still runs.

Anaplan runs one import or process at a time per model; give each model a pool with one slot
that counts deferred tasks (`airflow pools set anaplan_sales_planning 1 "Sales Planning"
--include-deferred`) and pass `pool="anaplan_sales_planning"` to its tasks (docs/airflow.md).
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import DAG, Param

from pyanaplan.airflow import (
    AnaplanDeleteFileOperator,
    AnaplanExportOperator,
    AnaplanImportOperator,
    AnaplanProcessOperator,
)

with DAG(
    "anaplan_sales_demo",
    description="Load sales into Anaplan and export the report (the pyanaplan demo flow)",
    schedule=None,
    start_date=dt.datetime(2026, 1, 1),
    catchup=False,
    params={
        "sales_csv": Param(type="string", description="Local path or URI of the sales CSV"),
        "out_dir": Param("/tmp/anaplan-demo", type="string", description="Report and dumps"),
    },
    default_args={"retries": 2, "retry_delay": dt.timedelta(minutes=1)},
    tags=["anaplan", "example"],
) as dag:
    regions = AnaplanImportOperator(task_id="import_regions", name="Regions from Regions.csv")
    products = AnaplanImportOperator(task_id="import_products", name="Products from Products.csv")
    # Upload the sales file into the import's source, then import it. Rows Anaplan rejects
    # fail the task unless accepted; here they are accepted and their dump is kept.
    sales = AnaplanImportOperator(
        task_id="import_sales",
        name="Sales from Sales.csv",
        source="{{ params.sales_csv }}",
        accept_partial=True,
        dump_dir="{{ params.out_dir }}/dumps/{{ run_id }}",
    )
    process = AnaplanProcessOperator(
        task_id="run_process",
        name="Load Sales and Export",
        accept_partial=True,
        dump_dir="{{ params.out_dir }}/dumps/{{ run_id }}",
    )
    report = AnaplanExportOperator(
        task_id="export_report",
        name="Sales Report.csv",
        download_to="{{ params.out_dir }}/Sales Report {{ ds }}.csv",
    )
    # Remove the uploaded data from the model file once the run is over, whatever happened.
    cleanup = AnaplanDeleteFileOperator(
        task_id="delete_upload", file="Sales.csv", trigger_rule="all_done"
    )

    [regions, products] >> sales >> process >> report >> cleanup
