"""RetryPolicy: which failures are retried, and how long to wait before the next attempt.

Pure decisions (no I/O): the session asks `delay_s(...)` after each failed attempt and sleeps
through the injected `sleep`. Tests pass a fake clock and sleep.
"""

from __future__ import annotations

import email.utils
import random as _random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["RetryPolicy", "parse_retry_after"]

# 409 is a busy model (reference §10.19): on an idempotent request (GET, chunk PUT, complete)
# waiting and asking again is safe and usually succeeds. Non-idempotent requests (task starts)
# never retry statuses other than 429, so a 409 there still ends as ConflictError.
RETRYABLE_STATUSES = frozenset({409, 429, 500, 502, 503, 504})


def parse_retry_after(
    value: str | None, *, now: float | None = None, cap_s: float = 120.0
) -> float | None:
    """Parse a Retry-After header: delay in seconds or an HTTP date (reference §7, §10.19).

    Args:
        value: The header value, or None.
        now: Current wall-clock time (epoch seconds) to measure an HTTP date against.
        cap_s: Upper bound; a server asking for longer is not trusted blindly.

    Returns:
        Seconds to wait (0..cap_s), or None when the header is absent or unparseable.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        current = time.time() if now is None else now
        seconds = when.timestamp() - current
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(seconds, cap_s))


@dataclass(frozen=True)
class RetryPolicy:
    """How to retry transient failures: 429, 409 (busy), 5xx and connection errors.

    Backoff is exponential with full jitter: attempt n waits
    `random() * min(max_backoff_s, base_s * 2**n)`, unless the server sent Retry-After (then
    that, capped). No attempt starts after `deadline_s` has passed since the first one.

    Attributes:
        attempts: Total tries including the first (1 disables retries).
        base_s: Backoff base in seconds.
        max_backoff_s: Cap of one computed backoff.
        deadline_s: Overall time budget for one request including retries.
        max_retry_after_s: Cap on a server-requested Retry-After.
        statuses: HTTP statuses that are retryable for idempotent requests.
        sleep: Sleeps the given seconds; injected for tests.
        clock: Monotonic seconds; injected for tests.
        random: A float in [0, 1) for the jitter; injected for tests.
    """

    attempts: int = 5
    base_s: float = 0.5
    max_backoff_s: float = 30.0
    deadline_s: float = 300.0
    max_retry_after_s: float = 120.0
    statuses: frozenset[int] = RETRYABLE_STATUSES
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    random: Callable[[], float] = field(default=_random.random, repr=False, compare=False)

    def backoff_s(self, attempt: int) -> float:
        """Full-jitter backoff before retry number `attempt` (0 for the first retry)."""
        ceiling = min(self.max_backoff_s, self.base_s * (2 ** min(attempt, 30)))
        return self.random() * ceiling

    def is_retryable_status(self, status: int) -> bool:
        """True for a status this policy retries on idempotent requests."""
        return status in self.statuses

    def delay_s(
        self,
        attempt: int,
        *,
        started_at: float,
        retry_after_s: float | None = None,
    ) -> float | None:
        """Decide whether to try again after a retryable failure.

        Args:
            attempt: How many attempts have failed so far (1 after the first failure).
            started_at: `clock()` value when the first attempt started.
            retry_after_s: Parsed Retry-After, if the server sent one.

        Returns:
            Seconds to sleep before the next attempt, or None to give up.
        """
        if attempt >= self.attempts:
            return None
        if retry_after_s is not None:
            delay = min(max(retry_after_s, 0.0), self.max_retry_after_s)
        else:
            delay = self.backoff_s(attempt - 1)
        if self.clock() + delay - started_at > self.deadline_s:
            return None
        return delay


NO_RETRY = RetryPolicy(attempts=1)
