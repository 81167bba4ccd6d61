"""One extra, unmeasured run of a contender under py-spy, summarised for the report.

``run.py --profile`` adds this to the largest upload and download so that a missed target comes
with evidence of where the time goes. py-spy samples every thread of the worker (``--threads``)
without changing its code; its timings are not used anywhere else.
"""

from __future__ import annotations

import collections
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from pabench.runner import launcher, worker_env

_TOP = 15


def find_py_spy(explicit: str | None) -> str | None:
    """The py-spy executable: an explicit path, else the one on PATH."""
    if explicit and explicit != "auto":
        return explicit if Path(explicit).exists() else None
    return shutil.which("py-spy")


def summarize(raw_path: Path) -> dict[str, Any]:
    """Top frames by own samples and pyanaplan/httpx2 frames by inclusive samples."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw_path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if not f.startswith(("thread (", "process "))]
        if not frames or any("<frozen importlib" in f for f in frames):
            continue  # interpreter start-up and imports are not the operation
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    shares = lambda counter: [  # noqa: E731
        [frame, round(n / total, 4)] for frame, n in counter.most_common(_TOP * 4)
    ]
    return {
        "samples": total,
        "top_self": shares(own)[:_TOP],
        "top_inclusive_pyanaplan": [
            row for row in shares(inclusive) if "pyanaplan/" in row[0] or "gzip" in row[0]
        ][:_TOP],
    }


def profile_run(py_spy: str, job: dict[str, Any], out: Path, timeout_s: float) -> dict[str, Any]:
    """Run ``job`` once under ``py-spy record`` and return the summary (or an error)."""
    argv = [
        py_spy,
        "record",
        "--threads",
        "--nonblocking",
        "-r",
        "200",
        "-f",
        "raw",
        "-o",
        str(out),
        "--",
        sys.executable,
        "-m",
        "pabench.worker",
    ]
    reply = launcher().run(argv, json.dumps(job), worker_env(), timeout_s)
    if reply["exit_code"] != 0 or not out.exists():
        return {"error": (reply["stderr"].strip().splitlines() or ["py-spy failed"])[-1][:300]}
    return summarize(out)
