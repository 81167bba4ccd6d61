"""Import: start an import task and print its ID."""

from __future__ import annotations

import httpx2

from ._common import ScriptSettings
from ._tasks import start_task


def run_import(settings: ScriptSettings, http: httpx2.Client, *, import_id: str) -> str:
    """Start the import; return the task ID the script prints."""
    return start_task(settings, http, "imports", import_id)
