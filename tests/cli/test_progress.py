"""Transfer bars tell the truth: "stalled" (no rate, no ETA) once no byte has moved for a while."""

from __future__ import annotations

import io

from rich.console import Console

from pyanaplan.cli._progress import STALL_AFTER_S, transfer_bar


def final_frame(steps: list[tuple[float, int]]) -> str:
    """Drive a bar with (seconds later, bytes done) steps; return what it showed last."""
    now = [1000.0]
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    with transfer_bar(console, "Uploading", clock=lambda: now[0]) as update:
        for later, done in steps:
            now[0] += later
            update(done, 10_000_000)
    return out.getvalue().rsplit("\r", 1)[-1]


def test_a_transfer_that_stops_moving_shows_stalled() -> None:
    frame = final_frame([(0, 1_000_000), (1, 2_000_000), (STALL_AFTER_S + 1, 2_000_000)])
    assert "stalled" in frame
    assert "-:--:--" in frame  # no stale ETA either


def test_a_moving_transfer_shows_its_rate() -> None:
    frame = final_frame([(0, 1_000_000), (1, 2_000_000), (STALL_AFTER_S + 1, 3_000_000)])
    assert "stalled" not in frame
    assert "/s" in frame


def test_a_finished_transfer_is_never_stalled() -> None:
    frame = final_frame(
        [(0, 5_000_000), (STALL_AFTER_S + 5, 10_000_000), (STALL_AFTER_S + 5, 10_000_000)]
    )
    assert "stalled" not in frame
