"""`-o json` keys: one documented snake_case schema per object kind, printed by every command.

The schemas live in `cli/_schemas.py` and are written down in docs/cli-output.md; these tests keep
the two equal, check that each command prints exactly its kind's keys (nested objects too), and
that no field of the library's objects is dropped from the output without saying so.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import time
from pathlib import Path
from typing import Any

import pytest

from pyanaplan.cli._schemas import SCHEMAS

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli-output.md"
SALES_IMPORT = "Sales from Sales.csv"
PROCESS = "Load Sales and Export"

# Nested kinds, as in _schemas._NESTED (listed again here so the test does not read privates).
NESTED = {
    ("import_details", "source"): "import_source",
    ("process_details", "actions"): "process_action",
    ("task", "outcome"): "outcome",
    ("task", "counts"): "counts",
    ("task", "details"): "detail",
    ("task", "nested"): "task",
}


def documented() -> dict[str, list[str]]:
    schemas: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.fullmatch(r"### `(\w+)`", line.strip())
        if heading:
            current = schemas.setdefault(heading.group(1), [])
            continue
        row = re.match(r"\| `(\w+)` \|", line)
        if row and current is not None:
            current.append(row.group(1))
    return schemas


def test_docs_write_down_every_schema_exactly() -> None:
    assert documented() == {kind: list(keys) for kind, keys in SCHEMAS.items()}


def assert_kind(data: Any, kind: str) -> None:
    assert isinstance(data, dict), (kind, data)
    assert list(data) == list(SCHEMAS[kind]), kind
    for key, value in data.items():
        nested = NESTED.get((kind, key))
        if nested is None or value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            assert_kind(item, nested)


# Library class -> (kind, {field: key it is printed as, or None when left out on purpose}).
def _coverage() -> list[tuple[type, str, dict[str, str | None]]]:
    from pyanaplan import models
    from pyanaplan.tasks.outcome import TaskOutcome
    from pyanaplan.tasks.results import ResultDetail, TaskCounts, TaskResult
    from pyanaplan.transfer.download import DownloadResult
    from pyanaplan.transfer.upload import UploadResult

    return [
        (models.Workspace, "workspace", {}),
        # Category values are lists of Anaplan's own objects: see the library for those.
        (models.Model, "model", {"category_values": None}),
        (models.User, "user", {}),
        (models.File, "file", {}),
        (models.Chunk, "chunk", {}),
        # The nested source object repeats import_data_source_id in Anaplan's camelCase.
        (models.Import, "import", {"import_data_source": None}),
        (models.ImportMetadata, "import_details", {"type": "source_type"}),
        (models.ImportSource, "import_source", {}),
        (models.Export, "export", {}),
        (models.ExportMetadata, "export_details", {}),
        (models.Action, "action", {}),
        (models.Process, "process", {}),
        (models.ProcessMetadata, "process_details", {}),
        (models.ProcessAction, "process_action", {}),
        (
            models.TaskSummary,
            "task_summary",
            {"task_state": "state", "creation_time": "created"},
        ),
        (TaskResult, "task", {"creation_time_ms": "created"}),
        (TaskOutcome, "outcome", {}),
        (TaskCounts, "counts", {}),
        (ResultDetail, "detail", {}),
        (UploadResult, "upload", {}),
        (DownloadResult, "download", {}),
    ]


@pytest.mark.parametrize(("cls", "kind", "renamed"), _coverage())
def test_no_library_field_is_dropped_unnoticed(
    cls: type, kind: str, renamed: dict[str, str | None]
) -> None:
    if dataclasses.is_dataclass(cls):
        names = [f.name for f in dataclasses.fields(cls)]
    else:
        names = list(cls.model_fields)  # type: ignore[attr-defined]
    missing = [
        n for n in names if renamed.get(n, n) is not None and renamed.get(n, n) not in SCHEMAS[kind]
    ]
    assert missing == [], f"{cls.__name__} fields not in the {kind!r} schema"


def test_listings_and_shows(cli) -> None:
    expectations = [
        (("workspaces",), "workspace", True),
        (("models",), "model", True),
        (("model",), "model", False),
        (("whoami",), "user", False),
        (("files",), "file", True),
        (("chunks", "Regions.csv"), "chunk", True),
        (("imports",), "import", True),
        (("imports", "show", SALES_IMPORT), "import_details", False),
        (("exports",), "export", True),
        (("exports", "show", "Sales Report.csv"), "export_details", False),
        (("actions",), "action", True),
        (("actions", "show", "Delete Discontinued Products"), "action", False),
        (("processes",), "process", True),
        (("processes", "show", PROCESS), "process_details", False),
    ]
    for args, kind, many in expectations:
        run = cli("-o", "json", *args)
        assert run.exit_code == 0, run
        doc = run.json()
        for item in doc if many else [doc]:
            assert_kind(item, kind)
    show = cli("-o", "json", "imports", "show", SALES_IMPORT).json()
    assert show["id"] == "112000000003" and show["source"]["header_names"][0] == "Product"
    process = cli("-o", "json", "processes", "show", PROCESS).json()
    assert "importDataSource" not in str(process)  # no server camelCase passes through


def test_tasks_and_task_share_their_keys(cli) -> None:
    run = cli("-o", "json", "import", "Regions from Regions.csv")
    assert run.exit_code == 0, run
    result = run.json()
    assert_kind(result, "task")
    assert result["counts"]["rows_successful"] == 8
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", result["created"])

    listed = cli("-o", "json", "tasks", "import", "Regions from Regions.csv").json()
    for row in listed:
        assert_kind(row, "task_summary")
    summary = listed[-1]
    assert summary["task_id"] == result["task_id"]
    shared = {k: result[k] for k in SCHEMAS["task_summary"]}
    assert summary == shared  # the same task, the same values under the same keys

    one = cli("-o", "json", "task", "import", "Regions from Regions.csv", result["task_id"]).json()
    assert_kind(one, "task")


def test_process_nests_tasks(cli) -> None:
    started = cli("-o", "json", "process", PROCESS, "--no-wait")
    assert started.exit_code == 0, started
    task_id = started.json()["task_id"]
    deadline = time.monotonic() + 30
    while True:
        doc = cli("-o", "json", "task", "process", PROCESS, task_id).json()
        if doc["state"] in ("COMPLETE", "CANCELLED") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert doc["state"] == "COMPLETE", doc
    assert_kind(doc, "task")
    assert [n["object_name"] for n in doc["nested"]][-1] == "Sales Report.csv"


def test_transfers(cli, tmp_path: Path) -> None:
    source = tmp_path / "regions.csv"
    source.write_text("Name,Code\nNorth,N\n", encoding="utf-8")
    up = cli("-o", "json", "upload", str(source), "--file", "Regions.csv")
    assert up.exit_code == 0, up
    assert_kind(up.json(), "upload")

    down = cli("-o", "json", "download", "Regions.csv", "-O", str(tmp_path / "back.csv"))
    assert down.exit_code == 0, down
    assert_kind(down.json(), "download")
    assert down.json()["file_id"] == "113000000001"

    gone = cli("-o", "json", "delete", "Regions.csv")
    assert gone.exit_code == 0, gone
    assert_kind(gone.json(), "delete")


def test_csv_flattens_nested_values(cli) -> None:
    run = cli("-o", "csv", "import", "Regions from Regions.csv")
    assert run.exit_code == 0, run
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert len(rows) == 1
    row = rows[0]
    assert row["counts.rows_successful"] == "8"  # was an empty cell
    assert row["counts.total"] == "8"
    assert row["details.0.type"] == "hierarchyRowsProcessed"
    assert row["successful"] == "yes"
    assert not any(cell.startswith(("[", "{")) for cell in row.values())

    show = cli("-o", "csv", "imports", "show", SALES_IMPORT)
    meta = next(csv.DictReader(io.StringIO(show.stdout)))
    assert meta["source.column_separator"] == ","  # was an empty cell
    assert meta["source.header_names.0"] == "Product"


def test_task_result_to_dict_is_the_documented_task_object(emu: Any, tmp_path: Path) -> None:
    """`TaskResult.to_dict()` (the library's, used by the Airflow provider's XCom) and the CLI's
    `task` object are one schema: equal for a failed process with nested results and dumps, and
    for an export with its output downloaded."""
    from pyanaplan import Client, TaskResult
    from pyanaplan.cli._schemas import shape

    user, password = emu.users[0]
    with Client(
        api_url=emu.api_url, auth_url=emu.auth_url, user=user, password=password,
        workspace="Demo Workspace", model="Sales Planning",
    ) as client:  # fmt: skip
        client.upload(
            b"Product,Region,Units,Price,Comment\nHelmet,Japan,5,59.00,\nNope,Japan,1,1,x\n",
            file="Sales.csv",
        )
        process = client.run_process(PROCESS, check=False, dump_dir=tmp_path)
        export = client.run_export("Sales Report.csv", download_to=tmp_path / "out.csv")
    results: list[TaskResult] = [process, export]
    assert process.nested and process.dump_paths and export.output_path is not None
    for result in results:
        data = result.to_dict()
        assert data == shape("task", result)
        assert list(data) == list(SCHEMAS["task"])
        assert data["created"] is not None and data["created"].endswith("Z")
    assert process.to_dict()["outcome"]["status"] == "partial"
    assert process.to_dict()["dump_paths"] == [str(p) for p in process.dump_paths]
