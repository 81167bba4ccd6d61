"""`pyanaplan demo`: the article's whole flow against the embedded emulator, checked step by step.

Every step calls the same library function the matching command calls, renders what it got the
way that command would, and then checks that the outcome is what the demo model must produce
(e.g. the Sales import rejects exactly the bad rows the generator wrote). A step that does not do
what it should fails the demo, so `make demo` doubles as an end-to-end check.

Rejected rows are shown both ways a user meets them: the Sales import is run as
`pyanaplan import` runs it (rows rejected: an error naming the counts, the dump saved, exit 1),
and the process with `--accept-partial` (exit 0 with a warning naming the counts and the dump),
against an emulator switched to answer `successful: true` for rejected rows, as a tenant may:
the outcome is the same whatever `successful` says.
"""

from __future__ import annotations

import csv
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from pyanaplan.cli._errors import EXIT_TASK_FAILED, ErrorReport, report_for
from pyanaplan.cli._output import Output
from pyanaplan.cli._render import render_task_result, warn_about_outcome
from pyanaplan.cli._sales_csv import HEADER, SalesCsv, write_sales_csv

WORKSPACE = "Demo Workspace"
MODEL = "Sales Planning"
SALES_FILE = "Sales.csv"
REGIONS_FILE = "Regions.csv"
PRODUCTS_FILE = "Products.csv"
REGIONS_IMPORT = "Regions from Regions.csv"
PRODUCTS_IMPORT = "Products from Products.csv"
SALES_IMPORT = "Sales from Sales.csv"
PROCESS = "Load Sales and Export"
EXPORT = "Sales Report.csv"
DELETE_ACTION = "Delete Discontinued Products"
BAD_ROWS = 5


class DemoStepError(Exception):
    """A demo step ran but did not produce what the demo model must produce."""


@dataclass
class StepRecord:
    """One row of the summary table."""

    step: str
    command: str
    result: str = ""
    ok: bool = False
    seconds: float = 0.0
    files: list[str] = field(default_factory=list)


@dataclass
class DemoOptions:
    """What `pyanaplan demo` was asked for."""

    output_dir: Path
    size_bytes: int
    chunk_size: int | None = None
    concurrency: int | None = None


