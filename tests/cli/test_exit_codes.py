"""Every documented exit code, with stdout, stderr and the code checked separately."""

from __future__ import annotations

import json
import signal
import time

from faultcheck import fired

SALES_IMPORT = "Sales from Sales.csv"


def test_2_unknown_option_and_bad_size(cli, tmp_path) -> None:
    bogus = cli("--bogus", "files")
    assert bogus.exit_code == 2, bogus
    assert "--bogus" in bogus.stderr and bogus.stdout == ""

    source = tmp_path / "a.csv"
    source.write_text("x\n")
    bad_size = cli("upload", str(source), "--chunk-size", "12XB")
    assert bad_size.exit_code == 2, bad_size
    assert "12XB" in bad_size.stderr and "25MB" in bad_size.stderr
    assert bad_size.json()["error"]["code"] == "usage"  # stdout is not a TTY: JSON document

    bad_format = cli("-o", "yaml", "files")
    assert bad_format.exit_code == 2, bad_format


def test_2_missing_credentials(cli, monkeypatch) -> None:
    monkeypatch.delenv("ANAPLAN_PASSWORD")
    run = cli("workspaces")
    assert run.exit_code == 2, run
    assert run.stderr.startswith("Error: ")
    assert "Traceback" not in run.stderr


def test_3_wrong_password(cli, monkeypatch) -> None:
    monkeypatch.setenv("ANAPLAN_PASSWORD", "not-the-password")
    run = cli("-o", "json", "workspaces")
    assert run.exit_code == 3, run
    assert run.json()["error"]["code"] == "authentication"
    assert "not-the-password" not in run.stdout + run.stderr


def test_4_unknown_name_lists_candidates(cli) -> None:
    run = cli("imports", "show", "Sales from Sale.csv")
    assert run.exit_code == 4, run
    error = run.json()["error"]
    assert error["code"] == "not_found"
    assert "Sales from Sales.csv" in [c["name"] for c in error["candidates"]]
    assert "Candidates:" in run.stderr and "Sales from Sales.csv" in run.stderr


def test_4_unknown_model(cli) -> None:
    run = cli("-m", "Sales Plan", "files", model=False)
    assert run.exit_code == 4, run
    assert "Sales Planning" in run.stderr


def test_5_server_error_after_retries(cli, emu) -> None:
    emu.inject(path="*/files", method="GET", status=503, times=1000)
    started = time.monotonic()
    run = cli("--retry-deadline", "1", "files")
    assert run.exit_code == 5, run
    assert run.json()["error"]["code"] == "server"
    assert time.monotonic() - started < 20
    refused = [r for r in emu.requests() if r["path"].endswith("/files") and r["status"] == 503]
    assert fired(emu) == [len(refused)] and len(refused) > 1  # retried until the deadline


def test_130_ctrl_c_cancels_the_server_task(cli, emu, spawn) -> None:
    emu.set_task_timing(steps=200, step_s=0.25)  # ~50 s unless cancelled
    proc = spawn(["-o", "json", "import", SALES_IMPORT])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        started = [r for r in emu.requests() if r["method"] == "GET" and "/tasks/" in r["path"]]
        if started:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the import never started polling")
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, (stdout, stderr)
    assert "Interrupted" in stderr
    tasks = cli("tasks", "import", SALES_IMPORT).json()
    assert tasks and tasks[-1]["state"] in ("CANCELLED", "CANCELLING")


def test_4_ambiguous_name_lists_every_match(tmp_path, cli_env) -> None:
    from pathlib import Path

    import yaml
    from typer.testing import CliRunner

    from pyanaplan.cli.main import app
    from pyanaplan.emulator import Emulator

    demo = Path(__file__).resolve().parents[2] / "src/pyanaplan/emulator/specs/demo.yaml"
    spec = yaml.safe_load(demo.read_text(encoding="utf-8"))
    spec["models"][1]["name"] = spec["models"][0]["name"]  # two models called "Sales Planning"
    path = tmp_path / "dup.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    with Emulator(spec=path) as emu:
        args = ["--api-url", emu.api_url, "--auth-url", emu.auth_url, "-w", "Demo Workspace"]
        result = CliRunner().invoke(app, [*args, "-m", "Sales Planning", "files"])
    assert result.exit_code == 4, result.stderr
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "ambiguous_name"
    assert {c["id"] for c in error["candidates"]} == {
        "5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B",
        "6C3F7A1D9B8E4F2A0D4C3B2E1F0A9D8C",
    }
    assert "Candidates:" in result.stderr


def test_2_bad_mapping_and_bad_kind(cli) -> None:
    mapping = cli("import", SALES_IMPORT, "--mapping", "Version")
    assert mapping.exit_code == 2, mapping
    assert "Dimension=Item" in mapping.stderr
    kind = cli("tasks", "module", SALES_IMPORT)
    assert kind.exit_code == 2, kind
    assert "module" in kind.stderr


def test_1_timeout_cancels_and_reports(cli, emu) -> None:
    emu.set_task_timing(steps=200, step_s=0.25)
    run = cli("import", SALES_IMPORT, "--timeout", "1")
    assert run.exit_code == 1, run
    assert "cancelled" in run.json()["error"]["message"]
    tasks = cli("tasks", "import", SALES_IMPORT).json()
    assert tasks[-1]["state"] in ("CANCELLED", "CANCELLING")
