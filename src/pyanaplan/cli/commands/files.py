"""Files in a model: `files`, `chunks`, `upload`, `download`, `delete`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pyanaplan.cli._context import get_state
from pyanaplan.cli._options import FileNameOpt, TargetOpt, parse_size

FILE_COLUMNS = [
    ("ID", "id"),
    ("Name", "name"),
    ("Chunks", "chunk_count"),
    ("Separator", "separator"),
    ("Encoding", "encoding"),
    ("First data row", "first_data_row"),
]
CHUNK_COLUMNS = [("ID", "id"), ("Name", "name")]


def files(ctx: typer.Context) -> None:
    """List the model's files.

    \b
    Example:
      pyanaplan -w "Demo Workspace" -m "Sales Planning" files
    """
    state = get_state(ctx)
    state.output.records(state.client().files(), FILE_COLUMNS, title="Files")


def chunks(
    ctx: typer.Context, file: Annotated[str, typer.Argument(help="File name or ID.")]
) -> None:
    """List a file's chunks.

    \b
    Example:
      pyanaplan chunks Sales.csv
    """
    state = get_state(ctx)
    state.output.records(state.client().chunks(file), CHUNK_COLUMNS, title=f"Chunks of {file}")


def upload(
    ctx: typer.Context,
    local: Annotated[
        Path, typer.Argument(help="Local file to upload.", exists=True, dir_okay=False)
    ],
    file: FileNameOpt = None,
    chunk_size: Annotated[
        str | None,
        typer.Option(
            "--chunk-size", metavar="SIZE", help="Chunk size, e.g. 25MB or 10MiB (1MiB to 50MB)."
        ),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option("--concurrency", metavar="N", help="Chunks sent in parallel.", min=1, max=64),
    ] = None,
    no_compress: Annotated[
        bool, typer.Option("--no-compress", help="Send chunks without gzip.")
    ] = False,
    restart: Annotated[
        bool, typer.Option("--restart", help="Ignore saved resume state and send every chunk.")
    ] = False,
    create: Annotated[
        bool,
        typer.Option("--create", help="Create the file in Anaplan if no file has that name."),
    ] = False,
) -> None:
    """Upload a file in chunks; an interrupted upload resumes.

    \b
    Example:
      pyanaplan upload sales.csv --file Sales.csv
    """
    size = parse_size(chunk_size) if chunk_size is not None else None
    state = get_state(ctx)
    target = file or local.name
    with state.output.transfer_progress(f"Uploading {local.name}") as on_progress:
        result = state.client().upload(
            local,
            file=target,
            chunk_size=size,
            concurrency=concurrency,
            compress=not no_compress,
            resume=not restart,
            create=create,
            on_progress=on_progress,
        )
    state.output.record(result, title="Upload")


def download(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="File name or ID (an export's output file too).")],
    target: TargetOpt = None,
) -> None:
    """Download a file (resumable).

    \b
    Example:
      pyanaplan download "Sales Report.csv" -O report.csv
    """
    state = get_state(ctx)
    client = state.client()
    path = target if target is not None else Path(Path(client.resolve("file", file).name).name)
    with state.output.transfer_progress(f"Downloading {file}") as on_progress:
        result = client.download(file, path, on_progress=on_progress)
    state.output.record(result, title="Download")


def delete(
    ctx: typer.Context, file: Annotated[str, typer.Argument(help="File name or ID.")]
) -> None:
    """Delete your uploaded content of a file.

    \b
    Example:
      pyanaplan delete Sales.csv
    """
    state = get_state(ctx)
    state.client().delete_file(file)
    state.output.status(f"Deleted {file}.")
    state.output.record({"file": file, "deleted": True})


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("files")(files)
    app.command("chunks")(chunks)
    app.command("upload")(upload)
    app.command("download")(download)
    app.command("delete")(delete)
