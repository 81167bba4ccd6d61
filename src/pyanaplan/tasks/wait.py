"""Wait for a task to end: poll with capped backoff, cancel on timeout or Ctrl-C.

The schedule starts fast (most small imports finish within a second, and users wait on them)
and backs off to a cap, so a long task costs one request every few seconds (the docs ask for no
more than one per 5 s, §4.6.4). COMPLETE and CANCELLED end the wait; CANCELLING does not, so a
cancelled task never makes us loop forever (§10.2). Everything that touches the network or time
comes in as a parameter, so the loop is unit-tested with a fake clock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pyanaplan.errors import (
    RateLimitedError,
    ServerError,
    TaskTimeoutError,
    TransportError,
)
from pyanaplan.models.tasks import TaskStatus
from pyanaplan.tasks.results import TERMINAL_STATES

__all__ = [
    "CANCEL_STATES",
    "CANCEL_WAIT_S",
    "MAX_TRANSIENT_ERRORS",
    "POLL_CAP_S",
    "POLL_FACTOR",
    "POLL_INITIAL_S",
    "POLL_STEADY_FOR_S",
    "POLL_STEADY_S",
    "CancelOutcome",
    "TaskTimeoutError",
    "cancel_and_settle",
    "poll_delays",
    "wait_for_task",
]

log = logging.getLogger(__name__)
#: Retries are logged here (the CLI shows them only with -v).
retry_log = logging.getLogger("pyanaplan.tasks.retry")

#: First poll this long after the start.
POLL_INITIAL_S = 0.1
#: Each wait is this much longer than the one before…
POLL_FACTOR = 1.5
#: …but no longer than this while the task is young…
POLL_STEADY_S = 0.5
#: …which lasts this long (seconds of summed waits)…
POLL_STEADY_FOR_S = 10.0
#: …and after that up to this cap (the docs ask for no more than one poll per 5 s, §4.6.4).
POLL_CAP_S = 5.0
#: Consecutive failed status requests tolerated (after the session's own retries).
MAX_TRANSIENT_ERRORS = 5
#: How long to wait for a task to end after cancelling it.
CANCEL_WAIT_S = 30.0
#: States that confirm a cancel took hold: the task is stopping or has stopped.
CANCEL_STATES = frozenset({"CANCELLED", "CANCELLING"})

_TRANSIENT = (TransportError, ServerError, RateLimitedError)


def poll_delays(
    initial_s: float = POLL_INITIAL_S,
    factor: float = POLL_FACTOR,
    cap_s: float = POLL_CAP_S,
    *,
    steady_s: float = POLL_STEADY_S,
    steady_for_s: float = POLL_STEADY_FOR_S,
) -> Iterator[float]:
    """Seconds to sleep before each status poll.

    Starts at `initial_s` and grows by `factor`, held at `steady_s` for the first `steady_for_s`
    seconds, then grows to `cap_s`. Measured (docs/benchmarks.md, task latency): a pure ×1.5
    backoff noticed a 5 s task 2.5 s late; holding 0.5 s for the first 10 s keeps the delay
    under 0.5 s for short tasks at the cost of about 14 extra status requests.
    """
    delay = initial_s
    elapsed = 0.0
    while True:
        limit = steady_s if elapsed < steady_for_s else cap_s
        step = min(delay, limit)
        yield step
        elapsed += step
        delay = min(delay * factor, cap_s)


@dataclass(frozen=True)
class CancelOutcome:
    """What became of a cancel request, as far as the server confirmed it.

    Attributes:
        status: The task's status after the cancel request (its answer, or the last poll), or
            None when the server told us nothing.
        error: Why the cancel request itself failed (then the task may run on), or None.
        interrupted: A second Ctrl-C cut the cancel (or the wait for it to settle) short.
    """

    status: TaskStatus | None = None
    error: BaseException | None = None
    interrupted: bool = False

    @property
    def state(self) -> str | None:
        """The task state the server last reported after the cancel, or None."""
        return self.status.task_state if self.status is not None else None

    @property
    def confirmed(self) -> bool:
        """True only when the server said CANCELLED or CANCELLING: the task is being stopped."""
        return self.state in CANCEL_STATES


def wait_for_task(
    fetch: Callable[[], TaskStatus],
    *,
    cancel: Callable[[], TaskStatus | None],
    label: str,
    timeout_s: float | None = None,
    on_status: Callable[[TaskStatus], None] | None = None,
    on_timeout: Callable[[TaskStatus | None, CancelOutcome], BaseException] | None = None,
    on_interrupt: Callable[[TaskStatus | None, CancelOutcome], BaseException] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    delays: Iterator[float] | None = None,
) -> TaskStatus:
    """Poll until the task is COMPLETE or CANCELLED and return that status.

    Args:
        fetch: Gets the task's status (one GET).
        cancel: Asks the server to cancel the task (DELETE); may return the new status.
        label: Names the task in messages and logs.
        timeout_s: Overall limit in seconds; None waits as long as it takes.
        on_status: Called with each new status (progress reporting).
        on_timeout: Builds the exception raised on timeout from the last status seen and what
            the cancel achieved; the default is a `TaskTimeoutError`.
        on_interrupt: Builds the exception raised on Ctrl-C (after cancelling) the same way; the
            default re-raises the KeyboardInterrupt.
        sleep: Sleep function (tests pass a fake).
        clock: Monotonic clock (tests pass a fake).
        delays: Poll schedule; defaults to `poll_delays()`.

    Returns:
        The terminal status.

    Raises:
        TaskTimeoutError (or what `on_timeout` builds): The timeout passed; the server task was
            asked to cancel and awaited (for at most `CANCEL_WAIT_S`).
        KeyboardInterrupt (or what `on_interrupt` builds): Ctrl-C, after the same cancel.
        TransportError, ServerError, RateLimitedError: More than `MAX_TRANSIENT_ERRORS` status
            requests in a row failed.
        APIError: Any other error from the status request.
    """
    schedule = delays if delays is not None else poll_delays()
    deadline = None if timeout_s is None else clock() + timeout_s
    last: TaskStatus | None = None
    failures = 0
    try:
        while True:
            delay = next(schedule)
            if deadline is not None:
                remaining = deadline - clock()
                if remaining <= 0:
                    break
                delay = min(delay, remaining)
            sleep(delay)
            try:
                status = fetch()
            except _TRANSIENT as exc:
                failures += 1
                if failures > MAX_TRANSIENT_ERRORS:
                    raise
                retry_log.warning("Status of %s unavailable (%s); attempt %d", label, exc, failures)
                continue
            failures = 0
            if on_status is not None and (
                last is None
                or (status.progress, status.current_step, status.task_state)
                != (last.progress, last.current_step, last.task_state)
            ):
                on_status(status)
            last = status
            if status.task_state in TERMINAL_STATES:
                return status
    except KeyboardInterrupt:
        log.warning("Interrupted: cancelling %s on the server", label)
        outcome = cancel_and_settle(fetch, cancel, label, sleep=sleep, clock=clock)
        if on_interrupt is None:
            raise
        raise on_interrupt(last, outcome) from None
    # Timed out.
    log.warning("%s did not finish within %.1f s; cancelling it", label, timeout_s or 0.0)
    outcome = cancel_and_settle(fetch, cancel, label, sleep=sleep, clock=clock)
    if outcome.state == "COMPLETE" and outcome.status is not None:
        # It finished while we were cancelling: its result is real, so report it.
        return outcome.status
    if on_timeout is not None:
        raise on_timeout(last, outcome)
    final = outcome.status or last
    what = (
        f"it was cancelled ({outcome.state})"
        if outcome.confirmed
        else "cancelling it was not confirmed, so it may still be running"
    )
    raise TaskTimeoutError(f"{label} did not finish within {timeout_s:g} s; {what}.", result=final)


def cancel_and_settle(
    fetch: Callable[[], TaskStatus],
    cancel: Callable[[], TaskStatus | None],
    label: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> CancelOutcome:
    """Cancel the server task and wait (bounded) for it to reach a terminal state.

    Never raises: a failed cancel, a failed status poll and a second Ctrl-C are all reported in
    the returned `CancelOutcome`, so the caller can say exactly what the server confirmed.
    """
    try:
        status = cancel()
    except KeyboardInterrupt:
        log.warning("Interrupted again: not waiting for %s to be cancelled", label)
        return CancelOutcome(interrupted=True)
    except Exception as exc:  # reported to the user by the caller, with what to do
        log.warning("Could not cancel %s: %s", label, exc)
        return CancelOutcome(error=exc)
    deadline = clock() + CANCEL_WAIT_S
    delays = poll_delays(initial_s=0.1, cap_s=2.0)
    try:
        while status is None or status.task_state not in TERMINAL_STATES:
            remaining = deadline - clock()
            if remaining <= 0:
                log.warning("%s was still %s after cancelling", label, status and status.task_state)
                break
            sleep(min(next(delays), remaining))
            try:
                status = fetch()
            except Exception as exc:
                log.warning("Status of %s after cancelling unavailable: %s", label, exc)
    except KeyboardInterrupt:
        log.warning("Interrupted again: not waiting for %s to be cancelled", label)
        return CancelOutcome(status=status, interrupted=True)
    return CancelOutcome(status=status)
