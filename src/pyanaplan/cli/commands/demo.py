"""`pyanaplan demo`: the whole flow against the embedded emulator (see cli/demo.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pyanaplan.cli._context import get_state
from pyanaplan.cli._options import parse_size


def demo(
    ctx: typer.Context,
    size: Annotated[
        str,
        typer.Option(
            "--size", metavar="SIZE", help="Size of the generated sales CSV, e.g. 50MB or 2MiB."
        ),
    ] = "50MB",
    output_dir: Annotated[
        Path,
        typer.Option(
            "--output-dir", metavar="DIR", help="Where the demo writes its files.", file_okay=False
        ),
    ] = Path("demo-output"),
    chunk_size: Annotated[
        str | None,
        typer.Option("--chunk-size", metavar="SIZE", help="Upload chunk size, e.g. 10MB."),
    ] = None,
) -> None:
    """Run every job of the article against a local emulator, checked step by step.

    \b
    Example:
      pyanaplan demo --size 5MB
    """
    from pyanaplan.cli._errors import EXIT_TASK_FAILED
    from pyanaplan.cli.demo import DemoOptions, run_demo

    options = DemoOptions(
        output_dir=output_dir,
        size_bytes=parse_size(size),
        chunk_size=parse_size(chunk_size) if chunk_size else None,
    )
    if not run_demo(get_state(ctx).output, options):
        raise typer.Exit(EXIT_TASK_FAILED)


def register(app: typer.Typer) -> None:
    """Add the demo command to the root app."""
    app.command("demo")(demo)
