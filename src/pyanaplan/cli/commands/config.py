"""Profiles in config.toml: `config list|show|set|use|delete`. Passwords are never stored."""

from __future__ import annotations

from typing import Annotated

import typer

from pyanaplan.cli._context import get_state

_SECRETS = {"password", "token", "key_password"}

config_app = typer.Typer(
    name="config",
    help="Manage connection profiles in config.toml.\n\n\b\nExample:\n  pyanaplan config list",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="Profile name.")]


@config_app.command("list")
def list_profiles(ctx: typer.Context) -> None:
    """List profiles; the default is marked.

    \b
    Example:
      pyanaplan config list
    """
    from pyanaplan import _config

    state = get_state(ctx)
    default = _config.default_profile_name()
    rows = [
        {"name": name, "default": name == default, **_config.load_profile(name)}
        for name in _config.list_profiles()
    ]
    state.output.records(
        rows,
        [
            ("Name", "name"),
            ("Default", "default"),
            ("User", "user"),
            ("Region", "region"),
            ("Workspace", "workspace"),
            ("Model", "model"),
        ],
        title=f"Profiles in {_config.config_path()}",
    )


@config_app.command("show")
def show(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Argument(metavar="NAME", help="Profile name (default: the default).")
    ] = None,
) -> None:
    """Show one profile's settings.

    \b
    Example:
      pyanaplan config show prod
    """
    from pyanaplan import _config
    from pyanaplan.errors import ConfigError

    state = get_state(ctx)
    profile = name or _config.default_profile_name()
    if not profile:
        raise ConfigError(
            "No profile given and no default profile is set.",
            hint="Create one with `pyanaplan config set NAME user=EMAIL region=EU1`.",
        )
    values = _config.load_profile(profile)
    state.output.record({"name": profile, **values}, title=f"Profile {profile}")


@config_app.command("set")
def set_values(
    ctx: typer.Context,
    name: NameArg,
    values: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="KEY=VALUE",
            help="Settings as KEY=VALUE, e.g. user=me@example.com region=EU1.",
        ),
    ] = None,
    default: Annotated[
        bool, typer.Option("--default", help="Also make this the default profile.")
    ] = False,
) -> None:
    """Create or update a profile (never with a password).

    \b
    Example:
      pyanaplan config set prod user=me@example.com region=EU1 workspace="FP&A"
    """
    from pyanaplan import _config
    from pyanaplan.errors import ConfigError

    state = get_state(ctx)
    updates: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise typer.BadParameter(f"{item!r} is not KEY=VALUE.")
        if key in _SECRETS:
            raise ConfigError(
                f"Refusing to store {key!r} in config.toml: secrets are never written to disk.",
                hint=f"Set ANAPLAN_{key.upper()} in the environment instead.",
            )
        updates[key] = value
    current = _config.load_profile(name) if name in _config.list_profiles() else {}
    written = _config.save_profile(name, {**current, **updates}, make_default=default)
    state.output.status(f"Saved profile {name!r} to {_config.config_path()}.")
    state.output.record({"name": name, **written}, title=f"Profile {name}")


@config_app.command("use")
def use(ctx: typer.Context, name: NameArg) -> None:
    """Make a profile the default.

    \b
    Example:
      pyanaplan config use prod
    """
    from pyanaplan import _config

    state = get_state(ctx)
    _config.save_profile(name, _config.load_profile(name), make_default=True)
    state.output.status(f"Default profile is now {name!r}.")
    state.output.record({"default_profile": name})


@config_app.command("delete")
def delete(ctx: typer.Context, name: NameArg) -> None:
    """Delete a profile.

    \b
    Example:
      pyanaplan config delete old
    """
    from pyanaplan import _config

    state = get_state(ctx)
    _config.delete_profile(name)  # raises ConfigError (exit 2) when it does not exist
    state.output.status(f"Deleted profile {name!r}.")
    state.output.record({"deleted_profile": name})


def register(app: typer.Typer) -> None:
    """Add the config group to the root app."""
    app.add_typer(config_app, name="config")
