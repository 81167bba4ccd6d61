"""whoami and the OAuth device login (URL and code on stderr, then approval)."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import termios
import time
from pathlib import Path

ENTRY_POINT = Path(sys.executable).parent / "pyanaplan"

CLIENT_ID = "0123456789abcdef0123456789abcdef"


def emulator_args(emu) -> list[str]:
    return ["--api-url", emu.api_url, "--auth-url", emu.auth_url]


def test_whoami(cli, emu) -> None:
    run = cli("whoami")
    assert run.exit_code == 0, run
    assert run.json()["email"] == emu.users[0][0]


def test_device_login_then_commands_use_the_kept_token(emu, entry, spawn, monkeypatch) -> None:
    emu.set_oauth_interval(0.1)
    monkeypatch.delenv("ANAPLAN_USER")
    monkeypatch.delenv("ANAPLAN_PASSWORD")
    monkeypatch.setenv("ANAPLAN_OAUTH_CLIENT_ID", CLIENT_ID)
    proc = spawn(["-o", "json", "login"])
    assert proc.stderr is not None
    line = ""
    deadline = time.monotonic() + 20
    while "code" not in line and time.monotonic() < deadline:
        line = proc.stderr.readline()
    match = re.search(r"open (\S+) and enter the code (\S+)", line)
    assert match, line
    assert proc.stdout is not None
    emu.approve_device(match.group(2))
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert json.loads(stdout)["email"] == emu.users[0][0]

    # The refresh token was kept: the next command signs in without a browser.
    again = entry("whoami", timeout=30)
    assert again.exit_code == 0, again
    assert again.json()["email"] == emu.users[0][0]
    assert "enter the code" not in again.stderr


def _run_detached(args: list[str], *, stdin: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    # A new session has no controlling terminal, so /dev/tty cannot stand in for stdin.
    return subprocess.Popen(
        [str(ENTRY_POINT), *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )


def test_ask_password_prompts_on_the_terminal(emu, cli_env) -> None:
    email, password = emu.users[1]
    env = {k: v for k, v in os.environ.items() if k != "ANAPLAN_PASSWORD"}
    args = [*emulator_args(emu), "--user", email, "-o", "json", "whoami", "--ask-password"]
    master, slave = pty.openpty()
    try:
        proc = _run_detached(args, stdin=slave, env=env)
        os.close(slave)
        # Type only once the prompt has turned echo off (getpass flushes earlier input).
        deadline = time.monotonic() + 20
        while termios.tcgetattr(master)[3] & termios.ECHO and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not termios.tcgetattr(master)[3] & termios.ECHO, "no password prompt appeared"
        os.write(master, f"{password}\n".encode())
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        os.close(master)
    assert proc.returncode == 0, stderr
    assert json.loads(stdout)["email"] == email
    assert b"Anaplan password" in stderr
    assert password.encode() not in stdout + stderr


def test_ask_password_without_a_terminal_is_a_usage_error(emu, cli_env) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ANAPLAN_PASSWORD"}
    proc = _run_detached(
        [*emulator_args(emu), "--ask-password", "whoami"], stdin=subprocess.DEVNULL, env=env
    )
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 2, stderr
    text = stderr.decode()
    assert text.startswith("Error: --ask-password needs a terminal"), text
    assert "ANAPLAN_PASSWORD" in text and "Traceback" not in text
