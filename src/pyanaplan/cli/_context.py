"""Per-invocation CLI state: the global options, the Output, and one lazily built Client."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import typer

from pyanaplan.cli._options import GlobalOptions
from pyanaplan.cli._output import Output

if TYPE_CHECKING:
    from pyanaplan import Client


@dataclass
class CliState:
    """What every command gets from the root callback through `ctx.obj`."""

    options: GlobalOptions
    output: Output
    restore_logging: Callable[[], None] | None = field(default=None, repr=False)
    _client: Any = field(default=None, repr=False)

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
    """The CliState the root callback stored (a fresh default one when invoked on its own)."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState(options=GlobalOptions(), output=Output())
    return root.obj


def _retry_policy(deadline_s: float) -> Any:
    from pyanaplan.http._retry import RetryPolicy

    return RetryPolicy(deadline_s=deadline_s)
