"""Medians and ratios over runs. The machine is noisy, so every figure is a median of rounds."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any

MIB = 1024 * 1024
MB = 1_000_000


def median(values: Iterable[float | None]) -> float | None:
    """Median of the non-None values, or None when there are none."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or None when either is missing or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def summarize(runs: list[dict[str, Any]], size_bytes: int | None = None) -> dict[str, Any]:
    """Medians of one contender's runs: time, throughput, peak RSS, CPU seconds.

    Args:
        runs: ``RunResult.to_json()`` dicts.
        size_bytes: Bytes moved per run, for throughput (MB/s, decimal megabytes).

    Returns:
        A JSON-ready dict; ``None`` figures when no run succeeded.
    """
    ok = [r for r in runs if r["ok"]]
    median_s = median(r["elapsed_s"] for r in ok)
    rss = median(r["peak_rss_kib"] for r in ok)
    cpu = median(r["cpu_user_s"] + r["cpu_sys_s"] for r in ok)
    return {
        "runs_ok": len(ok),
        "runs": len(runs),
        "median_s": median_s,
        "min_s": min((r["elapsed_s"] for r in ok), default=None),
        "max_s": max((r["elapsed_s"] for r in ok), default=None),
        "mb_per_s": (size_bytes / MB / median_s) if size_bytes and median_s else None,
        "median_peak_rss_mib": (rss * 1024 / MIB) if rss is not None else None,
        "max_peak_rss_mib": max((r["peak_rss_kib"] * 1024 / MIB for r in ok), default=None),
        "median_cpu_s": cpu,
        "errors": sorted({r["error"] for r in runs if r.get("error")}),
    }
