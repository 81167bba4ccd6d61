"""The engine's only source of time, so tests can jump ahead (token and 48 h file/dump expiry)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

MAX_OFFSET_S = 100 * 365 * 86400.0
"""How far ahead the clock may run: a century, so times stay valid dates and SQLite integers."""


class Clock:
    """Wall-clock time plus an adjustable offset.

    Args:
        source: the real time source in seconds (``time.time`` by default).
    """

    def __init__(self, source: Callable[[], float] = time.time) -> None:
        self._source = source
        self._offset_s = 0.0
        self._lock = threading.Lock()

    def now_s(self) -> float:
        """Current emulated time in epoch seconds."""
        with self._lock:
            return self._source() + self._offset_s

    def now_ms(self) -> int:
        """Current emulated time in epoch ms (the unit of ``expiresAt``/``creationTime``)."""
        return int(self.now_s() * 1000)

    def advance(self, seconds: float) -> float:
        """Move emulated time forward by ``seconds``; returns the total offset.

        Raises:
            ValueError: ``seconds`` is negative or not finite, or the offset would pass
                `MAX_OFFSET_S`. A NaN or infinite offset would poison every later timestamp.
        """
        seconds = float(seconds)
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("the clock only moves forward, by a finite number of seconds")
        with self._lock:
            if self._offset_s + seconds > MAX_OFFSET_S:
                raise ValueError(
                    f"the clock may run at most {MAX_OFFSET_S:.0f} seconds (100 years) ahead"
                )
            self._offset_s += seconds
            return self._offset_s

    def reset(self) -> None:
        """Back to real time."""
        with self._lock:
            self._offset_s = 0.0

    @property
    def offset_s(self) -> float:
        """Seconds the emulated clock is ahead of real time."""
        with self._lock:
            return self._offset_s
