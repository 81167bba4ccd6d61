"""The `pyanaplan` command: the root app, its global options, and the command groups.

Errors from the library are turned into one `Error: …` sentence, a hint and a documented exit
code (see `_errors.py` and the README's exit-code table) by `_ErrorMappingGroup`, so the same
mapping applies under typer's test runner and the installed entry point.
"""

from __future__ import annotations

import traceback
from typing import Annotated, Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from pyanaplan.cli._context import CliState, get_state
from pyanaplan.cli._errors import EXIT_INTERRUPTED, EXIT_USAGE, ErrorReport, report_for
from pyanaplan.cli._options import GlobalOptions
from pyanaplan.cli._output import FORMATS, Output, install_log_handler

_USAGE_HINT = "Run the command with --help to see its options."


class _ErrorMappingGroup(TyperGroup):
    """Root group that maps library errors and Ctrl-C to a message and an exit code."""

    def invoke(self, ctx: typer.Context) -> Any:
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
            _close(ctx, quietly=True)
            _report(ctx, exc)
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


def _validate_output(value: str | None) -> str | None:
    if value is not None and value not in FORMATS:
        raise typer.BadParameter(f"{value!r} is not a format; use table, json or csv.")
    return value


@app.callback()
def root(
    ctx: typer.Context,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile", metavar="NAME", help="Profile from config.toml [ANAPLAN_PROFILE]."
        ),
    ] = None,
    workspace: Annotated[
        str | None,
        typer.Option(
            "-w", "--workspace", metavar="WS", help="Workspace name or ID [ANAPLAN_WORKSPACE]."
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("-m", "--model", metavar="MODEL", help="Model name or ID [ANAPLAN_MODEL]."),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option("--user", metavar="EMAIL", help="User email for basic auth [ANAPLAN_USER]."),
    ] = None,
    ask_password: Annotated[
        bool,
        typer.Option(
            "--ask-password",
            help="Prompt for the password (otherwise ANAPLAN_PASSWORD is used; never stored).",
        ),
    ] = False,
    cert: Annotated[
        str | None,
        typer.Option(
            "--cert",
            metavar="FILE",
            help="Certificate (PEM/DER) or .p12/.pfx for certificate auth [ANAPLAN_CERT].",
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            metavar="FILE",
            help="Private key (PEM/DER) [ANAPLAN_KEY]; passphrase: ANAPLAN_KEY_PASSWORD.",
        ),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            "--region", metavar="REGION", help="Region, e.g. EU1, US9, AU1 [ANAPLAN_REGION]."
        ),
    ] = None,
    api_url: Annotated[
        str | None, typer.Option("--api-url", metavar="URL", help="API origin [ANAPLAN_API_URL].")
    ] = None,
    auth_url: Annotated[
        str | None,
        typer.Option("--auth-url", metavar="URL", help="Auth service origin [ANAPLAN_AUTH_URL]."),
    ] = None,
    oauth_url: Annotated[
        str | None,
        typer.Option("--oauth-url", metavar="URL", help="OAuth origin [ANAPLAN_OAUTH_URL]."),
    ] = None,
    ca_bundle: Annotated[
        str | None,
        typer.Option(
            "--ca-bundle", metavar="FILE", help="CA bundle to verify TLS with [ANAPLAN_CA_BUNDLE]."
        ),
    ] = None,
    proxy: Annotated[
        str | None,
        typer.Option(
            "--proxy", metavar="URL", help="Proxy URL (HTTPS_PROXY/HTTP_PROXY are honoured too)."
        ),
    ] = None,
    insecure: Annotated[
        bool, typer.Option("--insecure", help="Do not verify TLS certificates (unsafe).")
    ] = False,
    retry_deadline: Annotated[
        float | None,
        typer.Option(
            "--retry-deadline",
            metavar="SECONDS",
            help="Stop retrying a failing request after this many seconds.",
            min=0,
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FORMAT",
            help="table, json or csv (default: table on a terminal, json otherwise).",
            callback=_validate_output,
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("-q", "--quiet", help="No progress bars or status lines.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="Debug logging and tracebacks on stderr.")
    ] = False,
) -> None:
    """Anaplan integrations from the command line. Example: pyanaplan -w "Demo Workspace" models"""
    out = Output(output, quiet=quiet, verbose=verbose)
    password = None
    if ask_password:
        password = typer.prompt("Anaplan password", hide_input=True, err=True)
    options = GlobalOptions(
        profile=profile,
        workspace=workspace,
        model=model,
        user=user,
        password=password,
        certificate=cert,
        private_key=key,
        region=region,
        api_url=api_url,
        auth_url=auth_url,
        oauth_url=oauth_url,
        ca_bundle=ca_bundle,
        proxy=proxy,
        insecure=insecure,
        retry_deadline_s=retry_deadline,
        output=output,
        quiet=quiet,
        verbose=verbose,
    )
    state = CliState(options=options, output=out)
    ctx.obj = state
    if insecure:
        out.warn("TLS certificate verification is off (--insecure); use --ca-bundle instead.")
    state.restore_logging = install_log_handler(out)


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
    app()


__all__ = ["app", "get_state", "main"]
