"""How task results look in a table (JSON and CSV get every field via Output)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.table import Table

from pyanaplan.cli._output import Output, to_jsonable

_SUMMARY_KEYS = (
    "kind",
    "object_name",
    "object_id",
    "task_id",
    "state",
    "successful",
    "current_step",
)
_COUNT_KEYS = (
    "rows_successful",
    "rows_failed",
    "rows_ignored",
    "created",
    "updated",
    "total",
)


def render_task_result(output: Output, result: Any, *, title: str | None = None) -> None:
    """Show a TaskResult: every field in JSON, one row per field (plus nested steps) in a table."""
    data = to_jsonable(result)
    if output.format != "table" or not isinstance(data, dict):
        output.record(data)
        return
    table = Table(title=title, title_justify="left", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key in _SUMMARY_KEYS:
        if data.get(key) is not None:
            table.add_row(key, _text(data[key]))
    counts = data.get("counts") or {}
    shown = [f"{k}={counts[k]}" for k in _COUNT_KEYS if counts.get(k) is not None]
    if shown:
        table.add_row("counts", ", ".join(shown))
    for path in data.get("dump_paths") or []:
        table.add_row("failure dump", str(path))
    if data.get("output_path"):
        table.add_row("output", str(data["output_path"]))
    output.out.print(table)
    nested = data.get("nested") or []
    if nested:
        steps = Table(title="Steps", title_justify="left", header_style="bold")
        for header in ("Step", "Object", "Successful", "Failed rows"):
            steps.add_column(header, overflow="fold")
        for idx, step in enumerate(nested, 1):
            step_counts = step.get("counts") or {}
            steps.add_row(
                str(idx),
                str(step.get("object_name") or step.get("object_id") or ""),
                _text(step.get("successful")),
                _text(step_counts.get("rows_failed")),
            )
        output.out.print(steps)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@contextmanager
def rendered_on_failure(output: Output) -> Iterator[None]:
    """In table mode, show a failed task's result before the error is reported.

    With JSON the error document alone goes to stdout (one document per run), so nothing is
    rendered here; the error (and its exit code 1) propagates either way.
    """
    from pyanaplan.errors import TaskFailedError

    try:
        yield
    except TaskFailedError as exc:
        if output.format == "table" and exc.result is not None:
            render_task_result(output, exc.result)
        raise
