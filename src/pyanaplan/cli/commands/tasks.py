"""Tasks of a definition: `tasks`, `task`, `cancel`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from pyanaplan.cli._context import get_state
from pyanaplan.cli._options import DumpDirOpt, KindArg, check_kind
from pyanaplan.cli._output import to_jsonable
from pyanaplan.cli._render import render_task_result

NameArg = Annotated[str, typer.Argument(help="Name or ID of the import/export/action/process.")]
TaskIdArg = Annotated[str, typer.Argument(help="Task ID.")]

TASK_COLUMNS = [
    ("Task ID", "task_id"),
    ("State", "task_state"),
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
    rows = [_with_created(to_jsonable(t)) for t in state.client().tasks(check_kind(kind), name)]
    state.output.records(rows, TASK_COLUMNS, title=f"Tasks of {name}")


def _with_created(row: dict[str, Any]) -> dict[str, Any]:
    # creationTime is epoch milliseconds (§10.22); add a readable UTC time next to it.
    millis = row.get("creation_time")
    if isinstance(millis, int | float):
        when = datetime.fromtimestamp(millis / 1000, tz=UTC)
        row["created"] = when.strftime("%Y-%m-%d %H:%M:%S")
    return row


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
    result = state.client().task(check_kind(kind), name, task_id, dump_dir=dump_dir)
    render_task_result(state.output, result, title="Task")


def cancel(ctx: typer.Context, kind: KindArg, name: NameArg, task_id: TaskIdArg) -> None:
    """Cancel a queued or running task.

    \b
    Example:
      pyanaplan cancel process "Load Sales and Export" TASK_ID
    """
    state = get_state(ctx)
    result = state.client().cancel_task(check_kind(kind), name, task_id)
    render_task_result(state.output, result, title="Cancelled task")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("tasks")(tasks)
    app.command("task")(task)
    app.command("cancel")(cancel)
