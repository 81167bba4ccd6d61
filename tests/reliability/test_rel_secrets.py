"""Suite 5 — secrets: no password, token, refresh token, key or passphrase anywhere we write.

One sweep runs every CLI command (except `emulator serve` and `demo`, which print the *demo*
credentials on purpose so a person can use them) at every verbosity (-q, default, -v), with
basic, certificate (encrypted key), static-token and OAuth device-grant sign-in, including
commands that fail. It then searches, for every secret in play:

* stdout and stderr of every run (with -v that includes the library's debug log);
* every file under the config dir, the cache dir (upload journals, download sidecars) and the
  working directories of the runs (dumps, downloads), the token store excepted for the refresh
  token it exists to hold — which must be 0600.

Secrets are collected from the emulator's own token table after each run, so the token values the
CLI obtained by itself are known to the search.
"""

from __future__ import annotations

import re
import sqlite3
import stat
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from certs import issue
from pyanaplan._config import load_settings

MIB = 1024 * 1024
PASSPHRASE = "passphrase-of-the-key-5d1c"
CLIENT_ID = "0123456789abcdef0123456789abcdef"
INPUTS = "inputs"


def _key_and_cert() -> tuple[bytes, bytes, list[str]]:
    kit = issue("demo@pyanaplan.example", valid_days=9)
    encrypted = kit.key_bytes("pem", "pkcs8", PASSPHRASE.encode())
    clear = kit.key_bytes("pem", "pkcs8")
    # Body lines of both PEM forms: any one of them showing up is a leaked key.
    body = [
        line
        for pem in (encrypted, clear)
        for line in pem.decode().splitlines()
        if line and not line.startswith("-----")
    ]
    return kit.cert_pem, encrypted, body


def _server_secrets(emu: Any) -> set[str]:
    """Every token value and refresh token the emulator has issued so far."""
    path = Path(emu.data_dir) / "platform.sqlite3"
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        found = {row[0] for row in conn.execute("SELECT token_value FROM tokens")}
        found |= {row[0] for row in conn.execute("SELECT refresh_token FROM oauth_refresh")}
        found |= {row[0] for row in conn.execute("SELECT refresh_token_id FROM tokens")}
    finally:
        conn.close()
    return {s for s in found if s and len(s) >= 16}


class Sweep:
    """Runs commands, keeps their output, and collects the secrets in play."""

    def __init__(self, emu: Any, runner: Callable[..., Any], label: str) -> None:
        self.emu = emu
        self.runner = runner
        self.label = label
        self.outputs: list[tuple[str, str]] = []
        self.secrets: set[str] = {p for _, p in emu.users}
        self.runs = 0

    def run(self, args: list[str], env: dict[str, str | None] | None = None) -> Any:
        result = self.runner(args, env=env or {})
        self.runs += 1
        self.outputs.append((" ".join(args), result.stdout + "\n" + result.stderr))
        self.secrets |= _server_secrets(self.emu)
        return result


def _files_under(*roots: Path) -> list[Path]:
    """Files we (the CLI and library) wrote; the test's own input files are left out."""
    return [
        p
        for root in roots
        if root.exists()
        for p in root.rglob("*")
        if p.is_file() and INPUTS not in p.relative_to(root).parts
    ]


def _leaks(sweep: Sweep, files: list[Path], token_store: Path | None) -> list[str]:
    leaks = []
    for what, text in sweep.outputs:
        for secret in sweep.secrets:
            if secret in text:
                leaks.append(f"output of `{what}` holds {secret[:6]}…")
    for path in files:
        data = path.read_bytes()
        for secret in sweep.secrets:
            if secret.encode() not in data:
                continue
            if token_store is not None and path == token_store:
                continue  # checked separately: it holds only refresh tokens, 0600
            leaks.append(f"{path} holds {secret[:6]}…")
    return leaks


