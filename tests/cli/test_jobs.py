"""Transfers and tasks: upload/download/delete, import/export/action/process, tasks/task/cancel."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from faultcheck import fired

MODEL = "Sales Planning"

SALES_IMPORT = "Sales from Sales.csv"
PROCESS = "Load Sales and Export"


def write_sales(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Product", "Region", "Units", "Price", "Comment"])
        writer.writerows(rows)
    return path


def demo_names(cli, tmp_path: Path) -> tuple[list[str], list[str]]:
    """Product and region names, read from the model's own list source files."""
    names = []
    for file in ("Products.csv", "Regions.csv"):
        target = tmp_path / file
        run = cli("download", file, "-O", str(target))
        assert run.exit_code == 0, run
        with target.open(newline="", encoding="utf-8") as fh:
            names.append([row["Name"] for row in csv.DictReader(fh)])
    return names[0], names[1]


def test_upload_chunks_download_roundtrip_and_delete(cli, tmp_path: Path) -> None:
    source = tmp_path / "big.csv"
    line = b"Widget,North,12,3.50,some comment text to fill the chunk\n"
    source.write_bytes(b"Product,Region,Units,Price,Comment\n" + line * 40_000)  # ~2.3 MB
    run = cli("upload", str(source), "--file", "Sales.csv", "--chunk-size", "1MiB")
    assert run.exit_code == 0, run
    result = run.json()
    assert result["chunks"] == 3 and result["size"] == source.stat().st_size

    chunks = cli("chunks", "Sales.csv")
    assert chunks.exit_code == 0, chunks
    assert len(chunks.json()) == 3

    target = tmp_path / "back.csv"
    down = cli("download", "Sales.csv", "-O", str(target))
    assert down.exit_code == 0, down
    assert (
        hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(source.read_bytes()).digest()
    )

    gone = cli("delete", "Sales.csv")
    assert gone.exit_code == 0, gone
    assert gone.json()["deleted"] is True


def test_upload_unknown_file_needs_create(cli, tmp_path: Path) -> None:
    source = tmp_path / "new.csv"
    source.write_text("a,b\n1,2\n")
    refused = cli("upload", str(source), "--file", "Brand New.csv")
    assert refused.exit_code == 4, refused
    created = cli("upload", str(source), "--file", "Brand New.csv", "--create")
    assert created.exit_code == 0, created
    assert "Brand New.csv" in [f["name"] for f in cli("files").json()]


def test_import_success_and_failure_with_dump(cli, tmp_path: Path) -> None:
    ok = cli("import", "Regions from Regions.csv")
    assert ok.exit_code == 0, ok
    assert ok.json()["successful"] is True

    products, regions = demo_names(cli, tmp_path)
    data = write_sales(
        tmp_path / "sales.csv",
        [
            (products[0], regions[0], "10", "2.5", "good"),
            ("No Such Product", regions[0], "1", "1", "bad"),
            (products[0], regions[0], "twelve", "1", "bad"),
        ],
    )
    dumps = tmp_path / "dumps"
    failed = cli("import", SALES_IMPORT, "--upload", str(data), "--dump-dir", str(dumps))
    assert failed.exit_code == 1, failed
    error = failed.json()["error"]
    assert error["code"] == "task_failed"
    assert len(error["dump_paths"]) == 1, error  # one import, one failure dump
    dump = Path(error["dump_paths"][0])
    assert dump.is_file() and dump.parent == dumps
    assert "Failure dump saved to" in failed.stderr
    assert str(dump) in failed.stderr
    with dump.open(newline="", encoding="utf-8") as fh:
        assert len(list(csv.reader(fh))) == 3  # header + the two bad rows


