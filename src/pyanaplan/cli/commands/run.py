"""Run definitions and wait for them: `import`, `export`, `action`, `process`.

All four take the same run options (`--dump-dir`, `--no-wait`, `--timeout`); imports and
processes also take `--mapping` (the API accepts mapping parameters for those two only) and
`--accept-partial` / `--fail-on-ignored` (only loads can reject or ignore rows).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from pyanaplan.cli._context import CliState, get_state
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
from pyanaplan.cli._targets import is_dash, save_path, stdout_bytes
from pyanaplan.errors import ConfigError

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="Name or ID.")]


def _dump_dir(value: Path | None) -> Path:
    return value if value is not None else Path.cwd()


def _run(state: CliState, kind: str, name: str, start: Any) -> None:
    """Run one task with a progress bar and show its result (or its failure, then raise)."""
    with (
        rendered_on_failure(state.output),
        state.output.task_progress(f"{kind.capitalize()} {name}") as on_task,
    ):
        result = start(on_task)
    render_task_result(state.output, result, title=kind.capitalize())
    warn_about_outcome(state.output, result)


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
            help="With --upload: the import's source file, named to be explicit; any other "
            "file is refused (the import would not read it).",
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
    if file is not None and upload is None:
        raise typer.BadParameter("--file only applies together with --upload.", param_hint="--file")
    mappings = parse_mapping(mapping)
    state = get_state(ctx)
    client = state.client()
    if upload is not None:
        source = client.import_source(name)
        if file is not None and client.resolve("file", file).id != source.id:
            raise ConfigError(
                f"File {file!r} is not the source of import {name!r}, which reads "
                f"'{source.name}' ({source.id}); the import would not read the upload.",
                hint="Leave out --file: --upload sends the data to the import's own source file.",
            )
        with state.output.transfer_progress(f"Uploading {upload.name}") as on_progress:
            client.upload(upload, file=source.id, on_progress=on_progress)
    _run(
        state,
        "import",
        name,
        lambda on_task: client.run_import(
            name,
            mapping=mappings,
            wait=not no_wait,
            timeout_s=timeout,
            dump_dir=_dump_dir(dump_dir),
            accept_partial=accept_partial,
            fail_on_ignored=fail_on_ignored,
            on_task_progress=on_task,
        ),
    )


def export(
    ctx: typer.Context,
    name: NameArg,
    target: TargetOpt = None,
    dump_dir: DumpDirOpt = None,
    no_wait: NoWaitOpt = False,
    timeout: TimeoutOpt = None,
) -> None:
    """Run an export and download its output.

    The output is saved as the export wrote it, or converted when -O names a table file:
    .parquet, .arrow/.feather/.ipc or .jsonl/.ndjson (typed from the export's columns).

    \b
    Examples:
      pyanaplan export "Sales Report.csv" -O report.csv
      pyanaplan export "Sales Report.csv" -O report.parquet
    """
    state = get_state(ctx)
    client = state.client()
    destination: Any
    if is_dash(target) and not no_wait:
        state.output.stdout_is_data = True
        destination = stdout_bytes()
    else:
        # The export's name comes from the server: `save_path` reduces it to one safe file
        # name (an export named `../../x.csv` or `/abs/x.csv` never leaves the directory).
        destination = save_path(target, client.resolve("export", name).name)
    found = client.resolve("export", name)
    table_format = None
    if isinstance(destination, Path) and not no_wait:
        table_format = _table_format(destination, found.name)
    _run(
        state,
        "export",
        name,
        lambda on_task: client.run_export(
            name,
            download_to=None if no_wait or table_format else destination,
            wait=not no_wait,
            timeout_s=timeout,
            dump_dir=_dump_dir(dump_dir),
            on_task_progress=on_task,
        ),
    )
    if table_format is not None:
        from pyanaplan.transfer.table_files import write_table_file

        with state.output.transfer_progress(f"Converting to {destination.name}") as on_progress:
            batches = client.download(found.id, as_table="batches", on_progress=on_progress)
            rows = write_table_file(batches, destination, table_format)
        state.output.status(f"Wrote {rows} rows of export {found.name} to {destination}.")
    if is_dash(target) and not no_wait:
        state.output.status(f"Wrote the output of export {name} to standard output.")


def _table_format(path: Path, export_name: str) -> str | None:
    """The table format -O asks for, None to save the export's own bytes; refuses extensions
    that are neither a table format nor a text file nor the export's own."""
    from pyanaplan.transfer.table_files import TABLE_FORMATS, table_format

    found = table_format(path)
    if found is not None:
        return found
    suffix = path.suffix.lower()
    if suffix in ("", ".csv", ".txt", ".tsv") or suffix == Path(export_name).suffix.lower():
        return None
    raise ConfigError(
        f"Cannot write {path.name}: the extension {path.suffix} is not one pyanaplan writes.",
        hint="Name the file .csv (the export's own bytes), "
        + ", ".join(sorted(TABLE_FORMATS))
        + ".",
    )


def action(
    ctx: typer.Context,
    name: NameArg,
    dump_dir: DumpDirOpt = None,
    no_wait: NoWaitOpt = False,
    timeout: TimeoutOpt = None,
) -> None:
    """Run an action, such as a delete by selection.

    \b
    Example:
      pyanaplan action "Delete Discontinued Products"
    """
    state = get_state(ctx)
    client = state.client()
    _run(
        state,
        "action",
        name,
        lambda on_task: client.run_action(
            name,
            wait=not no_wait,
            timeout_s=timeout,
            dump_dir=_dump_dir(dump_dir),
            on_task_progress=on_task,
        ),
    )


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
    client = state.client()
    _run(
        state,
        "process",
        name,
        lambda on_task: client.run_process(
            name,
            mapping=mappings,
            wait=not no_wait,
            timeout_s=timeout,
            dump_dir=_dump_dir(dump_dir),
            accept_partial=accept_partial,
            fail_on_ignored=fail_on_ignored,
            on_task_progress=on_task,
        ),
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("import")(import_)
    app.command("export")(export)
    app.command("action")(action)
    app.command("process")(process)
