"""RetryPolicy decisions with a fake clock, Retry-After parsing, and which calls are idempotent."""

from __future__ import annotations

import email.utils

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyanaplan.http import RetryPolicy, is_idempotent, parse_retry_after


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def policy(clock: FakeClock, **kw: object) -> RetryPolicy:
    return RetryPolicy(clock=clock, sleep=clock.sleep, random=lambda: 1.0, **kw)  # type: ignore[arg-type]


def test_backoff_is_exponential_and_capped_at_top_of_jitter() -> None:
    clock = FakeClock()
    p = policy(clock, base_s=0.5, max_backoff_s=3.0, attempts=10)
    assert [p.backoff_s(n) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_full_jitter_scales_with_random() -> None:
    p = RetryPolicy(base_s=2.0, random=lambda: 0.25)
    assert p.backoff_s(2) == pytest.approx(0.25 * 8.0)
    assert RetryPolicy(random=lambda: 0.0).backoff_s(3) == 0.0


def test_gives_up_after_attempts() -> None:
    clock = FakeClock()
    p = policy(clock, attempts=3)
    assert p.delay_s(1, started_at=clock.now) is not None
    assert p.delay_s(2, started_at=clock.now) is not None
    assert p.delay_s(3, started_at=clock.now) is None


def test_deadline_stops_retries_that_would_overrun() -> None:
    clock = FakeClock()
    p = policy(clock, attempts=100, base_s=10, max_backoff_s=10, deadline_s=25)
    started = clock.now
    assert p.delay_s(1, started_at=started) == 10
    clock.now += 10
    assert p.delay_s(2, started_at=started) == 10
    clock.now += 10
    assert p.delay_s(3, started_at=started) is None  # 20 + 10 > 25


def test_retry_after_overrides_backoff_and_is_capped() -> None:
    clock = FakeClock()
    p = policy(clock, max_retry_after_s=5)
    assert p.delay_s(1, started_at=clock.now, retry_after_s=2) == 2
    assert p.delay_s(1, started_at=clock.now, retry_after_s=500) == 5


def test_retryable_statuses() -> None:
    p = RetryPolicy()
    assert all(p.is_retryable_status(s) for s in (409, 429, 500, 502, 503, 504))
    assert not any(p.is_retryable_status(s) for s in (400, 401, 403, 404, 422, 423, 501))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        ("-4", 0.0),
        ("9999", 120.0),
        ("", None),
        (None, None),
        ("soon", None),
        ("nan", None),
    ],
)
def test_parse_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date() -> None:
    now = 1_750_000_000.0
    header = email.utils.formatdate(now + 7, usegmt=True)
    assert parse_retry_after(header, now=now) == pytest.approx(7.0)
    past = email.utils.formatdate(now - 60, usegmt=True)
    assert parse_retry_after(past, now=now) == 0.0
    far = email.utils.formatdate(now + 3600, usegmt=True)
    assert parse_retry_after(far, now=now, cap_s=30) == 30.0


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/workspaces/w/models/m/files", True),
        ("PUT", "/workspaces/w/models/m/files/113/chunks/0", True),
        ("DELETE", "/workspaces/w/models/m/files/113", True),
        ("POST", "/workspaces/w/models/m/files/113000000001", True),  # chunk count
        ("POST", "/workspaces/w/models/m/files/113000000001/complete", True),
        ("POST", "/workspaces/w/models/m/imports/112000000001/tasks", False),
        ("POST", "/workspaces/w/models/m/processes/118000000001/tasks", False),
        ("POST", "/models/m/open", False),
    ],
)
def test_idempotency_classification(method: str, path: str, expected: bool) -> None:
    assert is_idempotent(method, path) is expected


@given(
    attempt=st.integers(min_value=0, max_value=200),
    base=st.floats(min_value=0.001, max_value=10),
    cap=st.floats(min_value=0.001, max_value=120),
    r=st.floats(min_value=0, max_value=0.999999),
)
def test_backoff_always_within_zero_and_cap(
    attempt: int, base: float, cap: float, r: float
) -> None:
    p = RetryPolicy(base_s=base, max_backoff_s=cap, random=lambda: r)
    assert 0.0 <= p.backoff_s(attempt) <= cap


@given(st.text(max_size=40))
def test_parse_retry_after_never_raises_and_stays_in_bounds(value: str) -> None:
    parsed = parse_retry_after(value, cap_s=60)
    assert parsed is None or 0.0 <= parsed <= 60


@given(
    attempts=st.integers(min_value=1, max_value=20),
    deadline=st.floats(min_value=0.1, max_value=100),
)
def test_total_sleep_never_exceeds_deadline(attempts: int, deadline: float) -> None:
    clock = FakeClock()
    p = RetryPolicy(
        attempts=attempts, deadline_s=deadline, base_s=1, max_backoff_s=30,
        clock=clock, sleep=clock.sleep, random=lambda: 0.9,
    )  # fmt: skip
    started = clock.now
    failures = 0
    for _ in range(100):
        failures += 1
        delay = p.delay_s(failures, started_at=started)
        if delay is None:
            break
        clock.sleep(delay)
    assert failures <= attempts
    assert sum(clock.slept) <= deadline
