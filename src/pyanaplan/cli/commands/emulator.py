"""`pyanaplan emulator serve`: a local Anaplan for offline development and tests."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

emulator_app = typer.Typer(
    name="emulator",
    help="Run the local Anaplan emulator.\n\n\b\nExample:\n  pyanaplan emulator serve --in-memory",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@emulator_app.command("serve")
def serve(
    host: Annotated[
        str, typer.Option("--host", metavar="HOST", help="Interface to bind (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            "--port",
            metavar="PORT",
            help="Port to listen on (0: any free port).",
            min=0,
            max=65535,
        ),
    ] = 8650,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            metavar="DIR",
            help="Keep state here across restarts (default: the user data dir).",
            file_okay=False,
        ),
    ] = None,
    in_memory: Annotated[
        bool,
        typer.Option("--in-memory", help="Keep state in a temporary directory, removed on exit."),
    ] = False,
    spec: Annotated[
        Path | None,
        typer.Option(
            "--spec",
            metavar="FILE",
            help="Model spec YAML (default: the demo spec).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    token_ttl: Annotated[
        int,
        typer.Option(
            "--token-ttl", metavar="SECONDS", help="Auth token lifetime in seconds.", min=1
        ),
    ] = 2100,
    tls: Annotated[
        bool, typer.Option("--tls", help="Serve HTTPS with a local CA (printed).")
    ] = False,
    env_file: Annotated[
        Path | None,
        typer.Option(
            "--env-file",
            metavar="FILE",
            help="Also write the export lines to this file.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Serve the emulator until Ctrl-C.

    \b
    Example:
      pyanaplan emulator serve --port 8650 --in-memory
    """
    if data_dir is not None and in_memory:
        raise typer.BadParameter("use either --data-dir or --in-memory, not both.")
    from pyanaplan.emulator.server import serve as serve_emulator
    from pyanaplan.emulator.spec import EmulatorSpecError

    def show(line: str) -> None:
        # URLs, users and export lines are the result (stdout, flushed so a reader sees them at
        # once); the public-interface warning goes to stderr like every warning.
        stream = sys.stderr if line.startswith("Warning:") else sys.stdout
        print(line, file=stream, flush=True)

    _stop_on_signals()
    try:
        code = serve_emulator(
            host=host,
            port=port,
            data_dir=data_dir,
            in_memory=in_memory,
            spec=spec,
            token_ttl_s=token_ttl,
            tls=tls,
            env_file=env_file,
            print_fn=show,
        )
    except OSError as exc:
        from pyanaplan.errors import ConfigError

        # Almost always a busy port or an address this machine does not have.
        raise ConfigError(
            f"Cannot serve on {host}:{port}: {exc.strerror or exc}.",
            hint="Pick another --port (0 picks a free one) or stop the server using it.",
        ) from exc
    except EmulatorSpecError as exc:
        from pyanaplan.errors import ConfigError

        # The spec error lists every problem, one per line; show them all as the hint.
        first, _, rest = str(exc).partition("\n")
        raise ConfigError(first, hint=rest.strip() or "Fix the spec and try again.") from exc
    raise typer.Exit(code)


def _stop_on_signals() -> None:
    """Stop cleanly (temporary data removed) on Ctrl-C and on SIGTERM.

    A shell starts background jobs (`serve … &`) with SIGINT ignored, and `kill` sends SIGTERM;
    both end up as KeyboardInterrupt, which `serve` turns into an orderly shutdown.
    """
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupt)


def register(app: typer.Typer) -> None:
    """Add the emulator group to the root app."""
    app.add_typer(emulator_app, name="emulator")
