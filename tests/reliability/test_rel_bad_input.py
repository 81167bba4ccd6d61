"""Suite 4 — the bad-input catalogue, through the real `pyanaplan` command.

Every case asserts: the documented exit code (cli/_errors.py), exactly one `Error: …` sentence on
stderr, no traceback, no secret in the output, and nothing half-written left behind. Each case runs
in-process (typer's CliRunner: the same code, fast) in the default subset and as a subprocess of
the installed console script in the full run; cases that need a real process (signals, resource
limits, another uid) always run as a subprocess.
"""

from __future__ import annotations

import io
import os
import resource
import signal
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from certs import CertKit, issue
from pyanaplan.emulator import Emulator

MIB = 1024 * 1024
DEMO_EMAIL = "demo@pyanaplan.example"
PASSWORD = "demo-password"
PASSPHRASE = "key-passphrase-9f3e"
REPO = Path(__file__).resolve().parents[2]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---- certificates --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Certs:
    """Client certificates for the certificate cases: the demo user's, an expired one of the
    demo user's, and a key that belongs to neither."""

    good: CertKit
    expired: CertKit
    other: CertKit


@pytest.fixture(scope="module")
def certs() -> Certs:
    return Certs(issue(DEMO_EMAIL), issue(DEMO_EMAIL, expired=True), issue("someone-else"))


# ---- extra emulators -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dup_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """Demo spec plus same-named workspaces, models, files and actions (ambiguous names)."""
    spec = yaml.safe_load((REPO / "src/pyanaplan/emulator/specs/demo.yaml").read_text("utf-8"))
    twin = dict(spec["workspaces"][0], id="8a81b09d5e3f2c1a015e3f2c1a000002")
    spec["workspaces"].append(twin)
    sales = spec["models"][0]
    sales["files"][1]["name"] = "Sales.csv"  # Products.csv now shares Sales.csv's name
    sales["actions"].append(
        dict(sales["actions"][0], id="117000000002", name="delete discontinued products")
    )
    spec["models"][1]["name"] = "Sales Planning"
    path = tmp_path_factory.mktemp("dup-spec") / "dup.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    with Emulator(spec=path) as emu:
        yield emu


@pytest.fixture(scope="module")
def tls_emulator() -> Iterator[Emulator]:
    with Emulator(tls=True) as emu:
        yield emu


# ---- the catalogue -------------------------------------------------------------------------------
@dataclass
class Case:
    """One bad input: the command, its environment, and what must (not) be left behind."""

    args: list[str]
    codes: tuple[int, ...]
    env: dict[str, str | None]
    must_not_exist: tuple[Path, ...] = ()
    secrets: tuple[str, ...] = ()
    contains: str = ""  # a word the error sentence must contain


WS_ID = "8a81b09d5e3f2c1a015e3f2c1a000001"
# Network failures are retried with backoff first; one second of retrying keeps the suite quick.
FAST_FAIL = ["--retry-deadline", "1"]
MODEL_ID = "5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B"


def _cert_env(tmp: Path, cert: bytes, key: bytes, passphrase: str | None) -> dict[str, str | None]:
    cert_path, key_path = tmp / "client.pem", tmp / "client.key"
    cert_path.write_bytes(cert)
    key_path.write_bytes(key)
    env: dict[str, str | None] = {
        "ANAPLAN_USER": None,
        "ANAPLAN_PASSWORD": None,
        "ANAPLAN_CERT": str(cert_path),
        "ANAPLAN_KEY": str(key_path),
    }
    if passphrase is not None:
        env["ANAPLAN_KEY_PASSWORD"] = passphrase
    return env


