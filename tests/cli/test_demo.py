"""`pyanaplan demo` with a small CSV: every step must report success."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from faultcheck import missed_rules
from pyanaplan.cli.main import app


def test_demo_runs_every_step(tmp_path: Path) -> None:
    out = tmp_path / "demo-output"
    result = CliRunner().invoke(
        app,
        ["-o", "json", "demo", "--size", "2MB", "--chunk-size", "1MiB", "--output-dir", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, (result.stdout, result.stderr)
    summary = json.loads(result.stdout)
    assert summary["ok"] is True
    steps = {s["step"]: s for s in summary["steps"]}
    assert all(s["ok"] for s in steps.values())
    assert "Upload it in chunks" in steps and "chunk(s)" in steps["Upload it in chunks"]["result"]
    sales = steps["Import sales (with bad rows)"]
    assert "5 failed" in sales["result"] and "exit 1" in sales["result"]
    assert sales["files"] and Path(sales["files"][0]).is_file()
    process = steps["Run the process, accepting partial loads"]
    assert "5 rows rejected" in process["result"] and "exit 0" in process["result"]
    assert process["files"] and Path(process["files"][0]).is_file()
    assert "Accepted because of --accept-partial" in " ".join(result.stderr.split())
    report = out / "Sales Report.csv"
    assert report.is_file() and report.read_text(encoding="utf-8").count("\n") > 1


def test_demo_rejects_a_bad_size() -> None:
    result = CliRunner().invoke(app, ["demo", "--size", "lots"])
    assert result.exit_code == 2
    assert "lots" in result.stderr


def test_demo_fails_loudly_when_a_step_goes_wrong(tmp_path: Path, capsys) -> None:
    from contextlib import contextmanager

    from pyanaplan.cli._output import Output
    from pyanaplan.cli.demo import DemoOptions, run_demo
    from pyanaplan.emulator import Emulator

    rules: list[dict] = []

    @contextmanager
    def broken_emulator():
        with Emulator() as emu:
            # Every listing of Sales.csv's chunks fails: the upload step cannot be verified.
            emu.inject(path="*/files/113000000003/chunks", method="GET", status=404, times=None)
            try:
                yield emu
            finally:  # the demo's failure comes back through the yield
                rules.extend(emu.faults())

    options = DemoOptions(output_dir=tmp_path, size_bytes=200_000)
    code = run_demo(Output("json"), options, emulator_factory=broken_emulator)
    captured = capsys.readouterr()
    assert code == 4  # the injected 404's own exit code
    # The failure is the injected one (the demo's own retry showcase is the other rule).
    assert rules[0]["path"].endswith("/chunks") and rules[0]["fired"] >= 1
    assert missed_rules(rules) == []
    summary = json.loads(captured.out)
    assert summary["ok"] is False
    assert summary["error"]["code"] == "not_found"
    last = summary["steps"][-1]
    assert last["step"] == "Upload it in chunks" and not last["ok"]
    assert last["result"].startswith("FAILED")
    assert "demo step failed" in captured.err


def test_demo_ignores_settings_meant_for_a_real_tenant(tmp_path: Path, monkeypatch) -> None:
    # A user with certificate or token settings for their tenant still gets the local demo.
    monkeypatch.setenv("ANAPLAN_TOKEN", "not-a-real-token")
    monkeypatch.setenv("ANAPLAN_REGION", "EU1")
    monkeypatch.setenv("ANAPLAN_WORKSPACE", "Some Other Workspace")
    result = CliRunner().invoke(
        app,
        ["-o", "json", "demo", "--size", "300KB", "--output-dir", str(tmp_path)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert json.loads(result.stdout)["ok"] is True


def test_demo_into_an_unwritable_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = CliRunner().invoke(
        app, ["-o", "json", "demo", "--size", "300KB", "--output-dir", str(blocker / "out")]
    )
    assert result.exit_code == 2, (result.stdout, result.stderr)
    summary = json.loads(result.stdout)  # one document: the summary, saying why
    assert summary["ok"] is False and summary["steps"] == []
    assert summary["error"]["code"] == "local_file"
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [
        f"Error: Cannot write the demo's files to '{blocker / 'out'}': not a directory."
    ]
    assert "Emulator at" not in result.stderr  # refused before anything was started
