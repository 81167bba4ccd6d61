"""The emulator's own controls: reset, faults, bandwidth, clock, task timing, request log, device
approval, certificate registration, crash points, how rejected rows report. The real API has none
of this.

`Control` is the one implementation. `server.Emulator` calls it directly (no token needed in the
same process); ``routes/control.py`` serves it under ``/__emulator__/`` behind the checks a local
HTTP face needs. Every value is checked by `control_bodies` (`ValueError` naming the bad field),
so both faces refuse the same things.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyanaplan.emulator.control_bodies import (
    BandwidthCaps,
    ClockAdvance,
    CrashPointBody,
    FaultSpec,
    OAuthInterval,
    RejectedRowsBody,
    TaskTimingBody,
    checked,
)
from pyanaplan.emulator.engine.auth import AuthService
from pyanaplan.emulator.engine.clock import Clock
from pyanaplan.emulator.engine.tasks import TaskService, TaskTiming
from pyanaplan.emulator.faults import Bandwidth, FaultSet, RequestLog

TOKEN_HEADER = "X-Emulator-Token"
TOKEN_ENV = "PYANAPLAN_EMULATOR_TOKEN"


class Control:
    """Operations on one emulator instance (thread-safe; callable from any thread).

    Args:
        reset: puts the whole instance back to the spec's state (`Platform.reset`).
        clock: the engine clock.
        auth: tokens, certificates and the device grant.
        tasks: task timing, the rejected-rows switch and crash points.
        faults: the fault rules the middleware applies.
        bandwidth: body throughput caps.
        log: the request log.
    """

    def __init__(
        self,
        *,
        reset: Callable[[], None],
        clock: Clock,
        auth: AuthService,
        tasks: TaskService,
        faults: FaultSet,
        bandwidth: Bandwidth,
        log: RequestLog,
    ) -> None:
        self._reset = reset
        self._clock = clock
        self._auth = auth
        self._tasks = tasks
        self._faults = faults
        self._bandwidth = bandwidth
        self._log = log

    def reset(self) -> None:
        """Back to the spec's state: data, files, tasks, tokens, faults, clock, log."""
        self._reset()

    def inject(self, **kwargs: Any) -> int:
        """Add a fault rule (fields of `control_bodies.FaultSpec`); returns its id.

        Raises:
            ValueError: an unknown field, or a value of the wrong type or out of range.
        """
        return self._faults.add(checked(FaultSpec, kwargs)).id

    def clear_faults(self) -> None:
        """Switch every fault rule off (they stay listed, with their counts, until reset)."""
        self._faults.stop()

    def faults(self) -> list[dict[str, Any]]:
        """Every fault rule since the last reset with its ``matched`` and ``fired`` counts."""
        return self._faults.list()

    def set_bandwidth(
        self, request_bps: float | None = None, response_bps: float | None = None
    ) -> None:
        """Cap body throughput (bytes per second; None or 0 = no cap)."""
        caps = {"request_bps": request_bps, "response_bps": response_bps}
        self._bandwidth.set(checked(BandwidthCaps, caps))

    def advance_clock(self, seconds: float) -> float:
        """Move the engine clock forward; returns the total offset in seconds."""
        body = checked(ClockAdvance, {"advance_s": seconds})
        return self._clock.advance(body.advance_s)

    def clock_state(self) -> dict[str, float | int]:
        """``{"offset_s", "now_ms"}``: how far the engine clock runs ahead, and its time."""
        return {"offset_s": self._clock.offset_s, "now_ms": self._clock.now_ms()}

    def set_task_timing(self, steps: int = 3, step_s: float = 0.0) -> None:
        body = checked(TaskTimingBody, {"steps": steps, "step_s": step_s})
        self._tasks.timing = TaskTiming(body.steps, body.step_s)

    def requests(self) -> list[dict[str, Any]]:
        return self._log.list()

    def approve_device(
        self, user_code: str, email: str | None = None, *, approve: bool = True
    ) -> None:
        self._auth.decide_device(user_code, approve=approve, email=email)

    def register_certificate(self, email: str, pem: str) -> str:
        return self._auth.register_certificate(email, pem)

    def set_rejected_rows_successful(self, successful: bool) -> None:
        """What ``successful`` says for an import that rejected rows, until the next reset."""
        body = checked(RejectedRowsBody, {"successful": successful})
        self._tasks.rejected_rows_successful = body.successful

    def set_oauth_interval(self, seconds: float) -> None:
        body = checked(OAuthInterval, {"interval_s": seconds})
        self._auth.oauth_interval_s = body.interval_s

    def arm_crash_point(self, point: str) -> None:
        """Park the next task worker that reaches ``point`` (engine/crash_points.py)."""
        self._tasks.crash_points.arm(checked(CrashPointBody, {"point": point}).point)

    def crash_points(self) -> dict[str, str]:
        """``{point: "armed" | "reached"}``."""
        return self._tasks.crash_points.state()

    def disarm_crash_points(self) -> None:
        """Disarm every point; parked workers carry on."""
        self._tasks.crash_points.disarm()
