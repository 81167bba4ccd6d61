"""Per-invocation CLI state: the global options, the Output, and one lazily built Client."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import typer

from pyanaplan.cli._options import GlobalOptions
from pyanaplan.cli._output import Output, install_log_handler

if TYPE_CHECKING:
    from pyanaplan import Client


@dataclass
class CliState:
    """What every command gets from the root callback through `ctx.obj`.

    The options may still change while click parses the subcommand (global options are accepted
    after the command too), so the Output is built on first use and `start()` acts on the options
    once the command runs.
    """

    options: GlobalOptions
    restore_logging: Callable[[], None] | None = field(default=None, repr=False)
    _output: Output | None = field(default=None, repr=False)
    _started: bool = field(default=False, repr=False)
    _client: Any = field(default=None, repr=False)

    @property
    def output(self) -> Output:
        """Where results, status lines and errors go (format, --quiet and -v as given)."""
        if self._output is None:
            opts = self.options
            self._output = Output(opts.output, quiet=opts.quiet, verbose=opts.verbose)
        return self._output

    def start(self) -> None:
        """Act on the global options once: prompt for the password, warn, hook up logging.

        Raises:
            ConfigError: --ask-password without a terminal to type the password in (exit 2).
        """
        if self._started:
            return
        self._started = True
        self.restore_logging = install_log_handler(self.output)
        if self.options.insecure:
            self.output.warn(
                "TLS certificate verification is off (--insecure); use --ca-bundle instead."
            )
        if self.options.ask_password and self.options.password is None:
            self.options.password = _prompt_password()

    def client(self) -> Client:
        """The Client for this invocation, built on first use and closed when the CLI exits."""
        if self._client is None:
            from pyanaplan import Client

            kwargs: dict[str, Any] = dict(self.options.client_kwargs())
            if self.options.retry_deadline_s is not None:
                kwargs["retry"] = _retry_policy(self.options.retry_deadline_s)
            self._client = Client(**kwargs, on_device_code=self.show_device_code)
        return self._client

    def show_device_code(self, code: Any) -> None:
        """Show the OAuth device-login URL and code on stderr (a person acts on them)."""
        url = getattr(code, "verification_uri_complete", None) or code.verification_uri
        self.output.err.print(
            f"To sign in, open {url} and enter the code {code.user_code}",
            soft_wrap=True,
            markup=False,
            highlight=False,
        )

    def close(self) -> None:
        """Log out and close the HTTP session, if a client was built; unhook logging."""
        try:
            if self._client is not None:
                client, self._client = self._client, None
                client.close()
        finally:
            if self.restore_logging is not None:
                restore, self.restore_logging = self.restore_logging, None
                restore()


def get_state(ctx: typer.Context) -> CliState:
    """The started CliState of this run (a default one when a command is invoked on its own)."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState(options=GlobalOptions())
    root.obj.start()
    return root.obj


def _prompt_password() -> str:
    from pyanaplan.errors import ConfigError

    if not _terminal_available():
        raise ConfigError(
            "--ask-password needs a terminal to type the password in, and there is none.",
            hint="Set ANAPLAN_PASSWORD in the environment instead (it is never stored).",
        )
    return str(typer.prompt("Anaplan password", hide_input=True, err=True))


def _terminal_available() -> bool:
    # getpass reads from the controlling terminal (/dev/tty) when there is one, else from stdin.
    isatty = getattr(sys.stdin, "isatty", None)
    if callable(isatty) and isatty():
        return True
    try:
        fd = os.open("/dev/tty", os.O_RDWR | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return False
    os.close(fd)
    return True


def _retry_policy(deadline_s: float) -> Any:
    from pyanaplan.http._retry import RetryPolicy

    return RetryPolicy(deadline_s=deadline_s)
