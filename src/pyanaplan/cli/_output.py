"""Everything the CLI shows: results on stdout; progress, status, warnings and errors on stderr.

Results render as a table (people), JSON (scripts; the default when stdout is not a terminal) or
CSV (spreadsheets). Objects of a known kind are shaped by `_schemas.py` first, so JSON and CSV
keys are the documented ones. Progress bars (`_progress.py`) are on stderr and off when stderr is
not a terminal or with --quiet, so piping stdout never mixes bars into data. When stdout carries
a file's bytes (`download -O -`), nothing else is written to it.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pyanaplan.cli import _progress
from pyanaplan.cli._errors import ErrorReport
from pyanaplan.cli._schemas import shape, to_jsonable

FORMATS = ("table", "json", "csv")

#: A column: (header shown in tables/CSV, key in the record dict).
Column = tuple[str, str]

__all__ = ["FORMATS", "Column", "Output", "build_table", "resolve_format", "to_jsonable"]


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
        #: True once stdout carries a file's bytes (`-O -`): results and error documents then
        #: stay off it, and the outcome is told on stderr.
        self.stdout_is_data = False
        self.out = Console(file=stdout, soft_wrap=False, highlight=False, width=_width(stdout))
        self.err = Console(file=sys.stderr, highlight=False, width=_width(sys.stderr))

    # ---- results (stdout) -------------------------------------------------------------------

    def records(
        self,
        rows: Iterable[Any],
        columns: Sequence[Column],
        *,
        kind: str | None = None,
        title: str | None = None,
    ) -> None:
        """Render a list of objects: every field in JSON, the given columns in table/CSV.

        Args:
            rows: The objects.
            columns: Table and CSV columns; keys may be dotted ("counts.rows_failed").
            kind: The `_schemas.py` kind of each row, which fixes its JSON keys.
            title: Table title.
        """
        data = [shape(kind, r) if kind else to_jsonable(r) for r in rows]
        with self._writing():
            if self.format == "json":
                self._json(data)
            elif self.format == "csv":
                self._csv([[_cell(_get(row, key)) for _, key in columns] for row in data], columns)
            else:
                self.out.print(build_table(data, columns, title=title))

    def record(self, row: Any, *, kind: str | None = None, title: str | None = None) -> None:
        """Render one object: a JSON object, a one-row CSV of its flattened fields, or a
        field/value table (lists of objects in it as tables of their own)."""
        data = shape(kind, row) if kind else to_jsonable(row)
        with self._writing():
            if self.format == "json":
                self._json(data)
            elif self.format == "csv":
                flat = flatten(data) if isinstance(data, dict) else {"value": data}
                self._csv([[_cell(v) for v in flat.values()]], [(k, k) for k in flat])
            else:
                self._record_table(data, title)

    def _record_table(self, data: Any, title: str | None) -> None:
        flat = _flatten_objects(data) if isinstance(data, dict) else {"value": data}
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
        with self._writing():
            self._json(to_jsonable(data))

    def line(self, text: str) -> None:
        """A plain result line on stdout (a path, an id)."""
        with self._writing():
            self.out.print(Text(text), soft_wrap=True)

    def _json(self, data: Any) -> None:
        if self.stdout_is_data:
            return
        self.out.file.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        self.out.file.flush()

    def _csv(self, rows: list[list[str]], columns: Sequence[Column]) -> None:
        if self.stdout_is_data:
            return
        writer = csv.writer(self.out.file, lineterminator="\n")
        writer.writerow([header for header, _ in columns])
        writer.writerows(rows)
        self.out.file.flush()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        # stdout on a full disk or a closed pipe: one sentence (exit 2), not a traceback.
        try:
            yield
        except OSError as exc:
            from pyanaplan.errors import local_file_error

            raise local_file_error(exc, action="write the result to", path=sys.stdout) from exc

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

        With `-o json` the same report is also the one document on stdout (unless stdout
        carries data, or cannot be written: the error on stderr is what counts then).
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
        for warning in report.warnings:
            self.warn(warning)
        if report.hint:
            self.err.print(Text.assemble(("Hint: ", "bold"), report.hint), soft_wrap=True)
        if self.format == "json":
            with suppress(OSError):
                self._json(report.as_json())

    # ---- progress (stderr) ------------------------------------------------------------------

    @property
    def progress_enabled(self) -> bool:
        """Bars only for people: not with --quiet, not when stderr is a pipe or file."""
        return not self.quiet and self.err.is_terminal

    @contextmanager
    def transfer_progress(self, description: str) -> Iterator[Callable[[int, int | None], None]]:
        """A bytes/rate/ETA bar; yields the library's `on_progress(done_bytes, total_bytes)`."""
        if not self.progress_enabled:
            yield _progress.ignore_progress
            return
        with _progress.transfer_bar(self.err, description) as update:
            yield update

    @contextmanager
    def task_progress(self, description: str) -> Iterator[Callable[..., None]]:
        """A progress/current-step bar for a server task; yields the task-progress callback."""
        if not self.progress_enabled:
            yield _progress.ignore_progress
            return
        with _progress.task_bar(self.err, description) as update:
            yield update


def install_log_handler(output: Output) -> Callable[[], None]:
    """Route `pyanaplan` log records to stderr (see `_progress.install_log_handler`)."""
    return _progress.install_log_handler(output.err, output.status, verbose=output.verbose)


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


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """One level of dotted keys for CSV: nested objects as `counts.rows_failed`, list items as
    `details.0.type`; an empty list or object stays one empty cell."""
    if isinstance(data, dict) and data:
        items: Iterable[tuple[str, Any]] = ((str(k), v) for k, v in data.items())
    elif isinstance(data, list) and data:
        items = ((str(i), v) for i, v in enumerate(data))
    else:
        return {prefix.rstrip("."): None if data in ([], {}) else data}
    flat: dict[str, Any] = {}
    for key, value in items:
        flat.update(flatten(value, f"{prefix}{key}."))
    return flat


def _flatten_objects(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    # For the field/value table: nested objects become dotted rows; lists stay whole.
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten_objects(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _is_object_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _shown(items: list[dict[str, Any]], key: str) -> bool:
    # Columns that are empty or nested objects in every row are noise in a table.
    return any(
        item.get(key) not in (None, "", [], {}) and not isinstance(item.get(key), dict)
        for item in items
    )


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


def _width(stream: IO[str]) -> int | None:
    # Rich assumes 80 columns off a terminal; wide IDs would wrap, so give pipes room.
    isatty = getattr(stream, "isatty", None)
    if callable(isatty) and isatty():
        return None
    return 200
