"""`pyanaplan demo`: the whole flow against the embedded emulator (see cli/demo.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pyanaplan.cli._context import get_state
from pyanaplan.cli._options import DEFAULT_CHUNK_SIZE_TEXT, ChunkSizeOpt, parse_size


def demo(
    ctx: typer.Context,
    size: Annotated[
        int,
        typer.Option(
            "--size",
            metavar="SIZE",
            help="Size of the generated sales CSV, e.g. 50MB or 2MiB.",
            parser=parse_size,
        ),
    ] = "50MB",  # type: ignore[assignment]
    output_dir: Annotated[
        Path,
        typer.Option(
            "--output-dir", metavar="DIR", help="Where the demo writes its files.", file_okay=False
        ),
    ] = Path("demo-output"),
    chunk_size: ChunkSizeOpt = DEFAULT_CHUNK_SIZE_TEXT,  # type: ignore[assignment]
) -> None:
    """Run every job of the article against a local emulator, checked step by step.

    \b
    Example:
      pyanaplan demo --size 5MB
    """
    from pyanaplan.cli.demo import DemoOptions, run_demo

    options = DemoOptions(output_dir=output_dir, size_bytes=size, chunk_size=chunk_size)
    code = run_demo(get_state(ctx).output, options)
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add the demo command to the root app."""
    app.command("demo")(demo)
