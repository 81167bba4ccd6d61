"""Run definitions and wait for them: `import`, `export`, `action`, `process`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pyanaplan.cli._context import get_state
from pyanaplan.cli._options import (
    AcceptPartialOpt,
    DumpDirOpt,
    FailOnIgnoredOpt,
    MappingOpt,
    NoWaitOpt,
    TargetOpt,
    TimeoutOpt,
    parse_mapping,
)
from pyanaplan.cli._render import render_task_result, rendered_on_failure, warn_about_outcome

NameArg = Annotated[str, typer.Argument(help="Name or ID.")]


def _dump_dir(value: Path | None) -> Path:
    return value if value is not None else Path.cwd()


def import_(
    ctx: typer.Context,
    name: NameArg,
    upload: Annotated[
        Path | None,
        typer.Option(
            "--upload",
            metavar="LOCAL",
            help="Upload this local file to the import's source file first.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    file: Annotated[
        str | None,
        typer.Option(
            "--file",
            metavar="NAME",
            help="With --upload: the Anaplan file to upload to (default: the import's source).",
        ),
    ] = None,
    mapping: MappingOpt = None,
    dump_dir: DumpDirOpt = None,
    no_wait: NoWaitOpt = False,
    timeout: TimeoutOpt = None,
    accept_partial: AcceptPartialOpt = False,
    fail_on_ignored: FailOnIgnoredOpt = False,
) -> None:
    """Run an import (optionally uploading its data first).

    Rejected rows exit 1 with their failure dump saved, whatever Anaplan's `successful` says;
    --accept-partial accepts them with a warning.

    \b
    Example:
      pyanaplan import "Sales from Sales.csv" --upload sales.csv
    """
    mappings = parse_mapping(mapping)
    state = get_state(ctx)
    client = state.client()
    if upload is not None:
        # The import's own data source is the natural target (§4.6.2 importDataSourceId).
        target = file or client.resolve("import", name).import_data_source_id
        with state.output.transfer_progress(f"Uploading {upload.name}") as on_progress:
            client.upload(upload, file=target, on_progress=on_progress)
    with rendered_on_failure(state.output), state.output.task_progress(f"Import {name}") as on_task:
        result = client.run_import(
            name,
            mapping=mappings,
            wait=not no_wait,
            timeout_s=timeout,
            dump_dir=_dump_dir(dump_dir),
            accept_partial=accept_partial,
            fail_on_ignored=fail_on_ignored,
            on_task_progress=on_task,
        )
    render_task_result(state.output, result, title="Import")
    warn_about_outcome(state.output, result)


def export(ctx: typer.Context, name: NameArg, target: TargetOpt = None) -> None:
    """Run an export and download its output.

    \b
    Example:
      pyanaplan export "Sales Report.csv" -O report.csv
    """
    state = get_state(ctx)
    client = state.client()
    path = target if target is not None else Path(client.resolve("export", name).name)
    with rendered_on_failure(state.output), state.output.task_progress(f"Export {name}") as on_task:
        result = client.run_export(name, download_to=path, on_task_progress=on_task)
    render_task_result(state.output, result, title="Export")


def action(ctx: typer.Context, name: NameArg, timeout: TimeoutOpt = None) -> None:
    """Run an action, such as a delete by selection.

    \b
    Example:
      pyanaplan action "Delete Discontinued Products"
    """
    state = get_state(ctx)
    with rendered_on_failure(state.output), state.output.task_progress(f"Action {name}") as on_task:
        result = state.client().run_action(name, timeout_s=timeout, on_task_progress=on_task)
    render_task_result(state.output, result, title="Action")


def process(
    ctx: typer.Context,
    name: NameArg,
    mapping: MappingOpt = None,
    dump_dir: DumpDirOpt = None,
    no_wait: NoWaitOpt = False,
    timeout: TimeoutOpt = None,
    accept_partial: AcceptPartialOpt = False,
    fail_on_ignored: FailOnIgnoredOpt = False,
) -> None:
    """Run a process; failure dumps of its imports are saved.

    An import in it that rejected rows exits 1 unless --accept-partial.

    \b
    Example:
      pyanaplan process "Load Sales and Export"
    """
    mappings = parse_mapping(mapping)
    state = get_state(ctx)
    with (
        rendered_on_failure(state.output),
        state.output.task_progress(f"Process {name}") as on_task,
    ):
        result = state.client().run_process(
            name,
            mapping=mappings,
            wait=not no_wait,
            timeout_s=timeout,
            dump_dir=_dump_dir(dump_dir),
            accept_partial=accept_partial,
            fail_on_ignored=fail_on_ignored,
            on_task_progress=on_task,
        )
    render_task_result(state.output, result, title="Process")
    warn_about_outcome(state.output, result)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("import")(import_)
    app.command("export")(export)
    app.command("action")(action)
    app.command("process")(process)
