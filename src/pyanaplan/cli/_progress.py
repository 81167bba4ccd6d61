"""Progress bars and library log records on stderr (the terminal side of `Output`).

Bars are for people: Rich bars on stderr, off with --quiet or when stderr is not a terminal. A
transfer bar shows "stalled" instead of a frozen rate and ETA once no byte has moved for a few
seconds (a server that stops answering mid-upload is retried quietly; the bar must not pretend).
Library log records: with -v every record; otherwise warnings as status lines, except retries,
which only -v shows (a dead server would otherwise print a line per attempt).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from rich.progress import Task

#: Seconds without a byte after which a transfer bar says "stalled".
STALL_AFTER_S = 3.0
#: Loggers whose records are retries (the library logs each retry to a `*.retry` logger).
RETRY_SUFFIX = ".retry"


def stalled(task: Task, *, now: float, after_s: float = STALL_AFTER_S) -> bool:
    """True when the task has not advanced for `after_s` seconds (and is not finished)."""
    last = task.fields.get("last_advance")
    if last is None or task.finished:
        return False
    return now - float(last) >= after_s


def _rate_column(clock: Callable[[], float]) -> Any:
    from rich.progress import ProgressColumn, TransferSpeedColumn

    class RateColumn(ProgressColumn):
        """Bytes per second, or "stalled" when nothing has moved for a while."""

        def __init__(self) -> None:
            super().__init__()
            self._speed = TransferSpeedColumn()

        def render(self, task: Task) -> Text:
            if stalled(task, now=clock()):
                return Text("stalled", style="bold yellow")
            return self._speed.render(task)

    return RateColumn()


def _eta_column(clock: Callable[[], float]) -> Any:
    from rich.progress import ProgressColumn, TimeRemainingColumn

    class EtaColumn(ProgressColumn):
        """Time remaining, or nothing while stalled (a stale ETA is a false promise)."""

        def __init__(self) -> None:
            super().__init__()
            self._eta = TimeRemainingColumn()

        def render(self, task: Task) -> Text:
            if stalled(task, now=clock()):
                return Text("-:--:--", style="progress.remaining")
            return self._eta.render(task)

    return EtaColumn()


@contextmanager
def transfer_bar(
    console: Console, description: str, *, clock: Callable[[], float] = time.monotonic
) -> Iterator[Callable[[int, int | None], None]]:
    """A bytes/rate/ETA bar; yields the library's `on_progress(done_bytes, total_bytes)`."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        _rate_column(clock),
        _eta_column(clock),
        console=console,
        transient=False,
    )
    task = progress.add_task(description, total=None, last_advance=clock())
    seen = {"done": -1}

    def update(done: int, total: int | None) -> None:
        # The library may report a smaller `done` when a chunk is resent; show it as is.
        fields: dict[str, Any] = {}
        if done != seen["done"]:
            seen["done"] = done
            fields["last_advance"] = clock()
        progress.update(task, completed=done, total=total or None, **fields)

    with progress:
        yield update


@contextmanager
def task_bar(console: Console, description: str) -> Iterator[Callable[..., None]]:
    """A progress/current-step bar for a server task; yields the task-progress callback."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[step]}"),
        console=console,
    )
    task = progress.add_task(description, total=1.0, step="")

    def update(*args: Any, **kwargs: Any) -> None:
        fraction, step = task_progress_values(*args, **kwargs)
        progress.update(task, completed=fraction, step=step)

    with progress:
        yield update


def ignore_progress(*_args: Any, **_kwargs: Any) -> None:
    """The progress callback when bars are off."""
    return None


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


# ---- library log records ---------------------------------------------------------------------


class _StatusLogHandler(logging.Handler):
    """Shows the library's warnings (expired dumps, adopted tasks) as status lines on stderr.

    Retries are left out: each is a debug matter (-v shows them), and a server that is down would
    otherwise fill the screen with one line per attempt before the one error that matters.
    """

    def __init__(self, status: Callable[[str], None]) -> None:
        super().__init__(level=logging.WARNING)
        self.status = status

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.endswith(RETRY_SUFFIX):
            return
        try:
            self.status(record.getMessage())
        except Exception:  # a broken stderr must not turn a warning into a crash
            self.handleError(record)


class _VerboseHandler(logging.Handler):
    """-v: every library record, with its logger name, on stderr."""

    def __init__(self, console: Console) -> None:
        super().__init__(level=logging.DEBUG)
        self.console = console
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.console.print(Text(self.format(record)), soft_wrap=True)
        except Exception:
            self.handleError(record)


def install_log_handler(
    console: Console, status: Callable[[str], None], *, verbose: bool
) -> Callable[[], None]:
    """Route `pyanaplan` log records to stderr: everything with -v, else warnings as status.

    Returns:
        A function that removes the handler and restores the logger's level, so one CLI run
        leaves no trace in the process (tests run many in one interpreter).
    """
    logger = logging.getLogger("pyanaplan")
    previous_level = logger.level
    handler: logging.Handler
    if verbose:
        handler = _VerboseHandler(console)
        logger.setLevel(logging.DEBUG)
    else:
        handler = _StatusLogHandler(status)
    logger.addHandler(handler)

    def restore() -> None:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)

    return restore


__all__ = [
    "RETRY_SUFFIX",
    "STALL_AFTER_S",
    "ignore_progress",
    "install_log_handler",
    "stalled",
    "task_bar",
    "task_progress_values",
    "transfer_bar",
]
