"""Process: start a process task and print its ID."""

from __future__ import annotations

import httpx2

from ._common import ScriptSettings
from ._tasks import start_task


def run_process(settings: ScriptSettings, http: httpx2.Client, *, process_id: str) -> str:
    """Start the process; return the task ID the script prints."""
    return start_task(settings, http, "processes", process_id)
