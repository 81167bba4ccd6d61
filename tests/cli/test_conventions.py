"""CLI conventions (gh, aws, huggingface-cli as the yardstick): global options anywhere, --version,
uppercase placeholders and shown defaults in --help, one set of run options, limits checked while
parsing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pyanaplan.cli.main import app

ENTRY_POINT = Path(sys.executable).parent / "pyanaplan"
WORKSPACE = "Demo Workspace"
MODEL = "Sales Planning"
SALES_IMPORT = "Sales from Sales.csv"
RUN_COMMANDS = ("import", "export", "action", "process")


def where(emu) -> list[str]:
    return ["--api-url", emu.api_url, "--auth-url", emu.auth_url, "-w", WORKSPACE, "-m", MODEL]


# ---- global options after the command ------------------------------------------------------


def test_global_options_after_the_command(cli, emu) -> None:
    csv_after = cli("files", "-o", "csv", *where(emu), point=False)
    assert csv_after.exit_code == 0, csv_after
    assert csv_after.stdout.splitlines()[0] == "ID,Name,Chunks,Separator,Encoding,First data row"

    run = cli("import", "Regions from Regions.csv", *where(emu), "-o", "json", point=False)
    assert run.exit_code == 0, run
    assert run.json()["successful"] is True

    # In a subcommand group too, before or after the subcommand.
    shown = cli("imports", "show", SALES_IMPORT, "-o", "json", *where(emu), point=False)
    assert shown.exit_code == 0, shown
    assert shown.json()["id"] == "112000000003"
    early = cli("imports", "-o", "csv", "show", SALES_IMPORT, *where(emu), point=False)
    assert early.exit_code == 0, early
    assert early.stdout.startswith("id,name,")


def test_the_option_after_the_command_wins(cli) -> None:
    run = cli("-m", "No Such Model", "files", "-m", MODEL, "-o", "json")
    assert run.exit_code == 0, run
    wrong = cli("-m", MODEL, "files", "-m", "No Such Model", "-o", "json")
    assert wrong.exit_code == 4, wrong
    assert "No Such Model" in wrong.json()["error"]["message"]


def test_quiet_verbose_and_profile_after_the_command(cli, emu) -> None:
    verbose = cli("imports", "show", "No Such Import", "-v")
    assert verbose.exit_code == 4, verbose
    assert "Traceback" in verbose.stderr

    config = cli("config", "set", "demo", f"api_url={emu.api_url}", f"auth_url={emu.auth_url}")
    assert config.exit_code == 0, config
    by_profile = cli("workspaces", "--profile", "demo", "-o", "json", "-q", point=False)
    assert by_profile.exit_code == 0, by_profile
    assert [w["name"] for w in by_profile.json()] == [WORKSPACE]
    assert by_profile.stderr == ""


def test_global_options_stay_out_of_command_help() -> None:
    result = CliRunner().invoke(app, ["files", "--help"])
    assert result.exit_code == 0
    assert "--workspace" not in result.stdout  # hidden on the command …
    assert "Global options" in result.stdout  # … and said once where to find them


def test_version() -> None:
    from pyanaplan import __version__

    proc = subprocess.run(
        [str(ENTRY_POINT), "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"pyanaplan {__version__}"


# ---- help: placeholders, defaults, one set of run options -----------------------------------


def _commands(command, path=()):
    for name, sub in getattr(command, "commands", {}).items():
        yield (*path, name), sub
        yield from _commands(sub, (*path, name))


def test_every_placeholder_in_help_is_uppercase() -> None:
    root = typer.main.get_command(app)
    lower = []
    for path, command in [((), root), *_commands(root)]:
        for param in command.params:
            if getattr(param, "hidden", False) or getattr(param, "is_flag", False):
                continue
            if param.name in ("install_completion", "show_completion"):
                continue
            metavar = param.metavar or ""
            if not re.fullmatch(r"[A-Z][A-Z0-9_=.]*", metavar):
                lower.append(f"{' '.join(path)} {param.name}: {metavar!r}")
    assert lower == []


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["upload", "--help"], ["[default: 10MiB]", "[default: 4; 1<=x<=16]"]),
        (["--help"], ["[default: 300.0"]),
        (["demo", "--help"], ["[default: 10MiB]", "[default: 50MB]"]),
    ],
)
def test_defaults_are_shown(args: list[str], shown: list[str]) -> None:
    result = CliRunner().invoke(app, args, terminal_width=200)
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for needle in shown:
        assert needle in text, (needle, text)


def test_shown_defaults_are_the_library_defaults() -> None:
    from pyanaplan.cli._options import DEFAULT_CHUNK_SIZE_TEXT, DEFAULT_RETRY_DEADLINE_S, parse_size
    from pyanaplan.http import RetryPolicy
    from pyanaplan.transfer.plan import DEFAULT_CHUNK_SIZE

    assert parse_size(DEFAULT_CHUNK_SIZE_TEXT) == DEFAULT_CHUNK_SIZE
    assert RetryPolicy().deadline_s == DEFAULT_RETRY_DEADLINE_S


def test_every_run_command_takes_the_same_run_options() -> None:
    root = typer.main.get_command(app)
    for name in RUN_COMMANDS:
        options = {opt for p in root.commands[name].params for opt in getattr(p, "opts", [])}
        assert {"--timeout", "--no-wait", "--dump-dir"} <= options, name


def test_export_and_action_do_not_wait_when_asked(cli, emu) -> None:
    emu.set_task_timing(steps=20, step_s=0.5)
    export = cli("export", "Sales Report.csv", "--no-wait", "--timeout", "30")
    assert export.exit_code == 0, export
    assert export.json()["state"] in ("NOT_STARTED", "IN_PROGRESS")
    action = cli("action", "Delete Discontinued Products", "--no-wait")
    assert action.exit_code == 0, action
    assert action.json()["task_id"]
    assert action.json()["state"] in ("NOT_STARTED", "IN_PROGRESS")


# ---- limits checked while parsing -----------------------------------------------------------


def test_concurrency_limit_is_the_librarys_and_checked_before_any_request(
    cli, emu, tmp_path: Path
) -> None:
    from pyanaplan.transfer.plan import MAX_CONCURRENCY

    source = tmp_path / "a.csv"
    source.write_text("a,b\n1,2\n")
    before = len(emu.requests())
    run = cli(
        "upload", str(source), "--file", "Sales.csv", "--concurrency", str(MAX_CONCURRENCY + 1)
    )
    assert run.exit_code == 2, run
    assert f"less than or equal to {MAX_CONCURRENCY}" in run.stderr
    assert len(emu.requests()) == before  # refused while parsing: nothing was sent
    ok = cli("upload", str(source), "--file", "Sales.csv", "--concurrency", str(MAX_CONCURRENCY))
    assert ok.exit_code == 0, ok


@pytest.mark.parametrize("size", ["60MB", "512KB"])
def test_chunk_size_bounds_are_checked_while_parsing(cli, emu, tmp_path: Path, size: str) -> None:
    source = tmp_path / "a.csv"
    source.write_text("a,b\n1,2\n")
    before = len(emu.requests())
    run = cli("upload", str(source), "--file", "Sales.csv", "--chunk-size", size)
    assert run.exit_code == 2, run
    assert size in run.stderr and "1MiB to 50MB" in run.stderr
    assert len(emu.requests()) == before


def test_timeout_zero_means_no_limit_and_negative_is_refused(cli, emu) -> None:
    emu.set_task_timing(steps=3, step_s=0.2)
    unlimited = cli("import", "Regions from Regions.csv", "--timeout", "0")
    assert unlimited.exit_code == 0, unlimited
    assert unlimited.json()["successful"] is True
    for bad in ("-1", "soon", "nan"):
        refused = cli("import", "Regions from Regions.csv", "--timeout", bad)
        assert refused.exit_code == 2, refused
        assert "--timeout" in refused.stderr


# ---- import --upload / --file ----------------------------------------------------------------


def test_file_without_upload_is_a_usage_error(cli, emu) -> None:
    before = len(emu.requests())
    run = cli("import", SALES_IMPORT, "--file", "Sales.csv")
    assert run.exit_code == 2, run
    assert "--file only applies together with --upload" in run.stderr
    assert len(emu.requests()) == before


def test_upload_to_a_file_the_import_does_not_read_is_refused(cli, emu, tmp_path: Path) -> None:
    data = tmp_path / "sales.csv"
    data.write_text("Product,Region,Units,Price,Comment\n")
    run = cli("import", SALES_IMPORT, "--upload", str(data), "--file", "Regions.csv")
    assert run.exit_code == 2, run
    error = run.json()["error"]
    assert error["message"].startswith("File 'Regions.csv' is not the source of import")
    assert "'Sales.csv' (113000000003)" in error["message"]
    assert run.stderr.count("Error:") == 1
    writes = [r for r in emu.requests() if r["method"] in ("PUT", "POST")]
    assert not [r for r in writes if "/files/" in r["path"] or "/tasks" in r["path"]]

    # Naming the import's own source explicitly is fine: the data goes up, the import runs.
    named = cli("import", SALES_IMPORT, "--upload", str(data), "--file", "Sales.csv")
    assert named.json()["task_id"], named
    puts = [r for r in emu.requests() if r["method"] == "PUT"]
    assert any("/files/113000000003" in r["path"] for r in puts)
