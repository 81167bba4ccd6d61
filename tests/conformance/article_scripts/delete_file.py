"""deleteFile: DELETE the user's uploaded content of a file and print the status code."""

from __future__ import annotations

import httpx2

from ._common import ScriptSettings


def delete_file(settings: ScriptSettings, http: httpx2.Client, *, file_id: str) -> int:
    """Return the HTTP status of the DELETE (the script prints it)."""
    response = http.delete(f"{settings.model_url}/files/{file_id}", headers=settings.headers())
    return response.status_code