class Demo:
    """Runs the steps in order, records each, and stops at the first one that fails."""

    def __init__(self, output: Output, options: DemoOptions) -> None:
        self.out = output
        self.opts = options
        self.steps: list[StepRecord] = []
        self.show = output.format == "table"

    # ---- step bookkeeping ---------------------------------------------------------------------

    @contextmanager
    def step(self, title: str, command: str) -> Iterator[StepRecord]:
        record = StepRecord(step=title, command=command)
        self.steps.append(record)
        if self.show:
            self.out.out.print()
            self.out.out.print(
                Text.assemble((f"▶ {title}", "bold cyan"), "  ", (f"$ {command}", "dim")),
                soft_wrap=True,
            )
        else:
            self.out.status(f"▶ {title}")
        start = time.monotonic()
        try:
            yield record
            record.ok = True
        except Exception as exc:
            record.result = f"FAILED: {exc}"
            raise
        finally:
            record.seconds = time.monotonic() - start

    def check(self, condition: bool, message: str) -> None:
        if not condition:
            raise DemoStepError(message)

    def records(self, rows: Any, columns: list[tuple[str, str]]) -> None:
        if self.show:
            self.out.records(rows, columns)

    def task(self, result: Any) -> None:
        if self.show:
            render_task_result(self.out, result)

    # ---- the flow ---------------------------------------------------------------------------

    def run(self, client: Any, emulator: Any) -> None:
        """Every step in order; raises on the first one that fails."""
        out_dir = self.opts.output_dir
        self._browse(client)
        products, regions = self._list_sources(client, out_dir)
        sales = self._generate(out_dir, products, regions)
        self._upload(client, emulator, sales)
        self._imports(client, out_dir, sales)
        self._process(client, emulator, out_dir, sales)
        self._export(client, out_dir)
        with self.step("Delete the uploaded file", f"pyanaplan delete {SALES_FILE}") as rec:
            client.delete_file(SALES_FILE)
            rec.result = "deleted"

    def _browse(self, client: Any) -> None:
        from pyanaplan.cli.commands.definitions import COLUMNS
        from pyanaplan.cli.commands.files import FILE_COLUMNS
        from pyanaplan.cli.commands.workspaces import MODEL_COLUMNS, WORKSPACE_COLUMNS

        listings = [
            ("List workspaces", "pyanaplan workspaces", client.workspaces, WORKSPACE_COLUMNS,
             WORKSPACE, "workspace(s)"),
            ("List models", f'pyanaplan -w "{WORKSPACE}" models', lambda: client.models(WORKSPACE),
             MODEL_COLUMNS, MODEL, "model(s)"),
            ("List files", "pyanaplan files", client.files, FILE_COLUMNS, SALES_FILE, "file(s)"),
            ("List actions", "pyanaplan actions", client.actions, COLUMNS["actions"],
             DELETE_ACTION, "action(s)"),
        ]  # fmt: skip
        for title, command, fetch, columns, expected, noun in listings:
            with self.step(title, command) as rec:
                rows = fetch()
                self.records(rows, columns)
                names = [row.name for row in rows]
                self.check(expected in names, f"{expected!r} is not among {names}")
                rec.result = f"{len(rows)} {noun}"

    def _list_sources(self, client: Any, out_dir: Path) -> tuple[list[str], list[str]]:
        """Download the list source files: the generator draws its names from them."""
        with self.step("Download the list sources", f"pyanaplan download {PRODUCTS_FILE}") as rec:
            paths = [out_dir / PRODUCTS_FILE, out_dir / REGIONS_FILE]
            for path in paths:
                client.download(path.name, path)
            products, regions = _names(paths[0]), _names(paths[1])
            self.check(bool(products) and bool(regions), "the list sources have no rows")
            rec.result = f"{len(products)} products, {len(regions)} regions"
            rec.files = [str(p) for p in paths]
        return products, regions

    def _generate(self, out_dir: Path, products: list[str], regions: list[str]) -> SalesCsv:
        path = out_dir / "sales.csv"
        with self.step("Generate a sales CSV", f"(writes {path}: {','.join(HEADER)})") as rec:
            sales = write_sales_csv(
                path,
                size_bytes=self.opts.size_bytes,
                products=products,
                regions=regions,
                bad_rows=BAD_ROWS,
            )
            rec.result = f"{sales.rows:,} rows, {_mb(sales.size_bytes)}, {sales.bad_rows} bad"
            rec.files = [str(path)]
            if self.show:
                self.out.out.print(Text(f"  {rec.result}"))
        return sales

    def _upload(self, client: Any, emulator: Any, sales: SalesCsv) -> None:
        command = f"pyanaplan upload {sales.path} --file {SALES_FILE}"
        with self.step("Upload it in chunks", command) as rec:
            # Make the emulator throttle one chunk like a busy tenant (429 + Retry-After), so
            # the demo shows the upload backing off and carrying on rather than failing.
            # (PUT on */files/* is a chunk, or the whole file when it is small.)
            emulator.inject(path="*/files/*", method="PUT", status=429, retry_after=1, times=1)
            with self.out.transfer_progress(f"Uploading {SALES_FILE}") as on_progress:
                upload = client.upload(
                    sales.path,
                    file=SALES_FILE,
                    chunk_size=self.opts.chunk_size,
                    concurrency=self.opts.concurrency,
                    on_progress=on_progress,
                )
            if self.show:
                self.out.record(upload)
            chunks = client.chunks(SALES_FILE)
            self.check(
                len(chunks) == upload.chunks,
                f"the server lists {len(chunks)} chunks, the upload sent {upload.chunks}",
            )
            throttled = [r for r in emulator.requests() if r["status"] == 429]
            self.check(bool(throttled), "the injected 429 was never hit")
            rec.result = (
                f"{_mb(sales.size_bytes)} in {len(chunks)} chunk(s); "
                f"{len(throttled)} throttled request retried"
            )

    def _run_task(self, name: str, run: Callable[..., Any]) -> Any:
        with self.out.task_progress(name) as on_task:
            result = run(name, on_task_progress=on_task)
        self.task(result)
        return result

    def _imports(self, client: Any, out_dir: Path, sales: SalesCsv) -> None:
        for name in (REGIONS_IMPORT, PRODUCTS_IMPORT):
            with self.step(f"Import {name.split()[0]}", f'pyanaplan import "{name}"') as rec:
                result = self._run_task(
                    name, lambda n, **kw: client.run_import(n, dump_dir=out_dir, **kw)
                )
                self.check(bool(result.successful), f"{name!r} did not succeed")
                rec.result = _counts_text(result)
        command = f'pyanaplan import "{SALES_IMPORT}" --dump-dir {out_dir}'
        with self.step("Import sales (with bad rows)", command) as rec:
            result = self._expect_rejection(
                lambda: self._run_task(
                    SALES_IMPORT, lambda n, **kw: client.run_import(n, dump_dir=out_dir, **kw)
                )
            )
            self._check_sales(result, sales)
            rec.result = f"{_counts_text(result)} → exit 1, failure dump saved"
            rec.files = [str(p) for p in result.dump_paths]

    def _expect_rejection(self, run: Callable[[], Any]) -> Any:
        """Run a job that must fail with rejected rows; show the error as the CLI would."""
        from pyanaplan.cli._errors import report_for
        from pyanaplan.errors import TaskFailedError
        from pyanaplan.tasks.outcome import Outcome

        try:
            run()
        except TaskFailedError as exc:
            result = exc.result
            if self.show:
                self.task(result)
                self.out.error(report_for(exc))
            self.check(
                result.outcome.status is Outcome.PARTIAL,
                f"expected rejected rows, the outcome is {result.outcome.status.value}",
            )
            return result
        raise DemoStepError("the import with bad rows did not fail")

    def _process(self, client: Any, emulator: Any, out_dir: Path, sales: SalesCsv) -> None:
        from pyanaplan.tasks.outcome import Outcome

        process_dir = out_dir / "process-dumps"
        command = f'pyanaplan process "{PROCESS}" --dump-dir {process_dir} --accept-partial'
        with self.step("Run the process, accepting partial loads", command) as rec:
            # Some tenants may answer `successful: true` for an import that rejected rows (it is
            # not documented): the emulator now does, and the outcome must not change.
            emulator.set_rejected_rows_successful(True)
            if self.show:
                self.out.out.print(
                    Text("  (the emulator now answers successful: true for rejected rows)")
                )
            result = self._run_task(
                PROCESS,
                lambda n, **kw: client.run_process(
                    n, dump_dir=process_dir, accept_partial=True, **kw
                ),
            )
            warn_about_outcome(self.out, result)
            nested = list(result.nested or [])
            self.check(len(nested) == 4, f"expected 4 steps in the process, got {len(nested)}")
            partial = [n for n in nested if n.outcome.status is Outcome.PARTIAL]
            self.check(
                len(partial) == 1 and partial[0].counts.rows_failed == sales.bad_rows,
                "the process's Sales step should reject exactly the bad rows",
            )
            self.check(
                partial[0].server_successful is True,
                "the emulator should have said successful: true for the Sales step",
            )
            self.check(
                result.outcome.status is Outcome.PARTIAL and result.outcome.accepted,
                "the process should be a partial load, accepted",
            )
            self.check(bool(result.dump_paths), "the process saved no failure dump")
            rec.result = (
                f"{len(nested)} steps; {sales.bad_rows} rows rejected in the Sales step although "
                "the server said successful: true → exit 0 with a warning"
            )
            rec.files = [str(p) for p in result.dump_paths]

    def _export(self, client: Any, out_dir: Path) -> None:
        report_path = out_dir / EXPORT
        command = f'pyanaplan export "{EXPORT}" -O "{report_path}"'
        with self.step("Export and download", command) as rec:
            self._run_task(
                EXPORT, lambda n, **kw: client.run_export(n, download_to=report_path, **kw)
            )
            self.check(report_path.is_file(), f"{report_path} was not written")
            header, first_rows, count = _preview(report_path, 5)
            self.check(count > 0, "the export has no rows")
            if self.show:
                table = Table(title=f"First rows of {report_path.name}", title_justify="left")
                for col in header:
                    table.add_column(col)
                for row in first_rows:
                    table.add_row(*row)
                self.out.out.print(table)
            rec.result = f"{count:,} rows"
            rec.files = [str(report_path)]

    def _check_sales(self, result: Any, sales: SalesCsv) -> None:
        counts = result.counts
        self.check(
            counts.rows_failed == sales.bad_rows,
            f"expected {sales.bad_rows} failed rows, the import reported {counts.rows_failed}",
        )
        if counts.rows_successful is not None:
            self.check(
                counts.rows_successful == sales.good_rows,
                f"expected {sales.good_rows} successful rows, got {counts.rows_successful}",
            )
        self.check(bool(result.dump_paths), "no failure dump was saved")
        dump_rows = sum(_data_rows(Path(p)) for p in result.dump_paths)
        self.check(
            dump_rows == sales.bad_rows,
            f"the failure dump holds {dump_rows} rows, expected {sales.bad_rows}",
        )

    # ---- the end ----------------------------------------------------------------------------

    @property
    def ok(self) -> bool:
        """True when steps ran and every one of them did what it should."""
        return bool(self.steps) and all(s.ok for s in self.steps)

    def summary(self, failure: ErrorReport | None = None) -> None:
        if self.out.format != "table":
            document: dict[str, Any] = {
                "ok": self.ok and failure is None,
                "steps": [
                    {
                        "step": s.step,
                        "command": s.command,
                        "ok": s.ok,
                        "result": s.result,
                        "seconds": round(s.seconds, 3),
                        "files": s.files,
                    }
                    for s in self.steps
                ],
            }
            if failure is not None:
                document["error"] = failure.as_json()["error"]
            self.out.document(document)
            return
        if not self.steps:
            return
        out_dir = self.opts.output_dir
        table = Table(
            title="Demo summary",
            title_justify="left",
            header_style="bold",
            caption=f"Files are under {out_dir}/",
            caption_justify="left",
        )
        for header in ("Step", "Result", "Time", "Files"):
            table.add_column(header, overflow="fold")
        for s in self.steps:
            mark = Text("✓ ", "green") if s.ok else Text("✗ ", "red")
            files = "\n".join(_relative(Path(f), out_dir) for f in s.files)
            table.add_row(mark + Text(s.step), Text(s.result), f"{s.seconds:.1f}s", Text(files))
        self.out.out.print()
        self.out.out.print(table)

    def real_tenant_commands(self) -> None:
        if not self.show:
            return
        sales = self.opts.output_dir / "sales.csv"
        lines = [
            "# The same flow against your tenant (basic auth; others: docs/getting-started.md):",
            "export ANAPLAN_USER=you@example.com ANAPLAN_PASSWORD='...'  # or: pyanaplan login",
            "export ANAPLAN_REGION=EU1   # optional; US1 hosts by default",
            'export ANAPLAN_WORKSPACE="Your Workspace" ANAPLAN_MODEL="Your Model"',
            "pyanaplan workspaces",
            "pyanaplan models",
            "pyanaplan files",
            "pyanaplan actions",
            f"pyanaplan upload {sales} --file {SALES_FILE}",
            f'pyanaplan import "{REGIONS_IMPORT}"',
            f'pyanaplan import "{PRODUCTS_IMPORT}"',
            f'pyanaplan import "{SALES_IMPORT}" --dump-dir ./dumps   # rows rejected: exit 1',
            f'pyanaplan process "{PROCESS}" --dump-dir ./dumps --accept-partial   # exit 0, warns',
            f'pyanaplan export "{EXPORT}" -O "./{EXPORT}"',
            f"pyanaplan delete {SALES_FILE}",
        ]
        self.out.out.print()
        for line in lines:
            style = "dim" if line.startswith("#") else ""
            self.out.out.print(line, style=style, soft_wrap=True, markup=False, highlight=False)


