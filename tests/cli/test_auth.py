"""whoami and the OAuth device login (URL and code on stderr, then approval)."""

from __future__ import annotations

import json
import re
import time

CLIENT_ID = "0123456789abcdef0123456789abcdef"


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


def test_ask_password_prompts_on_the_terminal(cli, emu, monkeypatch) -> None:
    email, password = emu.users[1]
    monkeypatch.delenv("ANAPLAN_PASSWORD")
    run = cli("--user", email, "--ask-password", "whoami", input=f"{password}\n")
    assert run.exit_code == 0, run
    assert run.json()["email"] == email
    assert password not in run.stdout + run.stderr
