"""Everything the CLI shows: results on stdout; progress, status, warnings and errors on stderr.

Results render as a table (people), JSON (scripts; the default when stdout is not a terminal) or
CSV (spreadsheets). Progress bars are Rich bars on stderr, and are off when stderr is not a
terminal or with --quiet, so piping stdout never mixes bars into data.
"""

from __future__ import annotations

import csv
import dataclasses
import enum
import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pyanaplan.cli._errors import ErrorReport

FORMATS = ("table", "json", "csv")

#: A column: (header shown in tables/CSV, key in the record dict).
Column = tuple[str, str]


def to_jsonable(value: Any) -> Any:
    """Turn library results (pydantic models, dataclasses, paths, enums) into plain JSON data."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return to_jsonable(dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return str(value)


def resolve_format(requested: str | None, stdout: IO[str]) -> str:
    """The output format: what was asked for, else table on a terminal and JSON otherwise."""
    if requested:
        return requested
    isatty = getattr(stdout, "isatty", None)
    return "table" if callable(isatty) and isatty() else "json"


class Output:
    """The CLI's only way to write to the terminal.

    Args:
        fmt: table, json or csv; None picks JSON when stdout is not a terminal.
        quiet: hide status lines and progress bars (warnings and errors still show).
        verbose: show tracebacks with errors.
    """

    def __init__(self, fmt: str | None = None, *, quiet: bool = False, verbose: bool = False):
        stdout = sys.stdout
        self.format = resolve_format(fmt, stdout)
        self.quiet = quiet
        self.verbose = verbose
        self.out = Console(file=stdout, soft_wrap=False, highlight=False, width=_width(stdout))
        self.err = Console(file=sys.stderr, highlight=False, width=_width(sys.stderr))

    # ---- results (stdout) -------------------------------------------------------------------

    def records(
        self, rows: Iterable[Any], columns: Sequence[Column], *, title: str | None = None
    ) -> None:
        """Render a list of objects: every field in JSON, the given columns in table/CSV."""
        data = [to_jsonable(r) for r in rows]
        if self.format == "json":
            self._json(data)
        elif self.format == "csv":
            self._csv(data, columns)
        else:
            self.out.print(build_table(data, columns, title=title))

    def record(self, row: Any, *, title: str | None = None) -> None:
        """Render one object: a field/value table, a one-row CSV, or a JSON object."""
        data = to_jsonable(row)
        if self.format == "json":
            self._json(data)
            return
        flat = _flatten(data) if isinstance(data, dict) else {"value": data}
        if self.format == "csv":
            # Dotted column keys ("outcome.status") are looked up in the nested data.
            self._csv([data if isinstance(data, dict) else flat], [(k, k) for k in flat])
            return
        # Lists of objects (a process's actions) read better as their own table below.
        nested = {k: v for k, v in flat.items() if _is_object_list(v)}
        table = Table(
            title=title, title_justify="left", show_header=False, box=None, pad_edge=False
        )
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        for key, value in flat.items():
            if key not in nested:
                table.add_row(key, _cell(value))
        self.out.print(table)
        for key, items in nested.items():
            keys = [k for k in dict.fromkeys(k for item in items for k in item) if _shown(items, k)]
            self.out.print(build_table(items, [(k, k) for k in keys], title=key))

    def document(self, data: Any) -> None:
        """Write a JSON document whatever the format (for commands whose result is a document)."""
        self._json(to_jsonable(data))

    def line(self, text: str) -> None:
        """A plain result line on stdout (a path, an id)."""
        self.out.print(Text(text), soft_wrap=True)

    def _json(self, data: Any) -> None:
        self.out.file.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        self.out.file.flush()

    def _csv(self, data: list[dict[str, Any]], columns: Sequence[Column]) -> None:
        writer = csv.writer(self.out.file, lineterminator="\n")
        writer.writerow([header for header, _ in columns])
        for row in data:
            writer.writerow([_cell(_get(row, key)) for _, key in columns])
        self.out.file.flush()

    # ---- everything else (stderr) -----------------------------------------------------------

    def status(self, message: str) -> None:
        """A status line on stderr (hidden with --quiet)."""
        if not self.quiet:
            self.err.print(Text(message), soft_wrap=True)

    def warn(self, message: str) -> None:
        """A warning on stderr (shown even with --quiet)."""
        self.err.print(Text.assemble(("Warning: ", "bold yellow"), message), soft_wrap=True)

    def error(self, report: ErrorReport) -> None:
        """Show an error: `Error: …`, candidates, dump paths and the hint on stderr.

        With `-o json` the same report is also the one document on stdout.
        """
        self.err.print(Text.assemble(("Error: ", "bold red"), report.message), soft_wrap=True)
        if report.candidates:
            self.err.print("Candidates:")
            for cand in report.candidates:
                label = cand.get("name", "")
                ident = cand.get("id")
                self.err.print(Text(f"  {label}" + (f" ({ident})" if ident else "")))
        for path in report.dump_paths:
            self.err.print(Text(f"Failure dump saved to {path}"), soft_wrap=True)
        if report.hint:
            self.err.print(Text.assemble(("Hint: ", "bold"), report.hint), soft_wrap=True)
        if self.format == "json":
            self._json(report.as_json())

    # ---- progress (stderr) ------------------------------------------------------------------

    @property
    def progress_enabled(self) -> bool:
        """Bars only for people: not with --quiet, not when stderr is a pipe or file."""
        return not self.quiet and self.err.is_terminal

    @contextmanager
    def transfer_progress(self, description: str) -> Iterator[Callable[[int, int], None]]:
        """A bytes/rate/ETA bar; yields the library's `on_progress(done_bytes, total_bytes)`."""
        if not self.progress_enabled:
            yield _ignore_progress
            return
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=self.err,
            transient=False,
        )
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            # The library may report a smaller `done` when a chunk is resent; show it as is.
            progress.update(task, completed=done, total=total or None)

        with progress:
            yield update

    @contextmanager
    def task_progress(self, description: str) -> Iterator[Callable[..., None]]:
        """A progress/current-step bar for a server task; yields the task-progress callback."""
        if not self.progress_enabled:
            yield _ignore_progress
            return
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[step]}"),
            console=self.err,
        )
        task = progress.add_task(description, total=1.0, step="")

        def update(*args: Any, **kwargs: Any) -> None:
            fraction, step = task_progress_values(*args, **kwargs)
            progress.update(task, completed=fraction, step=step)

        with progress:
            yield update