def run_demo(
    output: Output,
    options: DemoOptions,
    *,
    emulator_factory: Callable[[], Any] | None = None,
) -> int:
    """Start the embedded emulator, run the flow, print the summary.

    Returns:
        The exit code: 0 when every step passed, 1 when a step did not do what it should, or
        the documented code of the error that stopped the demo (2 for an output directory that
        cannot be written, before the emulator is even started).
    """
    demo = Demo(output, options)
    failure: ErrorReport | None = None
    try:
        _prepare_output_dir(options.output_dir)
        _run_on_emulator(demo, output, emulator_factory)
    except Exception as exc:
        # Any failure (a check or a library error) ends the demo with its summary, so the
        # steps that did run stay visible; the command then exits non-zero.
        failure = _failure_report(exc)
        what = f"demo step failed: {failure.message}" if demo.steps else failure.message
        output.err.print(Text.assemble(("Error: ", "bold red"), what), soft_wrap=True)
        output.err.print(Text.assemble(("Hint: ", "bold"), failure.hint), soft_wrap=True)
    demo.summary(failure)
    if failure is not None:
        return failure.exit_code
    if not demo.ok:
        return EXIT_TASK_FAILED
    demo.real_tenant_commands()
    return 0


def _run_on_emulator(
    demo: Demo, output: Output, emulator_factory: Callable[[], Any] | None
) -> None:
    from pyanaplan import Client, Settings
    from pyanaplan.emulator import Emulator

    factory = emulator_factory or (lambda: Emulator())
    output.status("Starting the embedded Anaplan emulator (in memory, loopback only)…")
    with factory() as emu:
        user, password = emu.users[0]
        output.status(f"Emulator at {emu.api_url} — signed in as {user}")
        # Settings built here, not loaded: ANAPLAN_* variables or a default profile meant for
        # a real tenant (a certificate, a token, a region) must not leak into the demo.
        settings = Settings(
            api_url=emu.api_url,
            auth_url=emu.auth_url,
            oauth_url=emu.oauth_url,
            user=user,
            password=password,
            workspace=WORKSPACE,
            model=MODEL,
        )
        with Client(settings=settings) as client:
            demo.run(client, emu)


