"""The task poller with a fake clock: schedule, terminal states, errors, timeout, Ctrl-C."""

from __future__ import annotations

import itertools

import pytest

from pyanaplan.errors import NotFoundError, ServerError, TaskFailedError, TransportError
from pyanaplan.models.tasks import TaskStatus
from pyanaplan.tasks.wait import (
    CANCEL_WAIT_S,
    MAX_TRANSIENT_ERRORS,
    POLL_CAP_S,
    POLL_STEADY_FOR_S,
    POLL_STEADY_S,
    CancelOutcome,
    TaskTimeoutError,
    poll_delays,
    wait_for_task,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


def status(state: str, progress: float = 0.0, step: str = "") -> TaskStatus:
    return TaskStatus.model_validate(
        {"taskId": "T1", "taskState": state, "progress": progress, "currentStep": step}
    )


class Server:
    """A scripted sequence of statuses (or exceptions); cancel flips to CANCELLING/CANCELLED."""

    def __init__(self, script: list, after_cancel: list | None = None) -> None:
        self.script = list(script)
        self.after_cancel = after_cancel
        self.polls = 0
        self.cancels = 0

    def fetch(self) -> TaskStatus:
        self.polls += 1
        item = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(item, BaseException):
            raise item
        return item

    def cancel(self) -> TaskStatus:
        self.cancels += 1
        if self.after_cancel is not None:
            self.script = list(self.after_cancel)
        return status("CANCELLING")


def test_schedule_starts_fast_and_caps() -> None:
    delays = list(itertools.islice(poll_delays(), 30))
    assert delays[0] <= 0.2
    assert all(b >= a for a, b in itertools.pairwise(delays))
    assert max(delays) == POLL_CAP_S
    assert sum(delays[:5]) < 2.0  # quick tasks are noticed quickly


def test_schedule_holds_short_polls_while_the_task_is_young() -> None:
    delays = list(itertools.islice(poll_delays(), 60))
    elapsed = list(itertools.accumulate(delays))
    young = [d for d, t in zip(delays, elapsed, strict=True) if t - d < POLL_STEADY_FOR_S]
    assert max(young) <= POLL_STEADY_S  # a task under ~10 s is noticed within 0.5 s
    assert delays[-1] == POLL_CAP_S


def test_returns_complete_and_reports_progress() -> None:
    fake = FakeClock()
    server = Server(
        [
            status("NOT_STARTED"),
            status("IN_PROGRESS", 0.5, "Processing ..."),
            status("IN_PROGRESS", 0.5, "Processing ..."),
            status("COMPLETE", 1.0, "Complete."),
        ]
    )
    seen: list[tuple[float, str]] = []
    final = wait_for_task(
        server.fetch,
        cancel=server.cancel,
        label="task",
        on_status=lambda s: seen.append((s.progress, s.current_step)),
        sleep=fake.sleep,
        clock=fake.clock,
    )
    assert final.task_state == "COMPLETE"
    assert server.polls == 4 and server.cancels == 0
    assert seen == [(0.0, ""), (0.5, "Processing ..."), (1.0, "Complete.")]


def test_cancelled_ends_the_wait_but_cancelling_does_not() -> None:
    fake = FakeClock()
    server = Server([status("CANCELLING")] * 3 + [status("CANCELLED")])
    final = wait_for_task(
        server.fetch, cancel=server.cancel, label="t", sleep=fake.sleep, clock=fake.clock
    )
    assert final.task_state == "CANCELLED"
    assert server.polls == 4


def test_a_few_transient_errors_are_tolerated() -> None:
    fake = FakeClock()
    flaky = [TransportError("reset"), ServerError("boom", status=503)] * 2
    server = Server([*flaky, status("COMPLETE")])
    final = wait_for_task(
        server.fetch, cancel=server.cancel, label="t", sleep=fake.sleep, clock=fake.clock
    )
    assert final.task_state == "COMPLETE"


def test_too_many_consecutive_errors_raise() -> None:
    fake = FakeClock()
    server = Server([TransportError("down")])
    with pytest.raises(TransportError):
        wait_for_task(
            server.fetch, cancel=server.cancel, label="t", sleep=fake.sleep, clock=fake.clock
        )
    assert server.polls == MAX_TRANSIENT_ERRORS + 1


def test_non_transient_errors_raise_at_once() -> None:
    fake = FakeClock()
    server = Server([NotFoundError("gone", status=404)])
    with pytest.raises(NotFoundError):
        wait_for_task(
            server.fetch, cancel=server.cancel, label="t", sleep=fake.sleep, clock=fake.clock
        )
    assert server.polls == 1


def test_timeout_cancels_the_server_task_and_waits_for_it() -> None:
    fake = FakeClock()
    server = Server(
        [status("IN_PROGRESS", 0.1)],
        after_cancel=[status("CANCELLING"), status("CANCELLED")],
    )
    with pytest.raises(TaskTimeoutError) as info:
        wait_for_task(
            server.fetch,
            cancel=server.cancel,
            label="Import 'x'",
            timeout_s=12.0,
            sleep=fake.sleep,
            clock=fake.clock,
        )
    assert server.cancels == 1
    assert info.value.result.task_state == "CANCELLED"
    assert isinstance(info.value, TaskFailedError) and isinstance(info.value, TimeoutError)
    assert "12 s" in str(info.value)
    assert 12.0 <= fake.now < 12.0 + CANCEL_WAIT_S


def test_timeout_gives_up_waiting_for_a_task_that_never_stops() -> None:
    fake = FakeClock()
    server = Server([status("IN_PROGRESS")], after_cancel=[status("CANCELLING")])
    with pytest.raises(TaskTimeoutError):
        wait_for_task(
            server.fetch,
            cancel=server.cancel,
            label="t",
            timeout_s=1.0,
            sleep=fake.sleep,
            clock=fake.clock,
        )
    assert fake.now <= 1.0 + CANCEL_WAIT_S + 1e-9
    assert len(fake.sleeps) < 200  # bounded


def test_completion_during_cancel_is_reported_not_raised() -> None:
    fake = FakeClock()
    server = Server([status("IN_PROGRESS")], after_cancel=[status("COMPLETE", 1.0)])
    final = wait_for_task(
        server.fetch, cancel=server.cancel, label="t", timeout_s=2.0, sleep=fake.sleep,
        clock=fake.clock,
    )  # fmt: skip
    assert final.task_state == "COMPLETE"


def test_keyboard_interrupt_cancels_then_reraises() -> None:
    fake = FakeClock()
    server = Server(
        [status("IN_PROGRESS"), KeyboardInterrupt()],
        after_cancel=[status("CANCELLED")],
    )
    with pytest.raises(KeyboardInterrupt):
        wait_for_task(
            server.fetch, cancel=server.cancel, label="t", sleep=fake.sleep, clock=fake.clock
        )
    assert server.cancels == 1


def _outcome_of_interrupt(server: Server, fake: FakeClock) -> CancelOutcome:
    seen: list[CancelOutcome] = []

    def on_interrupt(_last: TaskStatus | None, outcome: CancelOutcome) -> BaseException:
        seen.append(outcome)
        return KeyboardInterrupt()

    with pytest.raises(KeyboardInterrupt):
        wait_for_task(
            server.fetch, cancel=server.cancel, label="t", on_interrupt=on_interrupt,
            sleep=fake.sleep, clock=fake.clock,
        )  # fmt: skip
    (outcome,) = seen
    return outcome


def test_interrupt_reports_a_confirmed_cancel() -> None:
    server = Server(
        [status("IN_PROGRESS"), KeyboardInterrupt()], after_cancel=[status("CANCELLED")]
    )
    outcome = _outcome_of_interrupt(server, FakeClock())
    assert outcome.confirmed and outcome.state == "CANCELLED" and outcome.error is None


def test_interrupt_with_a_failing_cancel_is_not_confirmed() -> None:
    class Refusing(Server):
        def cancel(self) -> TaskStatus:
            self.cancels += 1
            raise ServerError("no", status=500)

    server = Refusing([status("IN_PROGRESS"), KeyboardInterrupt()])
    outcome = _outcome_of_interrupt(server, FakeClock())
    assert server.cancels == 1
    assert not outcome.confirmed and isinstance(outcome.error, ServerError)


def test_second_interrupt_while_cancelling_is_reported_not_raised() -> None:
    class Slow(Server):
        def cancel(self) -> TaskStatus:
            self.cancels += 1
            raise KeyboardInterrupt  # the user pressed Ctrl-C again during the DELETE

    server = Slow([status("IN_PROGRESS"), KeyboardInterrupt()])
    outcome = _outcome_of_interrupt(server, FakeClock())
    assert outcome.interrupted and not outcome.confirmed and outcome.state is None


def test_timeout_with_a_failing_cancel_does_not_claim_a_cancel() -> None:
    class Refusing(Server):
        def cancel(self) -> TaskStatus:
            raise TransportError("gone")

    fake = FakeClock()
    with pytest.raises(TaskTimeoutError) as info:
        wait_for_task(
            Refusing([status("IN_PROGRESS")]).fetch, cancel=Refusing([]).cancel, label="t",
            timeout_s=1.0, sleep=fake.sleep, clock=fake.clock,
        )  # fmt: skip
    assert "not confirmed" in str(info.value) and "was cancelled" not in str(info.value)
