"""Files in a model: `files`, `chunks`, `upload`, `download`, `delete`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pyanaplan.cli._context import get_state
from pyanaplan.cli._options import (
    DEFAULT_CHUNK_SIZE_TEXT,
    ChunkSizeOpt,
    ConcurrencyOpt,
    FileNameOpt,
    TargetOpt,
    parse_local_source,
)
from pyanaplan.cli._targets import is_dash, save_path, stdin_bytes, stdout_bytes
from pyanaplan.transfer.plan import DEFAULT_CONCURRENCY

FILE_COLUMNS = [
    ("ID", "id"),
    ("Name", "name"),
    ("Chunks", "chunk_count"),
    ("Separator", "separator"),
    ("Encoding", "encoding"),
    ("First data row", "first_data_row"),
]
CHUNK_COLUMNS = [("ID", "id"), ("Name", "name")]

FileArg = Annotated[str, typer.Argument(metavar="FILE", help="File name or ID.")]


def files(ctx: typer.Context) -> None:
    """List the model's files.

    \b
    Example:
      pyanaplan -w "Demo Workspace" -m "Sales Planning" files
    """
    state = get_state(ctx)
    state.output.records(state.client().files(), FILE_COLUMNS, kind="file", title="Files")


def chunks(ctx: typer.Context, file: FileArg) -> None:
    """List a file's chunks.

    \b
    Example:
      pyanaplan chunks Sales.csv
    """
    state = get_state(ctx)
    rows = state.client().chunks(file)
    state.output.records(rows, CHUNK_COLUMNS, kind="chunk", title=f"Chunks of {file}")


def upload(
    ctx: typer.Context,
    local: Annotated[
        Path | None,
        typer.Argument(
            metavar="LOCAL",
            help="Local file to upload, or - to read standard input (then --file is needed). "
            "Leave out with --parquet or --from-query.",
            parser=parse_local_source,
        ),
    ] = None,
    file: FileNameOpt = None,
    parquet: Annotated[
        Path | None,
        typer.Option(
            "--parquet",
            metavar="PARQUET",
            help="Upload this Parquet file as the file's CSV, in the file's own layout "
            "(separator, encoding, header), columns checked against its import.",
            parser=parse_local_source,
        ),
    ] = None,
    from_query: Annotated[
        str | None,
        typer.Option(
            "--from-query",
            metavar="SQL",
            help="Upload the result of this DuckDB query as the file's CSV (as --parquet).",
        ),
    ] = None,
    duckdb: Annotated[
        Path | None,
        typer.Option(
            "--duckdb",
            metavar="DB",
            help="The DuckDB database --from-query runs in, read-only (default: in memory, "
            "where the query can still read files, e.g. read_csv('x.csv')).",
        ),
    ] = None,
    chunk_size: ChunkSizeOpt = DEFAULT_CHUNK_SIZE_TEXT,  # type: ignore[assignment]
    concurrency: ConcurrencyOpt = DEFAULT_CONCURRENCY,
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
    """Upload a file in chunks; an interrupted upload resumes. Or upload a table (Parquet, a
    DuckDB query) as the file's CSV, without a temporary file.

    \b
    Examples:
      pyanaplan upload sales.csv --file Sales.csv
      pyanaplan upload --parquet sales.parquet --file Sales.csv
      pyanaplan upload --from-query "SELECT * FROM sales" --duckdb wh.duckdb --file Sales.csv
    """
    sources = [s for s in (local, parquet, from_query) if s is not None]
    if len(sources) != 1:
        raise typer.BadParameter(
            "give one source: LOCAL, --parquet FILE or --from-query SQL.", param_hint="LOCAL"
        )
    if duckdb is not None and from_query is None:
        raise typer.BadParameter("--duckdb only applies with --from-query.", param_hint="--duckdb")
    if local is None:
        _upload_table(ctx, parquet, from_query, duckdb, file, chunk_size, concurrency, no_compress)
        return
    from_stdin = is_dash(local)
    if from_stdin and not file:
        raise typer.BadParameter("reading standard input needs --file NAME.", param_hint="'-'")
    state = get_state(ctx)
    label = "standard input" if from_stdin else local.name
    with state.output.transfer_progress(f"Uploading {label}") as on_progress:
        result = state.client().upload(
            stdin_bytes() if from_stdin else local,
            file=file or local.name,
            chunk_size=chunk_size,
            concurrency=concurrency,
            compress=not no_compress,
            resume=not restart,
            create=create,
            on_progress=on_progress,
        )
    state.output.record(result, kind="upload", title="Upload")


def _upload_table(
    ctx: typer.Context,
    parquet: Path | None,
    query: str | None,
    database: Path | None,
    file: str | None,
    chunk_size: int,
    concurrency: int,
    no_compress: bool,
) -> None:
    from pyanaplan.transfer.table_files import query_duckdb, read_parquet

    if not file:
        raise typer.BadParameter("a table upload needs --file NAME.", param_hint="--file")
    state = get_state(ctx)
    table = read_parquet(parquet) if parquet is not None else query_duckdb(database, query or "")
    label = parquet.name if parquet is not None else "the query result"
    with state.output.transfer_progress(f"Uploading {label}") as on_progress:
        result = state.client().upload_table(
            table,
            file=file,
            chunk_size=chunk_size,
            concurrency=concurrency,
            compress=not no_compress,
            on_progress=on_progress,
        )
    state.output.record(result, kind="upload", title="Upload")


def download(
    ctx: typer.Context,
    file: Annotated[
        str,
        typer.Argument(metavar="FILE", help="File name or ID (an export's output file too)."),
    ],
    target: TargetOpt = None,
) -> None:
    """Download a file (resumable).

    \b
    Example:
      pyanaplan download "Sales Report.csv" -O report.csv
    """
    state = get_state(ctx)
    client = state.client()
    found = client.resolve("file", file)
    if is_dash(target):
        state.output.stdout_is_data = True
        with state.output.transfer_progress(f"Downloading {found.name}") as on_progress:
            result = client.download(found.id, stdout_bytes(), on_progress=on_progress)
        state.output.status(f"Wrote {found.name} ({result.size} bytes) to standard output.")
        return
    path = save_path(target, found.name)
    with state.output.transfer_progress(f"Downloading {found.name}") as on_progress:
        result = client.download(found.id, path, on_progress=on_progress)
    record = {"file_id": found.id, "file_name": found.name, **vars(result)}
    state.output.record(record, kind="download", title="Download")


def delete(ctx: typer.Context, file: FileArg) -> None:
    """Delete your uploaded content of a file (the file itself stays).

    \b
    Example:
      pyanaplan delete Sales.csv
    """
    state = get_state(ctx)
    client = state.client()
    found = client.resolve("file", file)
    deleted = client.delete_file(found.id)
    if deleted:
        # Anaplan lists a file's default content like your own, so this cannot say which it was.
        state.output.status(
            f"Deleted your uploaded content of {found.name}; its default content, if it has "
            "one, stays."
        )
    else:
        state.output.status(f"{found.name} holds no content of yours; there was nothing to delete.")
    state.output.record(
        {"file_id": found.id, "file_name": found.name, "deleted": deleted}, kind="delete"
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("files")(files)
    app.command("chunks")(chunks)
    app.command("upload")(upload)
    app.command("download")(download)
    app.command("delete")(delete)
