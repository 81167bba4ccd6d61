"""Browse what the user can see: `workspaces`, `models`, `model`."""

from __future__ import annotations

from typing import Annotated

import typer

from pyanaplan.cli._context import get_state

WORKSPACE_COLUMNS = [
    ("ID", "id"),
    ("Name", "name"),
    ("Active", "active"),
    ("Size allowance", "size_allowance"),
    ("Current size", "current_size"),
]
MODEL_COLUMNS = [
    ("ID", "id"),
    ("Name", "name"),
    ("State", "active_state"),
    ("Workspace", "current_workspace_name"),
]


def workspaces(ctx: typer.Context) -> None:
    """List the workspaces you can see.

    \b
    Example:
      pyanaplan workspaces
    """
    state = get_state(ctx)
    rows = state.client().workspaces()
    state.output.records(rows, WORKSPACE_COLUMNS, kind="workspace", title="Workspaces")


def models(ctx: typer.Context) -> None:
    """List models (of -w WORKSPACE, else all).

    \b
    Example:
      pyanaplan -w "Demo Workspace" models
    """
    state = get_state(ctx)
    rows = state.client().models(state.options.workspace)
    state.output.records(rows, MODEL_COLUMNS, kind="model", title="Models")


def model(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(metavar="MODEL", help="Model name or ID (default: -m / ANAPLAN_MODEL)."),
    ] = None,
) -> None:
    """Show one model's details.

    \b
    Example:
      pyanaplan model "Sales Planning"
    """
    state = get_state(ctx)
    result = state.client().model(name)
    state.output.record(result, kind="model", title="Model")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("workspaces")(workspaces)
    app.command("models")(models)
    app.command("model")(model)