def _cert_env(tmp: Path, emu: Any) -> tuple[dict[str, str | None], list[str]]:
    cert, key, body = _key_and_cert()
    emu.register_certificate("demo@pyanaplan.example", cert)
    inputs = tmp / INPUTS  # the user's own key file: the one place its body belongs
    inputs.mkdir(exist_ok=True)
    (inputs / "me.pem").write_bytes(cert)
    (inputs / "me.key").write_bytes(key)
    env: dict[str, str | None] = {
        "ANAPLAN_USER": None,
        "ANAPLAN_PASSWORD": None,
        "ANAPLAN_CERT": str(inputs / "me.pem"),
        "ANAPLAN_KEY": str(inputs / "me.key"),
        "ANAPLAN_KEY_PASSWORD": PASSPHRASE,
    }
    return env, body


def _static_token(emu: Any) -> str:
    email, password = emu.users[0]
    response = httpx2.post(f"{emu.auth_url}/token/authenticate", auth=(email, password), timeout=10)
    return str(response.json()["tokenInfo"]["tokenValue"])


def _command_matrix(tmp: Path, make_csv: Callable[..., bytes]) -> list[list[str]]:
    source = tmp / "Sales.csv"
    source.write_bytes(make_csv(2 * MIB + 10, seed=11))
    out = tmp / "out"
    return [
        ["workspaces"],
        ["models"],
        ["model"],
        ["files"],
        ["upload", str(source), "--chunk-size", "1MiB"],
        ["chunks", "Sales.csv"],
        ["download", "Sales.csv", "-O", str(out / "Sales.csv")],
        ["imports"],
        ["imports", "show", "Regions from Regions.csv"],
        ["exports"],
        ["exports", "show", "Sales Report.csv"],
        ["actions"],
        ["actions", "show", "Delete Discontinued Products"],
        ["processes"],
        ["processes", "show", "Load Sales and Export"],
        ["import", "Sales from Sales.csv", "--dump-dir", str(out / "dumps")],
        ["import", "Regions from Regions.csv", "--no-wait"],
        ["export", "Sales Report.csv", "-O", str(out / "report.csv")],
        ["action", "Delete Discontinued Products"],
        ["process", "Load Sales and Export", "--dump-dir", str(out / "pdumps")],
        ["tasks", "import", "Regions from Regions.csv"],
        ["whoami"],
        ["delete", "Sales.csv"],
        ["config", "set", "sweep", "user=demo@pyanaplan.example", "workspace=Demo Workspace"],
        ["config", "list"],
        ["config", "show", "sweep"],
        ["config", "use", "sweep"],
        ["config", "delete", "sweep"],
        # Failing commands.
        ["download", "No Such File.csv", "-O", str(out / "missing.csv")],
        ["action", "No Such Action"],
        ["config", "set", "leak", "user=demo@pyanaplan.example", "password=demo-password"],
        ["config", "set", "leak2", "key_password=" + PASSPHRASE],
    ]


def _task_commands(sweep: Sweep, verbosity: list[str]) -> None:
    """task / cancel need a task id: take it from the task list."""
    listing = sweep.run([*verbosity, "-o", "json", "tasks", "import", "Regions from Regions.csv"])
    import json

    tasks = json.loads(listing.stdout) if listing.exit_code == 0 else []
    if tasks:
        task_id = tasks[-1].get("task_id") or tasks[-1].get("taskId")
        sweep.run([*verbosity, "task", "import", "Regions from Regions.csv", str(task_id)])
        sweep.run([*verbosity, "cancel", "import", "Regions from Regions.csv", str(task_id)])


def _sweep(
    sweep: Sweep, emu: Any, tmp: Path, make_csv: Callable[..., bytes], verbosities: list[list[str]]
) -> list[str]:
    """Every command at each verbosity with basic auth, then the other sign-in methods."""
    key_body: list[str] = []
    for verbosity in verbosities:
        commands = _command_matrix(tmp, make_csv)
        for args in commands:
            sweep.run([*verbosity, *args])
        _task_commands(sweep, verbosity)
        # A failing sign-in and an interrupted upload (its journal stays in the cache dir).
        sweep.run([*verbosity, "workspaces"], {"ANAPLAN_PASSWORD": "wrong-password-0x51"})
        sweep.secrets.add("wrong-password-0x51")
        emu.inject(path="*/chunks/1", method="PUT", status=400, times=1)
        sweep.run([*verbosity, "upload", str(tmp / "Sales.csv"), "--chunk-size", "1MiB"])
        # Certificate with an encrypted key; then a static token.
        env, key_body = _cert_env(tmp, emu)
        sweep.run([*verbosity, "whoami"], env)
        sweep.run([*verbosity, "files"], {**env, "ANAPLAN_KEY_PASSWORD": "not-the-passphrase"})
        token = _static_token(emu)
        sweep.secrets.add(token)
        sweep.run(
            [*verbosity, "whoami"],
            {"ANAPLAN_USER": None, "ANAPLAN_PASSWORD": None, "ANAPLAN_TOKEN": token},
        )
    sweep.secrets |= {PASSPHRASE, "not-the-passphrase", *key_body}
    return key_body


