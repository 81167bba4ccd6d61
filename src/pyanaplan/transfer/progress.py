"""Callback types the transfers and the task engine report progress through.

The library never prints (STYLE habit 5): it calls these, and only the CLI draws bars.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

__all__ = ["ProgressCallback", "TaskProgressCallback", "call_progress"]

#: `on_progress(done_bytes, total_bytes)`. `total_bytes` is None when the size is not known up
#: front (an iterator source, or a download: chunk lists carry no sizes). `done_bytes` counts
#: uncompressed source bytes acknowledged by the server (uploads) or written (downloads); it may go
#: backwards when a chunk is sent again.
ProgressCallback: TypeAlias = Callable[[int, int | None], None]

#: `on_task_progress(progress, current_step)`: progress 0..1 and the server's `currentStep` text.
TaskProgressCallback: TypeAlias = Callable[[float, str], None]


def call_progress(callback: ProgressCallback | None, done: int, total: int | None) -> None:
    """Report progress if the caller asked for it."""
    if callback is not None:
        callback(done, total)
