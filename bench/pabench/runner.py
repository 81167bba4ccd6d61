"""Start one worker process per run (through the launcher) and measure it from outside: wall time,
peak RSS (`os.wait4`), CPU seconds."""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent.parent


@dataclass
class RunResult:
    """One run of one contender.

    ``elapsed_s`` is timed inside the worker around the operation only; ``wall_s`` includes the
    interpreter start and imports. ``peak_rss_kib`` is the child's ``ru_maxrss`` (KiB on Linux).
    """

    contender: str
    ok: bool
    elapsed_s: float | None = None
    wall_s: float = 0.0
    peak_rss_kib: int = 0
    cpu_user_s: float = 0.0
    cpu_sys_s: float = 0.0
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def worker_env() -> dict[str, str]:
    """The environment for workers: ours plus ``bench/`` on the path, no ANAPLAN_* leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANAPLAN_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH_DIR), env.get("PYTHONPATH")]))
    return env


class Launcher:
    """The ``pabench.launcher`` child that starts workers (see its docstring for why)."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "pabench.launcher"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=worker_env(),
            text=True,
        )

    def run(self, argv: list[str], stdin: str, env: dict[str, str], timeout_s: float) -> dict:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        request = {"argv": argv, "stdin": stdin, "env": env, "timeout_s": timeout_s}
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the worker launcher died")
        return json.loads(line)

    def close(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        self._proc.wait(timeout=30)


_launcher: Launcher | None = None


def launcher() -> Launcher:
    """The process-wide launcher, started on first use and stopped at exit."""
    global _launcher
    if _launcher is None:
        _launcher = Launcher()
        atexit.register(_launcher.close)
    return _launcher


def run_worker(job: dict[str, Any], *, timeout_s: float) -> RunResult:
    """Run ``job`` in a fresh ``python -m pabench.worker`` and collect its figures.

    Args:
        job: The worker's job (see ``worker.py``); sent on stdin.
        timeout_s: Kill the worker after this many seconds and record a failed run.

    Returns:
        The run's figures; ``ok`` is false when the worker failed or timed out.
    """
    reply = launcher().run(
        [sys.executable, "-m", "pabench.worker"], json.dumps(job), worker_env(), timeout_s
    )
    result = RunResult(
        contender=job["contender"],
        ok=False,
        wall_s=reply["wall_s"],
        peak_rss_kib=reply["maxrss_kib"],
        cpu_user_s=reply["utime_s"],
        cpu_sys_s=reply["stime_s"],
    )
    if reply["timed_out"]:
        result.error = f"timed out after {timeout_s:.0f} s"
        return result
    lines = [line for line in reply["stdout"].splitlines() if line.startswith("{")]
    if reply["exit_code"] != 0 or not lines:
        tail = reply["stderr"].strip().splitlines()[-1:] or [f"exit code {reply['exit_code']}"]
        result.error = tail[0][:500]
        return result
    payload = json.loads(lines[-1])
    result.ok = True
    result.elapsed_s = payload["elapsed_s"]
    result.extra = payload.get("extra", {})
    return result
