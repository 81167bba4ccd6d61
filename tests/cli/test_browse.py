"""Listing commands: workspaces, models, model, files, chunks, imports/exports/actions/processes."""

from __future__ import annotations

import csv
import io

import pytest

WORKSPACE = "Demo Workspace"
MODEL = "Sales Planning"

MODEL_ID = "5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B"
WORKSPACE_ID = "8a81b09d5e3f2c1a015e3f2c1a000001"


def test_workspaces_json(cli) -> None:
    run = cli("workspaces")
    assert run.exit_code == 0, run
    rows = run.json()
    assert [(r["id"], r["name"]) for r in rows] == [(WORKSPACE_ID, WORKSPACE)]
    assert run.stderr == ""


def test_models_of_a_workspace_table_and_csv(cli) -> None:
    run = cli("-o", "table", "models")
    assert run.exit_code == 0, run
    assert MODEL in run.stdout and "Finance Sandbox" in run.stdout
    run = cli("-o", "csv", "models")
    assert run.exit_code == 0, run
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert {r["Name"] for r in rows} == {MODEL, "Finance Sandbox"}
    assert {r["ID"] for r in rows} >= {MODEL_ID}


def test_model_details_by_option_and_argument(cli) -> None:
    by_option = cli("model")
    assert by_option.exit_code == 0, by_option
    assert by_option.json()["id"] == MODEL_ID
    by_argument = cli("model", "sales planning", model=False)
    assert by_argument.exit_code == 0, by_argument
    assert by_argument.json()["name"] == MODEL


def test_files_and_chunks(cli) -> None:
    run = cli("files")
    assert run.exit_code == 0, run
    names = {f["name"] for f in run.json()}
    assert {"Regions.csv", "Products.csv", "Sales.csv"} <= names
    run = cli("chunks", "Regions.csv")
    assert run.exit_code == 0, run
    assert run.json() == [{"id": "0", "name": "Chunk 0"}]  # the spec's one-chunk default


@pytest.mark.parametrize(
    ("group", "name"),
    [
        ("imports", "Sales from Sales.csv"),
        ("exports", "Sales Report.csv"),
        ("actions", "Delete Discontinued Products"),
        ("processes", "Load Sales and Export"),
    ],
)
def test_definition_groups_list_and_show(cli, group: str, name: str) -> None:
    run = cli(group)
    assert run.exit_code == 0, run
    assert name in [row["name"] for row in run.json()]
    show = cli(group, "show", name)
    assert show.exit_code == 0, show
    assert isinstance(show.json(), dict) and show.json()
