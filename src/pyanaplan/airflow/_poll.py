"""The triggerer's two Anaplan calls (task status, cancel), as coroutines: the one place to
switch to an async client.

Until pyanaplan has an `AsyncClient`, each call runs the sync `Client` in `asyncio.to_thread`,
so the triggerer's event loop never blocks: every in-flight trigger costs one short thread hop
per poll, not a thread for the whole wait. One `Client` per connection is shared by all the
triggers of a triggerer process (it is thread-safe; names and tokens are cached once). When
`AsyncClient` lands, `fetch_task` and `cancel_task` become `await client.task(…)` and
`await client.cancel_task(…)` on a shared `AsyncClient`, and nothing else in the provider
changes.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from pyanaplan import AuthenticationError

if TYPE_CHECKING:
    from pyanaplan import Client, TaskResult

__all__ = ["TaskRef", "cancel_task", "drop_clients", "fetch_task"]


@dataclass(frozen=True)
class TaskRef:
    """One Anaplan task, by IDs (what a trigger is serialized with).

    Attributes:
        anaplan_conn_id: The Airflow connection to reach it with.
        kind: "import", "export", "action" or "process".
        workspace_id, model_id, object_id: Where it runs and what it runs.
        object_name: The object's name (for messages).
        task_id: The Anaplan task id.
    """

    anaplan_conn_id: str
    kind: str
    workspace_id: str
    model_id: str
    object_id: str
    object_name: str
    task_id: str

    def as_dict(self) -> dict[str, str]:
        """Plain data for trigger kwargs, events and XCom."""
        return asdict(self)

    def describe(self) -> str:
        """E.g. "import 'Sales from Sales.csv' (112000000003), task 1B1D…"."""
        return f"{self.kind} '{self.object_name}' ({self.object_id}), task {self.task_id}"


_clients: dict[str, Client] = {}
_lock = threading.Lock()


def _client(conn_id: str) -> Client:
    """The process's shared client for a connection (built on first use, in a worker thread:
    reading the connection is a blocking call to Airflow)."""
    with _lock:
        found = _clients.get(conn_id)
    if found is not None:
        return found
    from pyanaplan.airflow.hooks import AnaplanHook

    built = AnaplanHook(conn_id).get_conn()
    with _lock:
        return _clients.setdefault(conn_id, built)


def _forget(conn_id: str) -> None:
    # After a refused sign-in the connection may have been fixed: the next call rebuilds it.
    with _lock:
        client = _clients.pop(conn_id, None)
    if client is not None:
        client.close()


def _call(ref: TaskRef, method: str) -> TaskResult:
    client = _client(ref.anaplan_conn_id)
    call: Any = getattr(client, method)
    try:
        result: TaskResult = call(
            ref.kind, ref.object_id, ref.task_id, workspace=ref.workspace_id, model=ref.model_id
        )
    except AuthenticationError:
        _forget(ref.anaplan_conn_id)
        raise
    return result


async def fetch_task(ref: TaskRef) -> TaskResult:
    """The task's status now (one GET; no dumps). Raises what `Client.task` raises."""
    return await asyncio.to_thread(_call, ref, "task")


async def cancel_task(ref: TaskRef) -> TaskResult:
    """Ask Anaplan to cancel the task (DELETE). Raises what `Client.cancel_task` raises."""
    return await asyncio.to_thread(_call, ref, "cancel_task")


def drop_clients() -> None:
    """Close and forget every shared client (tests; a triggerer never needs to)."""
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()
