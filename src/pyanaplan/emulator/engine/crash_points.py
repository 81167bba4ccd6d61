"""Named places in the engine where a test can park a worker, to kill the emulator right there.

Some crash windows are far too narrow to hit by timing a SIGKILL: the moment between a task's
data commit (model database) and its outcome's commit (platform database) is a few
microseconds. A test arms a point instead (``POST /__emulator__/crash-points`` or
`Emulator.arm_crash_point`); the first worker to reach it stops there and the point reads
``reached``; the test then kills the emulator process, which crashes it at exactly that place,
restarts it on the same data directory and checks what recovery reports.

Disarming (``DELETE /__emulator__/crash-points``, a reset, shutdown) lets a parked worker go on
as if nothing happened. A worker never waits longer than `MAX_PARK_S`.
"""

from __future__ import annotations

import threading

BEFORE_MODEL_COMMIT = "task-before-model-commit"
AFTER_MODEL_COMMIT = "task-after-model-commit"
POINTS = (BEFORE_MODEL_COMMIT, AFTER_MODEL_COMMIT)
"""``task-before-model-commit``: the task's data and outcome are written, not yet committed.
``task-after-model-commit``: both are committed in the model database; the platform database
still says IN_PROGRESS."""
MAX_PARK_S = 600.0


class CrashPoints:
    """The armed points of one emulator instance (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[str, threading.Event] = {}
        self._reached: set[str] = set()

    def arm(self, point: str) -> None:
        """Park the next worker that reaches ``point``.

        Raises:
            ValueError: ``point`` is not one of `POINTS`.
        """
        if point not in POINTS:
            raise ValueError(f"point must be one of {', '.join(POINTS)}")
        with self._lock:
            self._armed.setdefault(point, threading.Event())

    def reach(self, point: str) -> None:
        """Called by the engine at ``point``: parks the caller when the point is armed."""
        with self._lock:
            release = self._armed.get(point)
            if release is None or point in self._reached:
                return
            self._reached.add(point)
        release.wait(MAX_PARK_S)

    def disarm(self) -> None:
        """Disarm every point and let parked workers continue."""
        with self._lock:
            events = list(self._armed.values())
            self._armed.clear()
            self._reached.clear()
        for event in events:
            event.set()

    def state(self) -> dict[str, str]:
        """``{point: "armed" | "reached"}`` for every armed point."""
        with self._lock:
            return {p: "reached" if p in self._reached else "armed" for p in self._armed}
