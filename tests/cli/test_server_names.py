"""Paths built from server-provided names stay where the user asked (export, download, dumps).

A test spec names the demo model's export, a file and an import with hostile names; the real CLI
runs in a working directory nested in the test's temporary directory, and nothing may appear
outside that working directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from pyanaplan.cli.main import app

DEMO = Path(__file__).resolve().parents[2] / "src/pyanaplan/emulator/specs/demo.yaml"
EXPORT_ID = "116000000001"
REGIONS_FILE_ID = "113000000001"
SALES_IMPORT_ID = "112000000003"
# "{tmp}" becomes the test's own temporary directory: an absolute path outside the working one.
HOSTILE_EXPORTS = ["../../escape.csv", "{tmp}/abs-escape.csv", "CON", "x" * 300 + ".csv"]


def _emulator(tmp_path: Path, *, export: str, file: str, import_: str) -> Any:
    from pyanaplan.emulator import Emulator

    spec = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    model = spec["models"][0]
    model["exports"][0]["name"] = export
    for f in model["files"]:
        if str(f["id"]) == REGIONS_FILE_ID:
            f["name"] = file
    for i in model["imports"]:
        if str(i["id"]) == SALES_IMPORT_ID:
            i["name"] = import_
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return Emulator(spec=path)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """cwd = tmp/a/b/work; everything the test did not create must end up below it."""
    cwd = tmp_path / "a" / "b" / "work"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    yield cwd


def _outside(tmp_path: Path, cwd: Path) -> list[Path]:
    ignore = {tmp_path / "home", tmp_path / "hostile.yaml"}
    return [
        p
        for p in tmp_path.rglob("*")
        if p.is_file() and cwd not in p.parents and not any(i in (p, *p.parents) for i in ignore)
    ]


def _invoke(emu: Any, cli_env: dict[str, str], *args: str) -> Any:
    base = ["--api-url", emu.api_url, "--auth-url", emu.auth_url, "-w", "Demo Workspace"]
    return CliRunner().invoke(app, [*base, "-m", "Sales Planning", *args], env=cli_env)


@pytest.mark.parametrize("export", HOSTILE_EXPORTS, ids=["dotdot", "absolute", "reserved", "long"])
def test_export_output_named_by_the_server_stays_in_the_working_directory(
    export: str, tmp_path: Path, work: Path, cli_env: dict[str, str]
) -> None:
    export = export.replace("{tmp}", str(tmp_path))
    with _emulator(tmp_path, export=export, file="Regions.csv", import_="Sales") as emu:
        run = _invoke(emu, cli_env, "-o", "json", "export", EXPORT_ID)
    assert run.exit_code == 0, run.stderr
    written = [p for p in work.iterdir() if p.is_file()]
    assert len(written) == 1, written
    assert written[0].read_text(encoding="utf-8").startswith("Products,Regions")
    assert written[0].name != "CON" and len(written[0].name) <= 200
    assert _outside(tmp_path, work) == []


def test_download_and_dump_names_from_the_server_stay_where_asked(
    tmp_path: Path, work: Path, cli_env: dict[str, str]
) -> None:
    with _emulator(
        tmp_path, export="Report.csv", file="../../../stolen.csv", import_="../../dump\\evil"
    ) as emu:
        down = _invoke(emu, cli_env, "download", REGIONS_FILE_ID)
        dumps = work / "dumps"
        failed = _invoke(emu, cli_env, "import", SALES_IMPORT_ID, "--dump-dir", str(dumps))
    assert down.exit_code == 0, down.stderr
    assert failed.exit_code == 1, failed.stderr  # the demo's default Sales.csv has bad rows
    saved = [p for p in work.iterdir() if p.is_file()]
    assert len(saved) == 1 and saved[0].read_text(encoding="utf-8").startswith("Name,Code")
    dump_files = list(dumps.iterdir())
    assert len(dump_files) == 1 and dump_files[0].parent == dumps
    assert _outside(tmp_path, work) == []
