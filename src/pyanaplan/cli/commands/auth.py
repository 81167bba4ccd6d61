"""Who you are: `login` (OAuth device grant) and `whoami`."""

from __future__ import annotations

from typing import Annotated

import typer

from pyanaplan.cli._context import get_state


def whoami(ctx: typer.Context) -> None:
    """Show the signed-in user.

    \b
    Example:
      pyanaplan whoami
    """
    state = get_state(ctx)
    state.output.record(state.client().whoami(), kind="user", title="User")


def login(
    ctx: typer.Context,
    client_id: Annotated[
        str | None,
        typer.Option(
            "--client-id",
            metavar="ID",
            help="Device-grant OAuth client ID [ANAPLAN_OAUTH_CLIENT_ID].",
        ),
    ] = None,
) -> None:
    """Sign in with the OAuth device grant; the refresh token is kept for later commands.

    \b
    Example:
      pyanaplan login --client-id 0123456789abcdef0123456789abcdef
    """
    import dataclasses

    from pyanaplan import Client
    from pyanaplan._config import load_settings
    from pyanaplan.errors import ConfigError

    state = get_state(ctx)
    kwargs = state.options.client_kwargs()
    profile = kwargs.pop("profile", None)
    if client_id:
        kwargs["oauth_client_id"] = client_id
    settings = load_settings(profile, **kwargs)  # type: ignore[arg-type]
    # The device grant is the one scheme asked for here, even if a password or certificate is
    # configured too (they would otherwise win, see auth._build.auth_method).
    settings = dataclasses.replace(
        settings, user=None, password=None, certificate=None, private_key=None, token=None
    )
    if not settings.oauth_client_id:
        raise ConfigError(
            "pyanaplan login needs the OAuth client ID of a device-grant client registered in "
            "Anaplan, and none was given.",
            hint="Pass --client-id ID or set ANAPLAN_OAUTH_CLIENT_ID (or oauth_client_id in a "
            "profile).",
        )
    with Client(settings=settings, on_device_code=state.show_device_code) as client:
        user = client.whoami()
    state.output.status(f"Signed in as {user.email}.")
    state.output.record(user, kind="user", title="User")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("login")(login)
    app.command("whoami")(whoami)
