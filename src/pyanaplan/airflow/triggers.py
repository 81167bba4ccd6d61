"""`AnaplanTaskTrigger`: waits in the triggerer for an Anaplan task to end.

The operator starts the task and defers; this trigger polls the task's status (one GET per
interval, through `_poll`, which keeps the event loop free) and fires one event when the task
has ended, when polling fails for good, or at the operator's deadline. The worker then resumes
and collects the result (dumps, export output, the outcome decision) with the library, so
nothing about outcomes is decided here.

Event payloads (all carry the `TaskRef` fields):

| `status`  | when                                                   | extra keys        |
| --------- | ------------------------------------------------------ | ----------------- |
| `ended`   | the task is COMPLETE or CANCELLED                      | `state`           |
| `timeout` | the deadline passed and the task is still going        | `state`           |
| `error`   | a non-transient error, or too many failed polls in a row | `message`, `hint` |

A triggerer restart re-creates the trigger from `serialize()` and it carries on polling the same
task; only a user's mark-failed or clear calls `on_kill`, which cancels the Anaplan task.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from pyanaplan import AnaplanError, RateLimitedError, ServerError, TransportError
from pyanaplan.airflow import _poll
from pyanaplan.airflow._poll import TaskRef

__all__ = ["DEFAULT_POLL_INTERVAL_S", "MAX_TRANSIENT_ERRORS", "AnaplanTaskTrigger"]

#: Anaplan asks for no more than one status request per task every 5 s (api-notes §4.6.4).
DEFAULT_POLL_INTERVAL_S = 5.0
#: Consecutive failed polls tolerated (each after the client's own retries).
MAX_TRANSIENT_ERRORS = 5

_TRANSIENT = (TransportError, ServerError, RateLimitedError)


class AnaplanTaskTrigger(BaseTrigger):
    """Fires once the Anaplan task has ended (or the deadline passed, or polling failed).

    Args:
        anaplan_conn_id, kind, workspace_id, model_id, object_id, object_name, task_id: The
            task (see `TaskRef`).
        poll_interval_s: Seconds between status requests.
        deadline: Wall-clock time (epoch seconds) after which a `timeout` event fires; None
            waits as long as the task runs.
    """

    def __init__(
        self,
        *,
        anaplan_conn_id: str,
        kind: str,
        workspace_id: str,
        model_id: str,
        object_id: str,
        object_name: str,
        task_id: str,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
        deadline: float | None = None,
    ) -> None:
        super().__init__()
        self.ref = TaskRef(
            anaplan_conn_id=anaplan_conn_id,
            kind=kind,
            workspace_id=workspace_id,
            model_id=model_id,
            object_id=object_id,
            object_name=object_name,
            task_id=task_id,
        )
        self.poll_interval_s = float(poll_interval_s)
        self.deadline = deadline

    @classmethod
    def for_task(
        cls, ref: TaskRef, *, poll_interval_s: float, deadline: float | None
    ) -> AnaplanTaskTrigger:
        """The trigger for one `TaskRef`."""
        return cls(**ref.as_dict(), poll_interval_s=poll_interval_s, deadline=deadline)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                **self.ref.as_dict(),
                "poll_interval_s": self.poll_interval_s,
                "deadline": self.deadline,
            },
        )

    def _event(self, status: str, **extra: Any) -> TriggerEvent:
        return TriggerEvent({"status": status, **self.ref.as_dict(), **extra})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        failures = 0
        while True:
            try:
                result = await _poll.fetch_task(self.ref)
            except _TRANSIENT as exc:
                failures += 1
                if failures > MAX_TRANSIENT_ERRORS:
                    yield self._error(exc, f"{failures} status requests in a row failed: ")
                    return
                self.log.warning(
                    "Status of Anaplan %s failed (%s); polling on", self.ref.describe(), exc
                )
            except AnaplanError as exc:
                yield self._error(exc)
                return
            else:
                failures = 0
                if result.terminal:
                    yield self._event("ended", state=result.state)
                    return
                self.log.info(
                    "Anaplan %s is %s (%.0f%%) %s",
                    self.ref.describe(),
                    result.state,
                    result.progress * 100,
                    result.current_step,
                )
                if self.deadline is not None and time.time() >= self.deadline:
                    yield self._event("timeout", state=result.state)
                    return
            await asyncio.sleep(self._next_sleep())

    def _next_sleep(self) -> float:
        if self.deadline is None:
            return self.poll_interval_s
        return max(0.0, min(self.poll_interval_s, self.deadline - time.time()))

    def _error(self, exc: AnaplanError, prefix: str = "") -> TriggerEvent:
        return self._event("error", message=prefix + exc.message, hint=exc.hint)

    async def on_kill(self) -> None:
        """A user marked the deferred task failed or cleared it: cancel the Anaplan task."""
        self.log.info("Cancelling Anaplan %s", self.ref.describe())
        result = await _poll.cancel_task(self.ref)
        self.log.info("Anaplan %s is now %s", self.ref.describe(), result.state)
