"""The installed console script: real streams, real exit codes, fast --help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ENTRY_POINT = Path(sys.executable).parent / "pyanaplan"

COMMANDS = [
    "workspaces",
    "models",
    "model",
    "files",
    "chunks",
    "imports",
    "exports",
    "actions",
    "processes",
    "upload",
    "import",
    "export",
    "action",
    "process",
    "tasks",
    "task",
    "cancel",
    "download",
    "delete",
    "login",
    "whoami",
    "config",
    "emulator",
    "demo",
]


def test_help_is_fast_and_lists_every_command() -> None:
    started = time.monotonic()
    proc = subprocess.run(
        [str(ENTRY_POINT), "--help"], capture_output=True, text=True, timeout=30, check=False
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    for command in COMMANDS:
        assert f"  {command} " in proc.stdout or f"  {command}\n" in proc.stdout, command
    assert elapsed < 5  # heavy imports live inside the commands


def test_json_results_on_stdout_status_on_stderr(entry) -> None:
    run = entry("files")  # stdout is a pipe: JSON by default
    assert run.exit_code == 0, run
    assert "Sales.csv" in [f["name"] for f in json.loads(run.stdout)]
    assert "Traceback" not in run.stderr


def test_error_is_one_document_and_one_sentence(entry) -> None:
    run = entry("-o", "json", "imports", "show", "No Such Import")
    assert run.exit_code == 4, run
    doc = json.loads(run.stdout)
    assert set(doc) == {"error"} and doc["error"]["code"] == "not_found"
    assert run.stderr.startswith("Error: ")
    assert "Traceback" not in run.stderr


def test_verbose_shows_the_traceback(entry) -> None:
    run = entry("-v", "-o", "json", "imports", "show", "No Such Import")
    assert run.exit_code == 4, run
    assert "Traceback" in run.stderr


def test_wrong_password_exit_3(entry, monkeypatch) -> None:
    monkeypatch.setenv("ANAPLAN_PASSWORD", "wrong-password")
    run = entry("workspaces")
    assert run.exit_code == 3, run
    assert "wrong-password" not in run.stdout + run.stderr


def test_insecure_prints_a_warning(entry) -> None:
    run = entry("--insecure", "workspaces")
    assert run.exit_code == 0, run
    assert "Warning:" in run.stderr and "--insecure" in run.stderr


def test_environment_alone_is_enough(entry, emu) -> None:
    env = {
        "ANAPLAN_API_URL": emu.api_url,
        "ANAPLAN_AUTH_URL": emu.auth_url,
        "ANAPLAN_WORKSPACE": "Demo Workspace",
        "ANAPLAN_MODEL": "Sales Planning",
    }
    proc = subprocess.run(
        [str(ENTRY_POINT), "-o", "csv", "processes"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "ID,Name"
    assert "Load Sales and Export" in proc.stdout
