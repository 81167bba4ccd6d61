"""Tasks of a definition: `tasks`, `task`, `cancel`."""

from __future__ import annotations

from typing import Annotated

import typer

from pyanaplan.cli._context import get_state
from pyanaplan.cli._options import DumpDirOpt, KindArg
from pyanaplan.cli._render import render_task_result

NameArg = Annotated[
    str,
    typer.Argument(metavar="NAME", help="Name or ID of the import/export/action/process."),
]
TaskIdArg = Annotated[str, typer.Argument(metavar="TASK_ID", help="Task ID.")]

TASK_COLUMNS = [
    ("Task ID", "task_id"),
    ("State", "state"),
    ("Progress", "progress"),
    ("Created (UTC)", "created"),
]


def tasks(ctx: typer.Context, kind: KindArg, name: NameArg) -> None:
    """List a definition's tasks.

    \b
    Example:
      pyanaplan tasks import "Sales from Sales.csv"
    """
    state = get_state(ctx)
    client = state.client()
    found = client.resolve(kind, name)
    about = {"kind": kind, "object_id": found.id, "object_name": found.name}
    rows = [{**t.model_dump(), **about} for t in client.tasks(kind, found.id)]
    state.output.records(rows, TASK_COLUMNS, kind="task_summary", title=f"Tasks of {found.name}")


def task(
    ctx: typer.Context,
    kind: KindArg,
    name: NameArg,
    task_id: TaskIdArg,
    dump_dir: DumpDirOpt = None,
) -> None:
    """Show one task's status and result.

    \b
    Example:
      pyanaplan task import "Sales from Sales.csv" TASK_ID
    """
    state = get_state(ctx)
    result = state.client().task(kind, name, task_id, dump_dir=dump_dir)
    render_task_result(state.output, result, title="Task")


def cancel(ctx: typer.Context, kind: KindArg, name: NameArg, task_id: TaskIdArg) -> None:
    """Cancel a queued or running task.

    \b
    Example:
      pyanaplan cancel process "Load Sales and Export" TASK_ID
    """
    state = get_state(ctx)
    result = state.client().cancel_task(kind, name, task_id)
    # A task that had already finished is not "cancelled": the result carries a warning.
    cancelled = result.state in ("CANCELLED", "CANCELLING")
    render_task_result(state.output, result, title="Cancelled task" if cancelled else "Task")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("tasks")(tasks)
    app.command("task")(task)
    app.command("cancel")(cancel)
