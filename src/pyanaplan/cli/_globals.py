"""The global options: declared once on the root command and accepted after any command too.

`pyanaplan -o json files` and `pyanaplan files -o json` mean the same (gh, aws and
huggingface-cli all take their global flags anywhere). The options are declared once, on the root
callback below; `inherit_global_options` gives every subcommand a hidden copy of each, whose
callback records the value on the run's `GlobalOptions`. The root callback runs before click parses
the subcommand, so anything that depends on the options (output format, the password prompt,
logging) waits for `CliState.start()`, called by `get_state` once every option is known.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Annotated, Any

import typer

from pyanaplan.cli._context import CliState
from pyanaplan.cli._options import DEFAULT_RETRY_DEADLINE_S, GlobalOptions
from pyanaplan.cli._output import FORMATS

#: Root parameters that are not settings and stay on the root only.
_ROOT_ONLY = frozenset({"version", "install_completion", "show_completion", "help"})

INHERITED_EPILOG = "Global options (see `pyanaplan --help`) may also follow the command."


def _validate_output(value: str | None) -> str | None:
    if value is not None and value not in FORMATS:
        raise typer.BadParameter(f"{value!r} is not a format; use table, json or csv.")
    return value


def _show_version(value: bool) -> None:
    if value:
        from pyanaplan import __version__

        typer.echo(f"pyanaplan {__version__}")
        raise typer.Exit(0)


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
            help="Prompt for the password on the terminal (otherwise ANAPLAN_PASSWORD is used; "
            "never stored).",
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
            help="Private key (PEM/DER) [ANAPLAN_KEY]; its passphrase, or the .p12 password, "
            "comes from ANAPLAN_KEY_PASSWORD.",
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
        float,
        typer.Option(
            "--retry-deadline",
            metavar="SECONDS",
            help="Stop retrying a failing request after this many seconds.",
            min=0,
        ),
    ] = DEFAULT_RETRY_DEADLINE_S,
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
        bool,
        typer.Option(
            "-v", "--verbose", help="Debug logging, each retry, and tracebacks on stderr."
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Show the version and exit.", is_eager=True, callback=_show_version
        ),
    ] = False,
) -> None:
    """Anaplan integrations from the command line. Example: pyanaplan -w "Demo Workspace" models

    Global options may come before or after the command.
    """
    ctx.obj = CliState(options=GlobalOptions.from_params(ctx.params))


def inherit_global_options(group: Any) -> None:
    """Give every subcommand (at any depth) a hidden copy of the root's global options.

    Args:
        group: The root click group typer built (typer bundles its own click, hence `Any`).

    A copy whose option strings clash with the command's own options is left out, so a command
    may still define, say, its own `-o`.
    """
    shared = [p for p in group.params if p.name not in _ROOT_ONLY]

    def walk(command: Any) -> None:
        for sub in getattr(command, "commands", {}).values():
            taken = {opt for param in sub.params for opt in getattr(param, "opts", [])}
            added = False
            for param in shared:
                if taken.isdisjoint(getattr(param, "opts", [])):
                    sub.params.append(_inherited(param))
                    added = True
            if added and INHERITED_EPILOG not in (sub.epilog or ""):
                sub.epilog = (
                    f"{sub.epilog}\n\n{INHERITED_EPILOG}" if sub.epilog else INHERITED_EPILOG
                )
            walk(sub)

    walk(group)


def _inherited(param: Any) -> Any:
    clone = copy.copy(param)
    clone.expose_value = False
    clone.hidden = True
    clone.callback = _recorder(param.callback)
    return clone


def _recorder(original: Callable[..., Any] | None) -> Callable[..., Any]:
    def record(ctx: typer.Context, param: Any, value: Any) -> Any:
        if original is not None:
            value = original(ctx, param, value)
        # Only what was typed after the command overrides what came before it. (typer bundles
        # its own click, so the ParameterSource enum is compared by name.)
        source = ctx.get_parameter_source(param.name) if param.name else None
        if getattr(source, "name", None) == "COMMANDLINE":
            state = ctx.find_root().obj
            if isinstance(state, CliState):
                state.options.set(param.name, value)
        return value

    return record


__all__ = ["INHERITED_EPILOG", "inherit_global_options", "root"]