def test_export_downloads_its_output(cli, tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    run = cli("export", "Sales Report.csv", "-O", str(target))
    assert run.exit_code == 0, run
    assert run.json()["successful"] is True
    assert target.is_file() and target.read_text(encoding="utf-8").strip()


def test_action_and_process(cli, tmp_path: Path) -> None:
    action = cli("action", "Delete Discontinued Products")
    assert action.exit_code == 0, action
    assert action.json()["successful"] is True

    # The default Sales.csv has two bad rows on purpose: the process fails, dump saved.
    failed = cli("process", PROCESS, "--dump-dir", str(tmp_path / "dumps"))
    assert failed.exit_code == 1, failed
    error = failed.json()["error"]
    assert "Sales from Sales.csv" in error["message"]
    assert [Path(p).parent for p in error["dump_paths"]] == [tmp_path / "dumps"]

    products, regions = demo_names(cli, tmp_path)
    clean = write_sales(tmp_path / "clean.csv", [(products[0], regions[0], "3", "9.5", "")])
    assert cli("upload", str(clean), "--file", "Sales.csv").exit_code == 0
    process = cli("process", PROCESS, "--mapping", "Version=Actual")
    assert process.exit_code == 0, process
    nested = process.json()["nested"]
    assert [n["object_name"] for n in nested] == [
        "Regions from Regions.csv",
        "Products from Products.csv",
        "Sales from Sales.csv",
        "Sales Report.csv",
    ]
    assert all(n["successful"] for n in nested)


def test_no_wait_then_tasks_task_and_cancel(cli, emu) -> None:
    emu.set_task_timing(steps=50, step_s=0.5)  # keep the task running while we look at it
    started = cli("import", SALES_IMPORT, "--no-wait")
    assert started.exit_code == 0, started
    task_id = started.json()["task_id"]

    listed = cli("tasks", "import", SALES_IMPORT)
    assert listed.exit_code == 0, listed
    assert task_id in [t["task_id"] for t in listed.json()]
    table = cli("-o", "table", "tasks", "imports", SALES_IMPORT)
    assert task_id in table.stdout and "Created (UTC)" in table.stdout

    status = cli("task", "import", SALES_IMPORT, task_id)
    assert status.exit_code == 0, status
    assert status.json()["task_id"] == task_id

    cancelled = cli("cancel", "import", SALES_IMPORT, task_id)
    assert cancelled.exit_code == 0, cancelled
    assert cancelled.json()["state"] in ("CANCELLED", "CANCELLING")

    process = cli("process", PROCESS, "--no-wait")
    assert process.exit_code == 0, process
    process_id = process.json()["task_id"]
    assert process.json()["state"] in ("NOT_STARTED", "IN_PROGRESS")
    stopped = cli("cancel", "processes", PROCESS, process_id)
    assert stopped.exit_code == 0, stopped
    assert stopped.json()["task_id"] == process_id
    assert stopped.json()["state"] in ("CANCELLED", "CANCELLING")


def test_table_output_of_a_task(cli) -> None:
    run = cli("-o", "table", "import", "Products from Products.csv")
    assert run.exit_code == 0, run
    assert "successful" in run.stdout and "yes" in run.stdout
    assert MODEL not in run.stderr  # no stray status noise with a non-TTY stderr


def test_interrupted_upload_resumes_and_restart_sends_everything(cli, emu, tmp_path: Path) -> None:
    source = tmp_path / "sales.csv"
    line = b"Road Bike 200,Japan,1,2.00,resume test row with some padding text\n"
    source.write_bytes(b"Product,Region,Units,Price,Comment\n" + line * 60_000)  # ~3.9 MB
    emu.inject(path="*/files/*/chunks/2", method="PUT", status=503, times=1000)
    args = ("upload", str(source), "--file", "Sales.csv", "--chunk-size", "1MiB")
    broken = cli("--retry-deadline", "1", *args)
    assert broken.exit_code == 5, broken
    emu.clear_faults()
    assert fired(emu)[0] > 1  # chunk 2 was refused, retried, refused again

    resumed = cli(*args)
    assert resumed.exit_code == 0, resumed
    result = resumed.json()
    assert result["chunks"] == 4
    assert result["chunks_skipped"] >= 2 and result["chunks_sent"] == 4 - result["chunks_skipped"]

    again = cli(*args, "--restart")
    assert again.exit_code == 0, again
    assert again.json()["chunks_skipped"] == 0 and again.json()["chunks_sent"] == 4


def test_default_targets_are_named_after_the_file(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    down = cli("download", "113000000001")  # by ID: saved under the file's name
    assert down.exit_code == 0, down
    assert (tmp_path / "Regions.csv").read_text(encoding="utf-8").startswith("Name,Code")
    export = cli("-o", "csv", "export", "Sales Report.csv")
    assert export.exit_code == 0, export
    assert (tmp_path / "Sales Report.csv").is_file()
    assert "Sales Report.csv" in export.stdout
