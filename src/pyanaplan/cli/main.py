"""The `pyanaplan` command: the root app, its global options, and the command groups.

Errors from the library are turned into one `Error: …` sentence, a hint and a documented exit
code (see `_errors.py` and the exit-code table of docs/cli.md) by `_ErrorMappingGroup`, so the same
mapping applies under typer's test runner and the installed entry point.
"""

from __future__ import annotations

import signal
import threading
import traceback
from types import FrameType
from typing import Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from pyanaplan.cli._context import CliState, get_state
from pyanaplan.cli._errors import EXIT_INTERRUPTED, EXIT_USAGE, ErrorReport, report_for
from pyanaplan.cli._globals import inherit_global_options, root
from pyanaplan.cli._output import Output

_USAGE_HINT = "Run the command with --help to see its options."


class _InterruptGuard:
    """SIGINT while a command runs: the first two raise KeyboardInterrupt, later ones are ignored.

    The first Ctrl-C stops the command (and cancels its server task); a second one stops waiting
    for the cancel to be confirmed (the library reports that). Anything after that would only
    cut our own reporting short, or kill the process by signal instead of exit code 130, so it
    is ignored. Installed only in the main thread (signal handlers cannot be set elsewhere).
    """

    #: Keep ignoring SIGINT after the command (the console script is about to exit; a Ctrl-C
    #: during interpreter shutdown would otherwise end the process by signal).
    keep_after_exit = False

    def __init__(self) -> None:
        self.count = 0
        self.reporting = False
        self.previous: Any = None
        self.installed = threading.current_thread() is threading.main_thread()
        if self.installed:
            self.previous = signal.signal(signal.SIGINT, self._handle)

    def _handle(self, _signum: int, _frame: FrameType | None) -> None:
        self.count += 1
        if self.count <= 2 and not self.reporting:
            raise KeyboardInterrupt

    def restore(self) -> None:
        if not self.installed:
            return
        if self.count and self.keep_after_exit:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        else:
            # None: the previous handler was not set from Python; the default is what it was.
            signal.signal(signal.SIGINT, self.previous or signal.SIG_DFL)


class _ErrorMappingGroup(TyperGroup):
    """Root group that maps library errors and Ctrl-C to a message and an exit code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # typer builds the subcommands first, so they can all learn the global options here.
        inherit_global_options(self)

    def invoke(self, ctx: typer.Context) -> Any:
        guard = _InterruptGuard()
        try:
            return self._invoke(ctx, guard)
        finally:
            guard.restore()

    def _invoke(self, ctx: typer.Context, guard: _InterruptGuard) -> Any:
        try:
            result = super().invoke(ctx)
            # Log out inside the mapping, so a failing logout is reported like any error.
            _close(ctx, quietly=False)
            return result
        except TyperException as exc:
            # Bad values found inside a command (sizes, mappings, kinds): click prints the usage
            # text on stderr; a script asking for JSON also gets the one error document.
            _close(ctx, quietly=True)
            state = ctx.obj if isinstance(ctx.obj, CliState) else None
            if state is not None and state.output.format == "json":
                state.output.document(
                    ErrorReport("usage", EXIT_USAGE, exc.format_message(), _USAGE_HINT).as_json()
                )
            raise
        except (typer.Exit, typer.Abort):
            _close(ctx, quietly=True)
            raise
        except KeyboardInterrupt as exc:
            guard.reporting = True  # one more Ctrl-C must not cut the warning short
            _report(ctx, exc)
            _close(ctx, quietly=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Exception as exc:
            _close(ctx, quietly=True)
            report = _report(ctx, exc)
            raise typer.Exit(report.exit_code) from None


def _close(ctx: typer.Context, *, quietly: bool) -> None:
    state = ctx.obj if isinstance(ctx.obj, CliState) else None
    if state is None:
        return
    if not quietly:
        state.close()
        return
    try:
        state.close()
    except Exception:
        if state.options.verbose:
            state.output.err.print("(logout failed while handling the error above)")


def _report(ctx: typer.Context, exc: BaseException) -> Any:
    state = ctx.obj if isinstance(ctx.obj, CliState) else None
    output = state.output if state else Output()
    report = report_for(exc)
    if state is not None and state.options.verbose:
        output.err.print("".join(traceback.format_exception(exc)), markup=False, highlight=False)
    output.error(report)
    return report


app = typer.Typer(
    name="pyanaplan",
    cls=_ErrorMappingGroup,
    help="Anaplan integrations from the command line: every bulk job as one command, by name.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)


app.callback()(root)


def _register() -> None:
    # Each module adds its commands; their heavy imports happen inside the command bodies.
    from pyanaplan.cli.commands import (
        auth,
        config,
        definitions,
        demo,
        emulator,
        files,
        run,
        tasks,
        workspaces,
    )

    for module in (workspaces, files, definitions, run, tasks, auth, config, emulator, demo):
        module.register(app)


_register()


def main() -> None:
    """Entry point of the `pyanaplan` console script."""
    _InterruptGuard.keep_after_exit = True
    app()


__all__ = ["app", "get_state", "main"]
