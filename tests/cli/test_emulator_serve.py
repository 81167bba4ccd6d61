"""`pyanaplan emulator serve` as a real process: prints usable settings, serves, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2

ENTRY_POINT = Path(sys.executable).parent / "pyanaplan"


def test_serve_prints_settings_that_work(tmp_path: Path) -> None:
    env_file = tmp_path / "emulator.env"
    args = ["emulator", "serve", "--port", "0", "--in-memory", "--env-file", str(env_file)]
    proc = subprocess.Popen(
        [str(ENTRY_POINT), *args, "--token-ttl", "600"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not env_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert env_file.exists(), "the emulator never wrote its env file"
        time.sleep(0.1)  # the file is written in one go; let the writer close it
        settings = dict(
            line.removeprefix("export ").split("=", 1)
            for line in env_file.read_text().splitlines()
            if line.startswith("export ")
        )
        assert oct(env_file.stat().st_mode & 0o777) == "0o600"
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANAPLAN_")}
        env.update(settings)
        env["ANAPLAN_CONFIG_DIR"] = str(tmp_path / "config")
        env["ANAPLAN_CACHE_DIR"] = str(tmp_path / "cache")
        listed = subprocess.run(
            [str(ENTRY_POINT), "-o", "csv", "workspaces"],
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
            check=False,
        )
        assert listed.returncode == 0, listed.stderr
        assert "Demo Workspace" in listed.stdout
        # The printed control token drives /__emulator__/ (and nothing works without it).
        clock = f"{settings['ANAPLAN_API_URL']}/__emulator__/clock"
        token = {"X-Emulator-Token": settings["PYANAPLAN_EMULATOR_TOKEN"]}
        assert httpx2.get(clock, headers=token, timeout=10).status_code == 200
        assert httpx2.get(clock, timeout=10).status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            stdout, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, _ = proc.communicate()
    assert proc.returncode == 0
    assert "export ANAPLAN_API_URL=http://127.0.0.1:" in stdout
    assert "demo@pyanaplan.example" in stdout


def test_serve_rejects_data_dir_with_in_memory(tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(ENTRY_POINT), "emulator", "serve", "--in-memory", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 2
    assert "--in-memory" in proc.stderr


def test_serve_reports_a_bad_spec_and_a_busy_port(tmp_path: Path) -> None:
    import socket

    # Each failed start must remove the temporary data directory it made for --in-memory.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    bad = tmp_path / "bad.yaml"
    bad.write_text("users: 3\n")
    proc = subprocess.run(
        [str(ENTRY_POINT), "emulator", "serve", "--in-memory", "--port", "0", "--spec", str(bad)],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("Error: ") and "customer_id" in proc.stderr
    assert list(scratch.iterdir()) == []

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        proc = subprocess.run(
            [str(ENTRY_POINT), "emulator", "serve", "--in-memory", "--port", port],
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
            check=False,
        )
    assert proc.returncode == 2, proc.stderr
    assert f"127.0.0.1:{port}" in proc.stderr and "--port" in proc.stderr
    assert list(scratch.iterdir()) == []
