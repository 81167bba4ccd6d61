"""Definitions in a model: `imports`, `exports`, `actions`, `processes` (each with `show NAME`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from pyanaplan.cli._context import CliState, get_state
from pyanaplan.cli._schemas import to_jsonable

COLUMNS = {
    "imports": [
        ("ID", "id"),
        ("Name", "name"),
        ("Type", "import_type"),
        ("Source file", "import_data_source_id"),
    ],
    "exports": [("ID", "id"), ("Name", "name"), ("Format", "export_format")],
    "actions": [("ID", "id"), ("Name", "name"), ("Type", "action_type")],
    "processes": [("ID", "id"), ("Name", "name")],
}
KINDS = {"imports": "import", "exports": "export", "actions": "action", "processes": "process"}
EXAMPLES = {
    "imports": ("pyanaplan imports", 'pyanaplan imports show "Sales from Sales.csv"'),
    "exports": ("pyanaplan exports", 'pyanaplan exports show "Sales Report.csv"'),
    "actions": ("pyanaplan actions", 'pyanaplan actions show "Delete Discontinued Products"'),
    "processes": ("pyanaplan processes", 'pyanaplan processes show "Load Sales and Export"'),
}


def _lister(group: str) -> Callable[[CliState], list[Any]]:
    return lambda state: getattr(state.client(), group)()


def _details(group: str, state: CliState, name: str) -> tuple[str, dict[str, Any]]:
    """The `show` document: the listing entry (its id and name) plus the metadata's fields."""
    client = state.client()
    kind = KINDS[group]
    found = client.resolve(kind, name)
    listed = to_jsonable(found)
    if group == "imports":
        meta = to_jsonable(client.import_metadata(found.id))
        return "import_details", {**listed, "source_type": meta.get("type"), **meta}
    if group == "exports":
        return "export_details", {**listed, **to_jsonable(client.export_metadata(found.id))}
    if group == "processes":
        meta = to_jsonable(client.process_metadata(found.id))
        return "process_details", {**listed, "actions": meta.get("actions")}
    # Actions have no metadata endpoint (api-notes §4.6.2): the listing entry is all there is.
    return "action", listed


def _make_group(group: str) -> typer.Typer:
    list_example, show_example = EXAMPLES[group]
    sub = typer.Typer(
        name=group,
        invoke_without_command=True,
        help=(
            f"List the model's {group}; `{group} show NAME` shows one."
            f"\n\n\b\nExample:\n  {list_example}"
        ),
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @sub.callback()
    def list_all(ctx: typer.Context) -> None:
        if ctx.invoked_subcommand is not None:
            return
        state = get_state(ctx)
        rows = _lister(group)(state)
        state.output.records(rows, COLUMNS[group], kind=KINDS[group], title=group.capitalize())

    list_all.__doc__ = f"List the model's {group}.\n\n\b\nExample:\n  {list_example}"

    @sub.command("show")
    def show(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(metavar="NAME", help="Name or ID.")],
    ) -> None:
        state = get_state(ctx)
        kind, details = _details(group, state, name)
        state.output.record(details, kind=kind, title=name)

    show.__doc__ = f"Show one definition's metadata.\n\n\b\nExample:\n  {show_example}"
    return sub


def register(app: typer.Typer) -> None:
    """Add the four definition groups to the root app."""
    for group in COLUMNS:
        app.add_typer(_make_group(group), name=group)
