"""Export: start an export task and print its ID."""

from __future__ import annotations

import httpx2

from ._common import ScriptSettings
from ._tasks import start_task


def run_export(settings: ScriptSettings, http: httpx2.Client, *, export_id: str) -> str:
    """Start the export; return the task ID the script prints."""
    return start_task(settings, http, "exports", export_id)
