"""Reliability and security suites: slow-test gating, shared helpers and the figures report.

Two jobs live here:

* **Gating.** Tests marked ``slow`` (crash loops with 20+ iterations, the full subprocess
  catalogue) are skipped unless the run selects them with ``-m`` (``-m slow``,
  ``-m "slow or not slow"``) or sets ``PYANAPLAN_RELIABILITY_FULL=1``. The skip names the reason,
  so a plain ``pytest`` run shows how many long scenarios it left out. The unmarked subset still
  touches every category with few iterations and stays well under a minute.
* **Figures.** Tests record what they injected and what happened through the ``figures``
  fixture. With ``PYANAPLAN_RELIABILITY_REPORT=docs/reliability.md`` the session writes those
  figures, plus each test's outcome, as a Markdown report (`_ReliabilityReport.write`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import random
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPORT_ENV = "PYANAPLAN_RELIABILITY_REPORT"
FULL_ENV = "PYANAPLAN_RELIABILITY_FULL"
HERE = Path(__file__).resolve().parent
ENTRY_POINT = Path(sys.executable).parent / "pyanaplan"
WORKSPACE = "Demo Workspace"
MODEL = "Sales Planning"

# One section per suite, in the order the report shows them.
CATEGORIES = {
    "test_rel_faults.py": "1. Faults",
    "test_rel_client_crash.py": "2. Client crashes",
    "test_rel_emulator_crash.py": "3. Emulator crashes",
    "test_rel_bad_input.py": "4. Bad input",
    "test_rel_secrets.py": "5. Secrets",
    "test_rel_hardening.py": "6. Emulator hardening",
    "test_rel_schemathesis.py": "6. Emulator hardening (schemathesis)",
    "test_rel_concurrency.py": "7. Concurrent clients, changed files, failed cancels",
}


# ---- slow gating ---------------------------------------------------------------------------------
def _selects_slow(config: pytest.Config) -> bool:
    """Whether this run asked for slow tests (env var, or a -m expression that admits `slow`)."""
    if os.environ.get(FULL_ENV, "") not in ("", "0"):
        return True
    expr = config.getoption("markexpr", default="") or ""
    if not expr:
        return False
    try:
        from _pytest.mark.expression import Expression

        compiled = Expression.compile(expr)
        # A test carrying only the `slow` marker: would this expression select it?
        return bool(compiled.evaluate(lambda name, **_: name == "slow"))
    except Exception:  # private API moved: fall back to a plain reading of the expression
        return "slow" in expr and "not slow" not in expr


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip this directory's `slow` tests unless the run selected them."""
    if _selects_slow(config):
        return
    skip = pytest.mark.skip(
        reason=f"slow reliability scenario: run with -m slow or {FULL_ENV}=1 (make reliability)"
    )
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents and "slow" in item.keywords:
            item.add_marker(skip)


