"""How task results look in a table (JSON and CSV get every field via Output)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.table import Table

from pyanaplan.cli._output import Output
from pyanaplan.cli._schemas import shape

_SUMMARY_KEYS = (
    "kind",
    "object_name",
    "object_id",
    "task_id",
    "state",
    "successful",
    "current_step",
    "created",
)
_COUNT_KEYS = (
    "rows_successful",
    "rows_failed",
    "rows_ignored",
    "created",
    "updated",
    "total",
)


def render_task_result(
    output: Output, result: Any, *, title: str | None = None, warn: bool = True
) -> None:
    """Show a TaskResult: the `task` schema in JSON/CSV, a summary and its steps in a table.

    With `warn`, its warnings go to stderr too (off when an error report will show them).
    """
    # Warnings (a dump that could not be saved, a cancel that found the task finished) go to
    # stderr whatever the format, and even with -q: the result alone would hide them.
    for warning in (getattr(result, "warnings", None) or []) if warn else []:
        output.warn(str(warning))
    if output.stdout_is_data:
        return  # stdout carries the export's bytes; the command reports on stderr
    data = shape("task", result)
    if output.format != "table":
        output.record(data)
        return
    table = Table(title=title, title_justify="left", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key in _SUMMARY_KEYS:
        if data.get(key) is not None:
            table.add_row(key, _text(data[key]))
    outcome = data.get("outcome") or {}
    if outcome.get("status") and outcome.get("status") != "unfinished":
        accepted = (
            " (accepted)" if outcome["status"] == "partial" and outcome.get("accepted") else ""
        )
        table.add_row("outcome", f"{outcome['status']}{accepted}")
        for reason in outcome.get("reasons") or []:
            table.add_row("why", str(reason))
        for note in outcome.get("notes") or []:
            table.add_row("note", str(note))
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
        for header in ("Step", "Object", "Outcome", "Failed rows", "Ignored rows"):
            steps.add_column(header, overflow="fold")
        for idx, step in enumerate(nested, 1):
            step_counts = step.get("counts") or {}
            steps.add_row(
                str(idx),
                str(step.get("object_name") or step.get("object_id") or ""),
                _text((step.get("outcome") or {}).get("status")),
                _text(step_counts.get("rows_failed")),
                _text(step_counts.get("rows_ignored")),
            )
        output.out.print(steps)


def warn_about_outcome(output: Output, result: Any) -> None:
    """Warnings on stderr for a result the command accepted but the user must know about.

    A partial load accepted with --accept-partial names its counts and failure dumps; ignored
    rows and rows loaded with warnings are named too (reported, not failed). Shown with
    --quiet as well, like every warning.
    """
    from pyanaplan.tasks.outcome import Outcome

    outcome = getattr(result, "outcome", None)
    if outcome is None or not outcome.accepted:
        return
    if outcome.status is Outcome.PARTIAL:
        text = f"{result.describe()}. Accepted because of --accept-partial"
        paths = [str(p) for p in getattr(result, "dump_paths", None) or []]
        if paths:
            text += "; failure dump saved to " + ", ".join(paths)
        elif outcome.dumps_available:
            text += "; the failure dump could not be downloaded (expired or replaced)"
        output.warn(text + ".")
    name = f"{result.kind.capitalize()} '{result.object_name}'"
    for note in outcome.notes:
        flag = "; --fail-on-ignored makes them fail" if note.endswith(" ignored") else ""
        output.warn(f"{name}: {note} (reported, not failed{flag}).")


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
            render_task_result(output, exc.result, warn=False)
        raise
