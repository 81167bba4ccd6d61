"""Run the CLI against the session emulator: in-process (typer's CliRunner) or as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

WORKSPACE = "Demo Workspace"
MODEL = "Sales Planning"
ENTRY_POINT = Path(sys.executable).parent / "pyanaplan"


@dataclass
class Run:
    """One CLI run: exit code, stdout and stderr kept apart."""

    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """stdout parsed as the one JSON document it must be."""
        return json.loads(self.stdout)

    def __repr__(self) -> str:  # shown by pytest when an assert fails
        return f"Run(exit_code={self.exit_code}, stdout={self.stdout!r}, stderr={self.stderr!r})"


def emulator_args(emu: Any, *, model: bool = True) -> list[str]:
    """Global options that point the CLI at the emulator's demo model."""
    args = ["--api-url", emu.api_url, "--auth-url", emu.auth_url, "--oauth-url", emu.oauth_url]
    args += ["-w", WORKSPACE]
    if model:
        args += ["-m", MODEL]
    return args


@pytest.fixture
def cli_env(emu: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """ANAPLAN_USER/ANAPLAN_PASSWORD of the emulator's first user, in os.environ."""
    user, password = emu.users[0]
    monkeypatch.setenv("ANAPLAN_USER", user)
    monkeypatch.setenv("ANAPLAN_PASSWORD", password)
    return {"ANAPLAN_USER": user, "ANAPLAN_PASSWORD": password}


@pytest.fixture
def cli(emu: Any, cli_env: dict[str, str]) -> Callable[..., Run]:
    """Invoke `pyanaplan` in-process against the emulator; stdout is not a TTY (JSON default)."""
    from pyanaplan.cli.main import app

    def invoke(*args: str, point: bool = True, model: bool = True, input: str | None = None) -> Run:
        full = [*(emulator_args(emu, model=model) if point else []), *args]
        result = CliRunner().invoke(app, full, input=input, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke


@pytest.fixture
def entry(emu: Any, cli_env: dict[str, str]) -> Callable[..., Run]:
    """Run the installed `pyanaplan` console script as a subprocess (real streams and exit code)."""

    def run(*args: str, point: bool = True, timeout: float = 60, cwd: Path | None = None) -> Run:
        full = [str(ENTRY_POINT), *(emulator_args(emu) if point else []), *args]
        proc = subprocess.run(
            full,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=dict(os.environ),
            cwd=cwd,
            check=False,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def spawn(emu: Any, cli_env: dict[str, str]) -> Callable[..., subprocess.Popen[str]]:
    """Start the console script without waiting (for SIGINT tests); killed at teardown."""
    procs: list[subprocess.Popen[str]] = []

    def start(args: Sequence[str], *, point: bool = True) -> subprocess.Popen[str]:
        full = [str(ENTRY_POINT), *(emulator_args(emu) if point else []), *args]
        proc = subprocess.Popen(
            full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