# ---- figures -------------------------------------------------------------------------------------
@dataclass
class _ReliabilityReport:
    """Figures recorded by the tests, and each test's outcome, turned into Markdown."""

    full: bool = False
    faults: list[dict[str, Any]] = field(default_factory=list)
    client_crashes: list[dict[str, Any]] = field(default_factory=list)
    emulator_crashes: list[dict[str, Any]] = field(default_factory=list)
    bad_inputs: list[dict[str, Any]] = field(default_factory=list)
    secrets: list[dict[str, Any]] = field(default_factory=list)
    hardening: list[dict[str, Any]] = field(default_factory=list)
    concurrency: list[dict[str, Any]] = field(default_factory=list)
    outcomes: dict[str, list[tuple[str, str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    # Tests call these.
    def fault(self, **row: Any) -> None:
        """One fault scenario: fault, rate, operation, injected (fired), outcome, detail."""
        self.faults.append(row)

    def client_crash(self, **row: Any) -> None:
        """One crash loop: operation, iterations, outcomes, chunks sent twice, in-flight bound."""
        self.client_crashes.append(row)

    def emulator_crash(self, **row: Any) -> None:
        """One server crash scenario: phase, what survived, task state after restart."""
        self.emulator_crashes.append(row)

    def bad_input(self, **row: Any) -> None:
        """One catalogue entry: case, how run, exit code, the Error line."""
        self.bad_inputs.append(row)

    def secret_sweep(self, **row: Any) -> None:
        """One secrets sweep: what was run and searched, and how many leaks were found."""
        self.secrets.append(row)

    def hardening_check(self, **row: Any) -> None:
        """One hardening check: what, how many probes, findings."""
        self.hardening.append(row)

    def concurrent(self, **row: Any) -> None:
        """One scenario of suite 7: scenario, runs, outcomes (counted), silent successes."""
        self.concurrency.append(row)

    # Markdown.
    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(self._lines()) + "\n", encoding="utf-8")

    def _lines(self) -> list[str]:
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        mode = "full run (slow scenarios included)" if self.full else "fast subset only"
        out = [
            "# pyanaplan reliability and security report",
            "",
            f"Generated by `tests/reliability` on {now} — {mode}. Do not edit by hand: run",
            f"`{REPORT_ENV}=docs/reliability.md {FULL_ENV}=1 pytest -m 'slow or not slow' "
            "tests/reliability` (what `make reliability` does).",
            "",
            "Every figure below was measured in this run against the emulator over loopback HTTP;",
            "nothing is typed in by hand. A test marked *xfail* is a known bug, listed with its "
            "reason.",
            "",
            "## Summary",
            "",
            "| suite | passed | failed | known bugs (xfail) | skipped |",
            "|---|---|---|---|---|",
        ]
        for module, title in CATEGORIES.items():
            counts = Counter(outcome for _, outcome, _ in self.outcomes.get(module, []))
            out.append(
                f"| {title} | {counts['passed']} | {counts['failed']} | "
                f"{counts['xfailed'] + counts['xpassed']} | {counts['skipped']} |"
            )
        out += self._faults() + self._crashes() + self._server_crashes() + self._bad_inputs()
        out += self._secrets() + self._hardening() + self._concurrency()
        out += self._known_bugs() + _METHOD_NOTES
        return out

    def _faults(self) -> list[str]:
        out = ["", "## 1. Faults", ""]
        if not self.faults:
            return [*out, "_No fault scenarios ran._"]
        fired = sum(int(r.get("injected", 0)) for r in self.faults)
        ok = sum(1 for r in self.faults if r.get("outcome") == "byte-identical")
        clear = sum(1 for r in self.faults if r.get("outcome") == "clear error")
        out.append(
            f"{len(self.faults)} scenarios, {fired} faults injected (fired); {ok} finished "
            f"byte-identical / correct, {clear} failed with a clear error after the retry budget; "
            f"silent successes: {sum(1 for r in self.faults if r.get('outcome') == 'SILENT')} "
            "(any here is a failing test or a known bug listed at the end); "
            f"duplicate tasks: {sum(int(r.get('duplicate_tasks', 0)) for r in self.faults)}."
        )
        out += [
            "",
            "| fault | rate | operation | injected | outcome | detail |",
            "|---|---|---|---|---|---|",
        ]
        for r in self.faults:
            out.append(
                f"| {r.get('fault')} | {r.get('rate')} | {r.get('operation')} | "
                f"{r.get('injected')} | {r.get('outcome')} | {_cell(r.get('detail', ''))} |"
            )
        return out

    def _crashes(self) -> list[str]:
        out = ["", "## 2. Client crashes (SIGKILL)", ""]
        if not self.client_crashes:
            return [*out, "_No crash loops ran._"]
        out += [
            "| operation | iterations | killed mid-transfer | done before the kill | "
            "reruns byte-identical | chunks sent twice | max twice in one kill "
            "| allowed (in flight) | kills over the bound | seed |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in self.client_crashes:
            out.append(
                f"| {r['operation']} | {r['iterations']} | {r['killed']} | {r['finished_early']} | "
                f"{r['identical']}/{r['iterations']} | {r['sent_twice']} | {r['max_twice']} | "
                f"≤ {r['allowed']} | {r.get('over_bound', 0)} | {r['seed']} |"
            )
        out += [
            "",
            "*done before the kill*: the kill landed after the server completed the upload (or "
            "after the download's rename), so there was nothing to resume; such kills are not "
            "counted as mid-transfer and their reruns are fresh transfers.",
        ]
        return out

    def _server_crashes(self) -> list[str]:
        out = ["", "## 3. Emulator crashes (SIGKILL, restart on the same data dir)", ""]
        if not self.emulator_crashes:
            return [*out, "_No server crash scenarios ran._"]
        out += ["| phase | iterations | result |", "|---|---|---|"]
        for r in self.emulator_crashes:
            out.append(f"| {r['phase']} | {r['iterations']} | {_cell(r['result'])} |")
        return out

    def _bad_inputs(self) -> list[str]:
        out = ["", "## 4. Bad input catalogue (the real `pyanaplan` command)", ""]
        if not self.bad_inputs:
            return [*out, "_No bad inputs ran._"]
        out += ["| case | run as | exit code | message (stderr) |", "|---|---|---|---|"]
        for r in sorted(self.bad_inputs, key=lambda r: (r["case"], r["runner"])):
            message = _TMP_PATH.sub("<tmp>", str(r["message"]))  # per-run temp dirs are noise
            out.append(f"| {r['case']} | {r['runner']} | {r['exit_code']} | `{_cell(message)}` |")
        return out

    def _secrets(self) -> list[str]:
        out = ["", "## 5. Secrets", ""]
        if not self.secrets:
            return [*out, "_No secret sweeps ran._"]
        out += ["| sweep | runs | places searched | leaks |", "|---|---|---|---|"]
        for r in self.secrets:
            out.append(f"| {r['sweep']} | {r['runs']} | {_cell(r['searched'])} | {r['leaks']} |")
        return out

    def _hardening(self) -> list[str]:
        out = ["", "## 6. Emulator hardening", ""]
        if not self.hardening:
            return [*out, "_No hardening checks ran._"]
        out += ["| check | probes | result |", "|---|---|---|"]
        for r in self.hardening:
            out.append(f"| {r['check']} | {r['probes']} | {_cell(r['result'])} |")
        return out

    def _concurrency(self) -> list[str]:
        out = ["", "## 7. Concurrent clients, changed files, failed cancels", ""]
        if not self.concurrency:
            return [*out, "_No scenarios ran._"]
        silent = sum(int(r.get("silent", 0)) for r in self.concurrency)
        out.append(
            f"{len(self.concurrency)} scenario kinds, "
            f"{sum(int(r.get('runs', 0)) for r in self.concurrency)} runs; silent successes "
            f"(exit 0 with another task's result, old bytes, a mixed file, or a cancel the "
            f"server did not confirm): {silent}."
        )
        out += ["", "| scenario | runs | outcomes | silent |", "|---|---|---|---|"]
        for r in self.concurrency:
            out.append(
                f"| {_cell(r['scenario'])} | {r['runs']} | {_cell(r['outcomes'])} | "
                f"{r.get('silent', 0)} |"
            )
        return out

    def _known_bugs(self) -> list[str]:
        rows = [
            (module, name, reason)
            for module, entries in self.outcomes.items()
            for name, outcome, reason in entries
            if outcome in ("xfailed", "xpassed", "failed")
        ]
        out = ["", "## Known bugs and failures in this run", ""]
        if not rows:
            return [*out, "None."]
        out += ["| test | status / reason |", "|---|---|"]
        for module, name, reason in rows:
            out.append(f"| `{module}::{name}` | {_cell(reason)} |")
        return out


_TMP_PATH = re.compile(r"/tmp/pytest-of-[^/\s]+/pytest-\d+/[^/\s']+")

_METHOD_NOTES = [
    "",
    "## How the figures are produced",
    "",
    "- **Fast subset and full run.** `make test` runs the unmarked tests: every suite with few "
    "iterations (3 kills per crash loop, one rate per fault class, bad inputs in-process plus a "
    "few as subprocesses). Tests marked `slow` are skipped there by marker selection, with the "
    f"reason shown; `make reliability` selects them (`-m 'slow or not slow'`, `{FULL_ENV}=1`).",
    "- **Faults** are injected by the emulator's fault rules (status, `Retry-After` in seconds "
    "or as an HTTP date, dropped connection mid-body, added latency past the client's read "
    "timeout, token killed before the request). Fractional rates are random per request, so "
    "*injected* counts how often the rule actually fired. Chunk PUT/GET use a fixed 300 s "
    "timeout, so the slow-response fault targets the chunk list and task status calls instead.",
    "- **Client crashes**: the installed `pyanaplan upload`/`download` is SIGKILLed once a "
    "seeded random number of chunk requests has reached the server (bandwidth capped, or chunk "
    "answers delayed, so a kill lands mid-transfer); *chunks sent twice* counts every chunk "
    "request beyond the first, across the killed run and its rerun. A download resumes only an "
    "export's output (its tasks prove the kept chunks current); an uploaded file's download "
    "starts over by design, so every chunk may go twice.",
    "- **Concurrent clients, changed files, failed cancels** (suite 7): two spec users start the "
    "same import while one start's answer is dropped after the server ran it; two processes "
    "(one cache dir = one machine, two = two machines) upload to one file while a chunk of the "
    "first is held; a download is SIGKILLed and the server file changed before the rerun; "
    "Ctrl-C with the cancel request failing, or a second Ctrl-C while it is held. *silent* "
    "counts runs that exited 0 (or reported a cancel) when the truth was different.",
    "- **Emulator crashes**: `pyanaplan emulator serve --data-dir DIR --port P` SIGKILLed and "
    "restarted on the same directory. The window between the model and platform commits is hit "
    "on purpose, not by timing: a crash point (`POST /__emulator__/crash-points`) parks the task "
    "worker there, and the kill follows once the emulator reports the point reached.",
    "- **Unreadable file as root**: root ignores `chmod 000`, so the CLI runs with "
    "CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped from its bounding set (prctl "
    "PR_CAPBSET_DROP before exec); then the file really is unreadable to it.",
    "- **Disk full** is simulated with `RLIMIT_FSIZE` (SIGXFSZ ignored) in the CLI subprocess: "
    "writes past the limit fail with EFBIG, as a full disk fails with ENOSPC; no root mounts.",
    "- **File too large**: a sparse 60 GB file made with `truncate` (no disk used).",
    "- **Secrets** are the spec passwords, every token and refresh token in the emulator's own "
    "token table after each run, the private key's PEM body lines and the passphrases.",
    "- **schemathesis** (test_rel_schemathesis.py) runs the bulk operations of "
    "`integration-openapi.json` against the emulator, seeded and bounded, checking for no 5xx "
    "and no hang; a hypothesis fuzz of paths, methods and bodies adds what the schema omits.",
]


def _cell(text: Any) -> str:
    value = str(text).replace("|", "\\|").replace("\n", " ")
    return value if len(value) <= 220 else value[:217] + "…"


_REPORT_KEY = pytest.StashKey[_ReliabilityReport]()
_collector: _ReliabilityReport | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _collector
    _collector = _ReliabilityReport(full=_selects_slow(config))
    config.stash[_REPORT_KEY] = _collector


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Record each reliability test's outcome for the summary table."""
    module = Path(report.fspath).name if report.fspath else ""
    if module not in CATEGORIES or not report.nodeid.startswith("tests/reliability"):
        return
    collector = _collector
    if collector is None:
        return
    name = report.nodeid.split("::", 1)[-1]
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        if hasattr(report, "wasxfail"):
            outcome = "xpassed" if report.passed else "xfailed"
            reason = report.wasxfail
        else:
            outcome = report.outcome
            reason = ""
            if report.failed:
                reason = "FAILED: " + str(report.longrepr).strip().splitlines()[-1][:200]
        collector.outcomes[module].append((name, outcome, reason))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write docs/reliability.md (or wherever the env var points) when asked to."""
    target = os.environ.get(REPORT_ENV)
    if not target or _REPORT_KEY not in session.config.stash:
        return
    report = session.config.stash[_REPORT_KEY]
    path = Path(target)
    if not path.is_absolute():
        path = Path(session.config.rootpath) / path
    report.write(path)


@pytest.fixture(scope="session")
def figures(request: pytest.FixtureRequest) -> _ReliabilityReport:
    """The session's figures collector (see `_ReliabilityReport`)."""
    return request.config.stash[_REPORT_KEY]


@pytest.fixture(scope="session")
def full_run(request: pytest.FixtureRequest) -> bool:
    """True when slow scenarios were selected (iteration counts may grow)."""
    return _selects_slow(request.config)


# ---- data and clients ----------------------------------------------------------------------------
def sales_csv(size: int, seed: int = 1) -> bytes:
    """Sales-like CSV of exactly `size` bytes, deterministic for a seed."""
    rng = random.Random(seed)
    parts = [b"Product,Region,Units,Price,Comment\n"]
    total = len(parts[0])
    while total < size:
        row = (
            f"Bike {rng.randint(1, 999)},Region {rng.randint(1, 50)},{rng.randint(0, 9999)},"
            f"{rng.random() * 1000:.2f},n{rng.getrandbits(48):x}\n"
        ).encode()
        parts.append(row)
        total += len(row)
    return b"".join(parts)[:size]


@pytest.fixture(scope="session")
def export_emulator() -> Iterator[Any]:
    """A second emulator whose export outputs come in 48-byte chunks: the demo model's small
    report becomes a multi-chunk file, so export-output downloads can be interrupted mid-way."""
    from pyanaplan.emulator import Emulator

    with Emulator(export_chunk_bytes=48) as server:
        yield server


@pytest.fixture
def export_emu(export_emulator: Any) -> Any:
    """`export_emulator`, reset to the demo spec's state before the test."""
    export_emulator.reset()
    return export_emulator


@pytest.fixture
def make_csv() -> Callable[..., bytes]:
    """Factory: deterministic sales-like CSV bytes of an exact size."""
    return sales_csv


@pytest.fixture
def sha256() -> Callable[[bytes], str]:
    return lambda data: hashlib.sha256(data).hexdigest()


@pytest.fixture
def rclient(emu: Any) -> Iterator[Callable[..., Any]]:
    """Factory: a Client on the emulator's demo model with a fast retry policy; closed after."""
    from pyanaplan import Client, RetryPolicy

    made: list[Any] = []

    def factory(*, user: int = 0, retry: Any = None, **kwargs: Any) -> Any:
        email, password = emu.users[user]
        policy = retry or RetryPolicy(attempts=6, base_s=0.01, max_backoff_s=0.05, deadline_s=30)
        options: dict[str, Any] = {
            "api_url": emu.api_url,
            "auth_url": emu.auth_url,
            "oauth_url": emu.oauth_url,
            "user": email,
            "password": password,
            "workspace": WORKSPACE,
            "model": MODEL,
            "retry": policy,
        }
        options.update(kwargs)
        client = Client(**options)
        made.append(client)
        return client

    yield factory
    for client in made:
        with contextlib.suppress(Exception):  # a test may have revoked the token on purpose
            client.close()


# ---- the CLI as a subprocess and in-process ------------------------------------------------------
@dataclass
class CliRun:
    """One CLI run: exit code, stdout and stderr kept apart."""

    exit_code: int
    stdout: str
    stderr: str

    def __repr__(self) -> str:
        return f"CliRun(exit_code={self.exit_code}, stdout={self.stdout!r}, stderr={self.stderr!r})"

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("Error: ")]


def emulator_env(emu: Any, user: int = 0) -> dict[str, str]:
    """ANAPLAN_* variables pointing the CLI at the emulator as a spec user."""
    email, password = emu.users[user]
    return {
        "ANAPLAN_API_URL": emu.api_url,
        "ANAPLAN_AUTH_URL": emu.auth_url,
        "ANAPLAN_OAUTH_URL": emu.oauth_url,
        "ANAPLAN_USER": email,
        "ANAPLAN_PASSWORD": password,
        "ANAPLAN_WORKSPACE": WORKSPACE,
        "ANAPLAN_MODEL": MODEL,
    }


def _subprocess_env(extra: dict[str, str | None]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANAPLAN_") or "_DIR" in k}
    for key in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy"):
        env.pop(key, None)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["COLUMNS"] = "200"  # one error sentence per line, however long
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


@pytest.fixture
def cli_proc(emu: Any) -> Callable[..., CliRun]:
    """Run the installed `pyanaplan` console script (real streams, signals and exit code)."""

    def run(
        args: Sequence[str],
        *,
        env: dict[str, str | None] | None = None,
        user: int = 0,
        timeout: float = 60,
        cwd: Path | None = None,
        preexec_fn: Callable[[], None] | None = None,
    ) -> CliRun:
        full_env = _subprocess_env({**emulator_env(emu, user), **(env or {})})
        proc = subprocess.run(
            [str(ENTRY_POINT), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=full_env,
            cwd=cwd,
            preexec_fn=preexec_fn,
            check=False,
        )
        return CliRun(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def cli_spawn(emu: Any) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start the console script without waiting (signals); killed at teardown if still alive."""
    procs: list[subprocess.Popen[str]] = []

    def start(
        args: Sequence[str], *, env: dict[str, str | None] | None = None, user: int = 0
    ) -> subprocess.Popen[str]:
        full_env = _subprocess_env({**emulator_env(emu, user), **(env or {})})
        proc = subprocess.Popen(
            [str(ENTRY_POINT), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=full_env,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def cli_inproc(emu: Any) -> Callable[..., CliRun]:
    """Invoke the CLI app in this process (typer's CliRunner): same code, no interpreter start."""
    from typer.testing import CliRunner

    from pyanaplan.cli.main import app

    def invoke(
        args: Sequence[str], *, env: dict[str, str | None] | None = None, user: int = 0
    ) -> CliRun:
        full_env: dict[str, str | None] = {**emulator_env(emu, user), **(env or {})}
        full_env.setdefault("COLUMNS", "200")
        result = CliRunner().invoke(app, list(args), env=full_env, catch_exceptions=True)
        stderr = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            import traceback

            stderr += "Traceback (escaped the CLI):\n" + "".join(
                traceback.format_exception(result.exception)
            )
        return CliRun(result.exit_code, result.stdout, stderr)

    return invoke


@pytest.fixture
def cli_run_type() -> type[CliRun]:
    """The `CliRun` class, for tests that build one from a process they drove themselves."""
    return CliRun
