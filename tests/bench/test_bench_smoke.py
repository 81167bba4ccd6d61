"""The benchmark harness still works: a --smoke run (a few MB, one round) writes well-formed
results. Timings are not asserted — only that every benchmark ran and produced figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SUITES = {
    "upload", "download", "latency", "import", "sweep", "compress", "slowlink", "tables", "airflow",
}  # fmt: skip


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str, str]:
    out = tmp_path_factory.mktemp("bench-out")
    data = tmp_path_factory.mktemp("bench-data")
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "run.py"),
            "--smoke",
            "--out",
            str(out),
            "--data-dir",
            str(data),
        ],
        capture_output=True,
        text=True,
        timeout=100,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    doc = json.loads((out / "benchmarks.json").read_text(encoding="utf-8"))
    md = (out / "benchmarks.md").read_text(encoding="utf-8")
    return doc, md, proc.stdout


def test_smoke_run_covers_every_suite(smoke_run: tuple[dict, str, str]) -> None:
    doc, _, _ = smoke_run
    assert doc["smoke"] is True
    assert doc["schema_version"] == 1
    assert doc["errors"] == []
    assert {rec["suite"] for rec in doc["benchmarks"]} == SUITES


def test_every_contender_has_a_successful_measured_run(smoke_run: tuple[dict, str, str]) -> None:
    doc, _, _ = smoke_run
    for rec in doc["benchmarks"]:
        for name, entry in rec.get("contenders", {}).items():
            summary = entry["summary"]
            where = f"{rec['id']} / {name}: {summary['errors']}"
            assert summary["runs_ok"] >= 1, where
            assert summary["median_s"] > 0, where
            ok_runs = [run for run in entry["runs"] if run["ok"]]
            # Peak RSS comes from os.wait4 on a real child process: at least an interpreter.
            assert all(run["peak_rss_kib"] > 5_000 for run in ok_runs), where


def test_imports_and_gzip_figures_are_present(smoke_run: tuple[dict, str, str]) -> None:
    doc, _, _ = smoke_run
    imports = [rec for rec in doc["benchmarks"] if rec["suite"] == "import"]
    assert {rec["params"]["kind"] for rec in imports} == {"list", "module"}
    for rec in imports:
        assert rec["summary"]["runs_ok"] == len(rec["runs"]) >= 1, rec["runs"]
        assert rec["summary"]["rows_per_s"] > 0
        assert rec["summary"]["server_peak_rss_mib"] > 0
    compress = next(rec for rec in doc["benchmarks"] if rec["suite"] == "compress")
    assert {row["library"] for row in compress["results"]} >= {"zlib"}
    assert all(row["ratio"] > 1.5 for row in compress["results"] if row["level"] > 0)


def test_targets_are_judged_and_well_formed(smoke_run: tuple[dict, str, str]) -> None:
    doc, _, _ = smoke_run
    names = {t["name"] for t in doc["targets"]}
    assert {"upload vs anaplan-sdk", "upload vs raw limit", "download vs raw limit"} <= names
    for t in doc["targets"]:
        assert set(t) >= {"name", "target", "measured", "met", "note", "benchmark"}
        assert t["met"] in (True, False, None)


def test_markdown_has_machine_commands_and_tables(smoke_run: tuple[dict, str, str]) -> None:
    doc, md, _ = smoke_run
    assert md.startswith("# pyanaplan benchmarks")
    for heading in (
        "## How to read this",
        "## Reproduce",
        "## Machine",
        "## Targets",
        "## Upload",
        "## Download",
        "## Task latency",
        "## Emulator import throughput",
        "## Sweeps",
    ):
        assert heading in md, heading
    assert doc["machine"]["cpu_model"] in md
    assert "make bench" in md
    assert "| **pyanaplan**:" in md