class _StatusLogHandler(logging.Handler):
    """Shows the library's warnings (retries, expired dumps) as status lines on stderr."""

    def __init__(self, output: Output) -> None:
        super().__init__(level=logging.WARNING)
        self.output = output

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.output.status(record.getMessage())
        except Exception:  # a broken stderr must not turn a warning into a crash
            self.handleError(record)


def install_log_handler(output: Output) -> Callable[[], None]:
    """Route `pyanaplan` log records to stderr: debug with -v, else warnings as status lines.

    Returns:
        A function that removes the handler and restores the logger's level, so one CLI run
        leaves no trace in the process (tests run many in one interpreter).
    """
    logger = logging.getLogger("pyanaplan")
    previous_level = logger.level
    handler: logging.Handler
    if output.verbose:
        handler = _VerboseHandler(output)
        logger.setLevel(logging.DEBUG)
    else:
        handler = _StatusLogHandler(output)
    logger.addHandler(handler)

    def restore() -> None:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)

    return restore


class _VerboseHandler(logging.Handler):
    """-v: every library record, with its logger name, on stderr."""

    def __init__(self, output: Output) -> None:
        super().__init__(level=logging.DEBUG)
        self.output = output
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.output.err.print(Text(self.format(record)), soft_wrap=True)
        except Exception:
            self.handleError(record)


def task_progress_values(*args: Any, **kwargs: Any) -> tuple[float, str]:
    """Read (fraction, current step) from whatever the library's task callback passes.

    Accepts `(progress, current_step)` positionally or as keywords, or one status object with
    `progress` and `current_step` attributes.
    """
    if len(args) == 1 and not isinstance(args[0], int | float):
        obj = args[0]
        raw = getattr(obj, "progress", 0.0)
        step = getattr(obj, "current_step", "") or ""
    else:
        raw = args[0] if args else kwargs.get("progress", 0.0)
        step = args[1] if len(args) > 1 else kwargs.get("current_step", "")
    try:
        fraction = max(0.0, min(1.0, float(raw or 0.0)))
    except (TypeError, ValueError):
        fraction = 0.0
    return fraction, str(step or "")


def build_table(
    data: list[dict[str, Any]], columns: Sequence[Column], *, title: str | None
) -> Table:
    """A Rich table of the given columns (missing keys show as empty cells)."""
    table = Table(title=title, title_justify="left", header_style="bold")
    for header, _ in columns:
        table.add_column(header, overflow="fold")
    for row in data:
        table.add_row(*(_cell(_get(row, key)) for _, key in columns))
    return table


def _is_object_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _shown(items: list[dict[str, Any]], key: str) -> bool:
    # Columns that are empty or nested objects in every row are noise in a table.
    return any(
        item.get(key) not in (None, "", [], {}) and not isinstance(item.get(key), dict)
        for item in items
    )


def _ignore_progress(*_args: Any, **_kwargs: Any) -> None:
    return None


def _get(row: Any, key: str) -> Any:
    # Dotted keys reach into nested objects: "counts.rows_failed".
    value = row
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if value is None:
            return None
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _width(stream: IO[str]) -> int | None:
    # Rich assumes 80 columns off a terminal; wide IDs would wrap, so give pipes room.
    isatty = getattr(stream, "isatty", None)
    if callable(isatty) and isatty():
        return None
    return 200