def _prepare_output_dir(path: Path) -> None:
    """Create the output directory and prove it takes a file, before any step runs."""
    from pyanaplan.errors import local_file_error

    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise local_file_error(exc, action="write the demo's files to", path=path) from exc


def _failure_report(exc: Exception) -> ErrorReport:
    if isinstance(exc, DemoStepError):
        return ErrorReport(
            "demo_step_failed",
            EXIT_TASK_FAILED,
            str(exc),
            "The step did not produce what the demo model must; the summary shows which.",
        )
    return report_for(exc)


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def _names(path: Path) -> list[str]:
    """Values of the `Name` column of a list source CSV (first column when there is none)."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        col = header.index("Name") if "Name" in header else 0
        return [row[col] for row in reader if len(row) > col and row[col].strip()]


def _data_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        return max(0, sum(1 for _ in csv.reader(fh)) - 1)


def _preview(path: Path, limit: int) -> tuple[list[str], list[list[str]], int]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        first: list[list[str]] = []
        count = 0
        for row in reader:
            if len(first) < limit:
                first.append(row)
            count += 1
    return header, first, count


def _counts_text(result: Any) -> str:
    c = result.counts
    parts = []
    for label, value in (
        ("ok", c.rows_successful),
        ("failed", c.rows_failed),
        ("ignored", c.rows_ignored),
        ("created", c.created),
        ("updated", c.updated),
    ):
        if value:
            parts.append(f"{value:,} {label}")
    return ", ".join(parts) or "done"


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


__all__ = ["Demo", "DemoOptions", "DemoStepError", "run_demo"]