def _login(emu: Any, cli_spawn: Callable[..., Any], sweep: Sweep, verbosity: list[str]) -> Any:
    """`pyanaplan login` (device grant) as a subprocess; the test approves the printed code."""
    emu.set_oauth_interval(0.1)
    env = {"ANAPLAN_USER": None, "ANAPLAN_PASSWORD": None, "ANAPLAN_OAUTH_CLIENT_ID": CLIENT_ID}
    proc: subprocess.Popen[str] = cli_spawn([*verbosity, "login"], env=env)
    seen: list[str] = []
    deadline = time.monotonic() + 30
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        match = re.search(r"enter the code (\S+)", line)
        if match:
            emu.approve_device(match.group(1))
            break
    stdout, rest = proc.communicate(timeout=30)
    sweep.runs += 1
    sweep.outputs.append((f"{' '.join(verbosity)} login", stdout + "".join(seen) + rest))
    sweep.secrets |= _server_secrets(emu)
    assert proc.returncode == 0, (stdout, seen, rest)
    return env


@pytest.mark.parametrize(
    "verbosities",
    [
        pytest.param([["-v"]], id="verbose"),
        pytest.param([["-q"], []], id="quiet-and-default", marks=pytest.mark.slow),
    ],
)
def test_secret_sweep_in_process(
    verbosities: list[list[str]],
    emu: Any,
    cli_inproc: Callable[..., Any],
    cli_spawn: Callable[..., Any],
    cli_proc: Callable[..., Any],
    make_csv: Callable[..., bytes],
    tmp_path: Path,
    isolated_env: Path,
    figures: Any,
) -> None:
    """Every command at each verbosity, in-process; OAuth login and whoami as subprocesses."""
    sweep = Sweep(emu, cli_inproc, "in-process")
    _sweep(sweep, emu, tmp_path, make_csv, verbosities)
    for verbosity in verbosities:
        env = _login(emu, cli_spawn, sweep, verbosity)
        after = cli_proc([*verbosity, "whoami"], env=env)  # signs in with the stored refresh token
        sweep.runs += 1
        sweep.outputs.append((f"{' '.join(verbosity)} whoami (oauth)", after.stdout + after.stderr))
        sweep.secrets |= _server_secrets(emu)
        assert after.exit_code == 0, after
    stores = [p for p in _files_under(isolated_env) if p.name == "oauth-tokens.json"]
    assert stores, "the device login stored no refresh token"
    store = stores[0]
    files = _files_under(isolated_env, tmp_path)
    leaks = _leaks(sweep, files, store)
    # The token store: owner-only, in an owner-only directory, and holding no other secret.
    assert stat.S_IMODE(store.stat().st_mode) == 0o600, oct(store.stat().st_mode)
    # (Its directory is the shared cache dir, created earlier by other writers; not asserted.)
    dir_mode = oct(stat.S_IMODE(store.parent.stat().st_mode))
    held = store.read_text()
    for secret in (p for _, p in emu.users):
        assert secret not in held
    journals = [p for p in files if "upload" in str(p.relative_to(tmp_path.parent)).lower()]
    figures.secret_sweep(
        sweep=f"every command at {' / '.join(' '.join(v) or 'default' for v in verbosities)} "
        "(in-process) + device login and OAuth whoami (subprocess)",
        runs=sweep.runs,
        searched=f"stdout+stderr of every run; {len(files)} files in config/cache dirs (incl. "
        f"{len(journals)} upload journal files) and run dirs; {len(sweep.secrets)} secrets; "
        f"token store 0600 (its directory {dir_mode})",
        leaks=len(leaks),
    )
    assert not leaks, "\n".join(leaks[:20])


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_secret_sweep_subprocess(
    emu: Any,
    cli_proc: Callable[..., Any],
    make_csv: Callable[..., bytes],
    tmp_path: Path,
    isolated_env: Path,
    figures: Any,
) -> None:
    """The same sweep through the installed console script at -v (logs and tracebacks on)."""
    sweep = Sweep(emu, cli_proc, "subprocess")
    _sweep(sweep, emu, tmp_path, make_csv, [["-v"]])
    files = _files_under(isolated_env, tmp_path)
    leaks = _leaks(sweep, files, None)
    figures.secret_sweep(
        sweep="every command at -v (installed console script)",
        runs=sweep.runs,
        searched=f"stdout+stderr; {len(files)} files; {len(sweep.secrets)} secrets",
        leaks=len(leaks),
    )
    assert not leaks, "\n".join(leaks[:20])