def build_case(name: str, ctx: dict[str, Any]) -> Case:
    """Set up case `name` (files, registrations) and return it."""
    emu, tmp, certs = ctx["emu"], ctx["tmp"], ctx["certs"]
    target = tmp / "out" / "target.csv"
    match name:
        case "wrong password":
            return Case(
                ["workspaces"],
                (3,),
                {"ANAPLAN_PASSWORD": "not-the-password-7"},
                secrets=("not-the-password-7",),
            )
        case "unknown user":
            return Case(["workspaces"], (3,), {"ANAPLAN_USER": "nobody@pyanaplan.example"})
        case "certificate not registered":
            env = _cert_env(tmp, certs.good.cert_pem, certs.good.key_bytes(), None)
            return Case(["workspaces"], (3,), env)
        case "certificate expired":
            emu.register_certificate(DEMO_EMAIL, certs.expired.cert_pem)
            env = _cert_env(tmp, certs.expired.cert_pem, certs.expired.key_bytes(), None)
            return Case(["workspaces"], (2, 3), env, contains="xpire")
        case "certificate not matching its key":
            emu.register_certificate(DEMO_EMAIL, certs.good.cert_pem)
            env = _cert_env(tmp, certs.good.cert_pem, certs.other.key_bytes(), None)
            return Case(["workspaces"], (2, 3), env)
        case "wrong key passphrase":
            emu.register_certificate(DEMO_EMAIL, certs.good.cert_pem)
            env = _cert_env(
                tmp,
                certs.good.cert_pem,
                certs.good.key_bytes(password=PASSPHRASE.encode()),
                "wrong-passphrase-1",
            )
            return Case(["workspaces"], (2,), env, secrets=("wrong-passphrase-1", PASSPHRASE))
        case "corrupt PEM":
            env = _cert_env(
                tmp,
                b"-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n",
                certs.good.key_bytes(),
                None,
            )
            return Case(["workspaces"], (2,), env)
        case "corrupt .p12":
            p12 = tmp / "client.p12"
            real = certs.good.pkcs12(PASSPHRASE.encode(), name=b"me")
            p12.write_bytes(real[: len(real) // 2])  # truncated
            env = {
                "ANAPLAN_USER": None,
                "ANAPLAN_PASSWORD": None,
                "ANAPLAN_CERT": str(p12),
                "ANAPLAN_KEY_PASSWORD": PASSPHRASE,
            }
            return Case(["workspaces"], (2,), env, secrets=(PASSPHRASE,))
        case "unknown workspace":
            return Case(["-w", "Demo Workspaces", "models"], (4,), {}, contains="Demo Workspaces")
        case "unknown model":
            return Case(["-m", "Sales Plan", "files"], (4,), {}, contains="Sales Plan")
        case "unknown file":
            return Case(
                ["download", "Sale.csv", "-O", str(target)],
                (4,),
                {},
                must_not_exist=(target,),
                contains="Sale.csv",
            )
        case "unknown action":
            return Case(["action", "Delete Everything"], (4,), {}, contains="Delete Everything")
        case "ambiguous workspace" | "ambiguous model" | "ambiguous file" | "ambiguous action":
            dup = ctx["dup"]
            env = {
                "ANAPLAN_API_URL": dup.api_url,
                "ANAPLAN_AUTH_URL": dup.auth_url,
                "ANAPLAN_OAUTH_URL": dup.oauth_url,
            }
            kind = name.split()[1]
            args = {
                "workspace": ["-w", "Demo Workspace", "models"],
                "model": ["-w", WS_ID, "-m", "Sales Planning", "files"],
                "file": ["-w", WS_ID, "-m", MODEL_ID, "download", "Sales.csv", "-O", str(target)],
                "action": ["-w", WS_ID, "-m", MODEL_ID, "action", "Delete Discontinued Products"],
            }[kind]
            return Case(args, (4,), env, must_not_exist=(target,), contains="ambiguous")
        case "empty file":
            empty = tmp / "Sales.csv"
            empty.write_bytes(b"")
            return Case(["upload", str(empty)], (2,), {})
        case "a directory":
            folder = tmp / "Sales.csv"
            folder.mkdir()
            return Case(["upload", str(folder)], (2,), {})
        case "a file in the download target's path":
            # (A directory as the target is fine: `-O DIR` saves the file into it.)
            blocker = tmp / "outdir"
            blocker.write_text("a file, not a directory\n")
            ctx["client"]().upload(b"Name,Code\nX,Y\n", file="Regions.csv")
            target = str(blocker / "regions.csv")
            return Case(
                ["download", "Regions.csv", "-O", target], (2,), {}, contains="not a directory"
            )
        case "file too large for 1,000 chunks":
            huge = tmp / "Sales.csv"
            with open(huge, "wb") as fh:
                fh.truncate(60 * 1000**3)  # sparse: no disk used
            return Case(["upload", str(huge)], (2,), {}, contains="1000")
        case "bytes invalid in the import's encoding":
            bad = tmp / "Sales.csv"
            bad.write_bytes(
                b"Product,Region,Units,Price,Comment\n"
                b"Road Bike 200,North America,5,899.00,caf\xe9 \xff\xfe\n"
            )
            dumps = tmp / "dumps"
            return Case(
                ["import", "Sales from Sales.csv", "--upload", str(bad), "--dump-dir", str(dumps)],
                (1,),
                {},
            )
        case "unreachable host":
            dead = f"http://127.0.0.1:{_closed_port()}"
            return Case(
                [*FAST_FAIL, "workspaces"],
                (5,),
                {"ANAPLAN_API_URL": dead, "ANAPLAN_AUTH_URL": dead},
            )
        case "TLS verification failure":
            tls = ctx["tls"]
            env = {
                "ANAPLAN_API_URL": tls.api_url,
                "ANAPLAN_AUTH_URL": tls.auth_url,
                "ANAPLAN_OAUTH_URL": tls.oauth_url,
                "ANAPLAN_CA_BUNDLE": None,
            }
            return Case([*FAST_FAIL, "workspaces"], (5,), env)
        case "refusing proxy":
            proxy = f"http://127.0.0.1:{_closed_port()}"
            env = {
                "HTTPS_PROXY": proxy,
                "HTTP_PROXY": proxy,
                "ALL_PROXY": proxy,
                "NO_PROXY": None,
                "no_proxy": None,
            }
            return Case([*FAST_FAIL, "workspaces"], (5,), env)
    raise KeyError(name)


IN_PROCESS_CASES = [
    "wrong password",
    "unknown user",
    "certificate not registered",
    "certificate expired",
    "certificate not matching its key",
    "wrong key passphrase",
    "corrupt PEM",
    "corrupt .p12",
    "unknown workspace",
    "unknown model",
    "unknown file",
    "unknown action",
    "ambiguous workspace",
    "ambiguous model",
    "ambiguous file",
    "ambiguous action",
    "empty file",
    "a directory",
    "a file in the download target's path",
    "file too large for 1,000 chunks",
    "bytes invalid in the import's encoding",
    "unreachable host",
    "TLS verification failure",
    "refusing proxy",
]
# Run as a subprocess in the fast subset too (one of each family keeps `make test` honest).
FAST_SUBPROCESS = {"wrong password", "unknown file", "refusing proxy"}


# Cases with a known bug: name -> pytest.mark.xfail(strict=True, reason=...). Empty now: the
# empty-file bug found by this suite (a 0-byte upload exited 0) was fixed in d41a8fd.
KNOWN_BUGS: dict[str, Any] = {}


def _params() -> list[Any]:
    params = []
    for name in IN_PROCESS_CASES:
        bug = [KNOWN_BUGS[name]] if name in KNOWN_BUGS else []
        params.append(pytest.param(name, "in-process", marks=bug, id=f"{name}-inproc"))
        marks = [*bug, *([] if name in FAST_SUBPROCESS else [pytest.mark.slow])]
        params.append(pytest.param(name, "subprocess", marks=marks, id=f"{name}-subprocess"))
    return params


def check_run(run: Any, case: Case, *, name: str, runner: str, figures: Any) -> None:
    """The shared assertions: code, one sentence, no traceback, no secret, nothing left."""
    errors = run.error_lines
    figures.bad_input(
        case=name,
        runner=runner,
        exit_code=run.exit_code,
        message=errors[0] if errors else run.stderr.strip()[:200],
    )
    assert run.exit_code in case.codes, run
    assert len(errors) == 1, run
    sentence = errors[0][len("Error: ") :]
    assert len(sentence.strip()) > 10, run
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout, run
    assert "This is a bug in pyanaplan" not in run.stderr, run
    for secret in (PASSWORD, *case.secrets):
        assert secret not in run.stdout + run.stderr, f"secret {secret!r} leaked: {run}"
    if case.contains:
        assert case.contains.lower() in sentence.lower(), run
    for path in case.must_not_exist:
        assert not path.exists(), f"{path} was left behind"
        assert not Path(f"{path}.part").exists(), f"{path}.part was left behind"


@pytest.mark.parametrize(("name", "runner"), _params())
def test_bad_input(
    name: str,
    runner: str,
    emu: Any,
    certs: Certs,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    cli_inproc: Callable[..., Any],
    cli_proc: Callable[..., Any],
    rclient: Callable[..., Any],
    figures: Any,
) -> None:
    ctx: dict[str, Any] = {"emu": emu, "tmp": tmp_path, "certs": certs, "client": rclient}
    if name.startswith("ambiguous"):
        ctx["dup"] = request.getfixturevalue("dup_emulator")
    if name.startswith("TLS"):
        ctx["tls"] = request.getfixturevalue("tls_emulator")
    case = build_case(name, ctx)
    run = (cli_inproc if runner == "in-process" else cli_proc)(["-q", *case.args], env=case.env)
    check_run(run, case, name=name, runner=runner, figures=figures)
    if case.args[0] == "upload":
        # A refused upload sends nothing: no chunk count, no chunk, no single PUT.
        writes = [
            r for r in emu.requests() if r["method"] in ("PUT", "POST") and "/files/" in r["path"]
        ]
        assert not writes, writes
    if name == "bytes invalid in the import's encoding":
        # The import ran on the server and failed (or rejected rows): its dump was saved.
        assert any((tmp_path / "dumps").glob("*")), run


# ---- cases that need a real process --------------------------------------------------------------
def _drop_dac_capabilities() -> None:
    """In the child, before exec: remove CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the
    capability bounding set, so even root obeys file permissions after exec (prctl
    PR_CAPBSET_DROP; needs CAP_SETPCAP, which root has unless a container removed it)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def test_unreadable_file(cli_proc: Callable[..., Any], tmp_path: Path, figures: Any) -> None:
    """A chmod-000 source. Root reads it anyway, so as root the CLI runs with the DAC override
    capabilities dropped (see `_drop_dac_capabilities`): then the file is unreadable for it too."""
    source = tmp_path / "Sales.csv"
    source.write_bytes(b"Product,Region,Units,Price,Comment\n")
    source.chmod(0o000)
    try:
        preexec = _drop_dac_capabilities if os.geteuid() == 0 else None
        runner = "subprocess (root without CAP_DAC_*)" if preexec else "subprocess"
        run = cli_proc(["-q", "upload", str(source)], preexec_fn=preexec)
        check_run(
            run,
            Case(["upload"], (2,), {}),
            name="an unreadable file (chmod 000)",
            runner=runner,
            figures=figures,
        )
        assert "Sales.csv" in run.error_lines[0], run
    finally:
        source.chmod(0o600)


def _fsize_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        # EFBIG instead of being killed by SIGXFSZ, like a full disk returns ENOSPC.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _download_disk_full(
    emu: Any,
    rclient: Callable[..., Any],
    make_csv: Callable[..., bytes],
    cli_proc: Callable[..., Any],
    tmp_path: Path,
) -> tuple[Any, Path, bytes]:
    data = make_csv(3 * MIB + 5, seed=3)
    rclient().upload(data, file="Sales.csv", chunk_size=MIB)
    target = tmp_path / "out" / "Sales.csv"
    run = cli_proc(
        ["-q", "download", "Sales.csv", "-O", str(target)], preexec_fn=_fsize_limit(MIB + MIB // 2)
    )
    return run, target, data


def test_disk_full_while_downloading_leaves_no_target(
    emu: Any,
    rclient: Callable[..., Any],
    make_csv: Callable[..., bytes],
    cli_proc: Callable[..., Any],
    tmp_path: Path,
) -> None:
    """Simulated with RLIMIT_FSIZE (no root mounts): writes beyond 1.5 MiB fail with EFBIG."""
    run, target, data = _download_disk_full(emu, rclient, make_csv, cli_proc, tmp_path)
    assert run.exit_code != 0, run
    assert "Traceback" not in run.stderr, run
    assert not target.exists(), "a truncated target was left behind"
    part = Path(f"{target}.part")
    if part.exists():  # kept for a resume only if it is a clean prefix of the file
        assert data.startswith(part.read_bytes())
    rerun = cli_proc(["-q", "download", "Sales.csv", "-O", str(target)])
    assert rerun.exit_code == 0 and target.read_bytes() == data, rerun


def test_disk_full_while_downloading_is_one_clear_sentence(
    emu: Any,
    rclient: Callable[..., Any],
    make_csv: Callable[..., bytes],
    cli_proc: Callable[..., Any],
    tmp_path: Path,
    figures: Any,
) -> None:
    run, target, _ = _download_disk_full(emu, rclient, make_csv, cli_proc, tmp_path)
    check_run(
        run,
        Case([], (2, 5), {}),
        name="disk full while downloading (RLIMIT_FSIZE)",
        runner="subprocess",
        figures=figures,
    )
    # The sentence names the target and says what went wrong with the local write.
    assert "Sales.csv" in run.error_lines[0], run
    assert not target.exists()  # `.part` may stay, for a resume (checked in the test above)


def test_ctrl_c_during_a_task_cancels_it(
    emu: Any,
    cli_spawn: Callable[..., Any],
    rclient: Callable[..., Any],
    cli_run_type: type,
    figures: Any,
) -> None:
    emu.set_task_timing(steps=400, step_s=0.1)
    proc = cli_spawn(["-q", "import", "Sales from Sales.csv"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(r["method"] == "GET" and "/tasks/" in r["path"] for r in emu.requests()):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the import never started polling")
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=40)
    run = cli_run_type(proc.returncode, stdout, stderr)
    check_run(
        run,
        Case([], (130,), {}),
        name="Ctrl-C during a task (SIGINT)",
        runner="subprocess",
        figures=figures,
    )
    tasks = rclient().tasks("import", "Sales from Sales.csv")
    assert tasks and tasks[-1].task_state in ("CANCELLED", "CANCELLING"), tasks


def test_refusing_proxy_error_names_the_proxy(
    emu: Any,
    certs: Certs,
    tmp_path: Path,
    cli_inproc: Callable[..., Any],
    rclient: Any,
    figures: Any,
) -> None:
    ctx: dict[str, Any] = {"emu": emu, "tmp": tmp_path, "certs": certs, "client": rclient}
    case = build_case("refusing proxy", ctx)
    run = cli_inproc(["-q", *case.args], env=case.env)
    assert run.exit_code == 5, run
    proxy_port = str(case.env["HTTPS_PROXY"]).rsplit(":", 1)[1]
    sentence = run.error_lines[0]
    assert "proxy" in sentence.lower() and proxy_port in sentence, sentence


@pytest.mark.parametrize("op", ["upload", "download"])
def test_ctrl_c_during_a_transfer_exits_130_and_resumes(
    op: str,
    emu: Any,
    cli_spawn: Callable[..., Any],
    cli_proc: Callable[..., Any],
    rclient: Callable[..., Any],
    make_csv: Callable[..., bytes],
    cli_run_type: type,
    tmp_path: Path,
    figures: Any,
) -> None:
    """SIGINT mid-transfer: exit 130 with one sentence that mentions no server task, no target
    left; the rerun of the upload resumes, the download of an uploaded file starts over (nothing
    proves the kept chunks current)."""
    data = make_csv(5 * MIB + 3, seed=21)
    source = tmp_path / "Sales.csv"
    source.write_bytes(data)
    target = tmp_path / "out" / "Sales.csv"
    method = "PUT" if op == "upload" else "GET"
    if op == "upload":
        args = ["-q", "upload", str(source), "--chunk-size", "1MiB", "--concurrency", "1"]
        emu.set_bandwidth(request_bps=4 * MIB)
    else:
        rclient().upload(source, chunk_size=MIB)
        args = ["-q", "download", "Sales.csv", "-O", str(target)]
        emu.set_bandwidth(response_bps=4 * MIB)
    proc = cli_spawn(args)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if op == "upload":
            acked = [
                r
                for r in emu.requests()
                if r["method"] == method and "/chunks/" in r["path"] and r["status"] == 204
            ]
            if len(acked) >= 3:
                break
        else:
            part = Path(f"{target}.part")
            if part.exists() and part.stat().st_size >= 2 * MIB:  # two chunks written
                break
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=40)
    run = cli_run_type(proc.returncode, stdout, stderr)
    emu.set_bandwidth(None, None)
    check_run(
        run,
        Case([], (130,), {}),
        name=f"Ctrl-C during {'an' if op == 'upload' else 'a'} {op} (SIGINT)",
        runner="subprocess",
        figures=figures,
    )
    assert "server task" not in stderr, stderr  # no task was running: say nothing of one
    assert not target.exists()
    rerun = cli_proc(["-o", "json", *args])
    assert rerun.exit_code == 0, rerun
    import json

    summary = json.loads(rerun.stdout)
    if op == "download":
        assert summary.get("chunks_skipped") == 0, summary  # started over, by design
        assert target.read_bytes() == data
    else:
        assert summary.get("chunks_skipped", 0) >= 1, summary  # it resumed
        buffer = io.BytesIO()
        rclient().download("Sales.csv", buffer)
        assert buffer.getvalue() == data