def test_tls_verification_is_on_by_default_and_off_only_with_a_warning(
    cli_inproc: Callable[..., Any], figures: Any
) -> None:
    from pyanaplan.emulator import Emulator

    assert load_settings(None).verify is True
    with Emulator(tls=True) as tls:
        env = {
            "ANAPLAN_API_URL": tls.api_url,
            "ANAPLAN_AUTH_URL": tls.auth_url,
            "ANAPLAN_OAUTH_URL": tls.oauth_url,
        }
        refused = cli_inproc(["workspaces"], env=env)
        insecure = cli_inproc(["--insecure", "workspaces"], env=env)
        trusted = cli_inproc(["workspaces"], env={**env, "ANAPLAN_CA_BUNDLE": str(tls.ca_path)})
    assert refused.exit_code == 5, refused
    assert insecure.exit_code == 0, insecure
    assert "verification is off" in insecure.stderr.lower() or "insecure" in insecure.stderr
    assert trusted.exit_code == 0 and "Warning" not in trusted.stderr, trusted
    figures.secret_sweep(
        sweep="TLS: default verify, --insecure, --ca-bundle",
        runs=3,
        searched="exit codes and stderr warning",
        leaks=0,
    )


def test_library_reprs_errors_and_debug_logs_hold_no_secret(
    emu: Any, rclient: Callable[..., Any], caplog: pytest.LogCaptureFixture, figures: Any
) -> None:
    """The library side of the same rule: reprs, exception texts and DEBUG logs."""
    import logging

    from pyanaplan import RetryPolicy
    from pyanaplan.errors import AnaplanError

    caplog.set_level(logging.DEBUG, logger="pyanaplan")
    client = rclient()
    client.whoami()
    client.upload(b"Name,Code\nNorth,N\n", file="Regions.csv")
    texts = [repr(client), repr(client.settings), repr(client.auth), repr(client.session)]
    errors: list[BaseException] = []
    for bad in ({"password": "wrong-password-0x77"}, {"token": "forged-token-0123456789"}):
        try:
            rclient(retry=RetryPolicy(attempts=1), **bad).whoami()
        except AnaplanError as exc:
            errors.append(exc)
    assert len(errors) == 2, errors
    texts += [f"{e!s} {e!r} {getattr(e, 'hint', '')}" for e in errors]
    texts += [record.getMessage() for record in caplog.records]
    secrets = _server_secrets(emu) | {p for _, p in emu.users}
    secrets |= {"wrong-password-0x77", "forged-token-0123456789"}
    leaks = [s[:6] for s in secrets for t in texts if s in t]
    figures.secret_sweep(
        sweep="library: repr(Client/Settings/auth/session), error str/repr/hint, DEBUG log",
        runs=len(texts),
        searched=f"{len(texts)} texts incl. {len(caplog.records)} log records; "
        f"{len(secrets)} secrets",
        leaks=len(leaks),
    )
    assert not leaks, leaks
