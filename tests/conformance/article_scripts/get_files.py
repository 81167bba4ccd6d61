"""getFiles: list the model's files; the script iterates `f['id']` and `f['name']`
(api-notes §5)."""

from __future__ import annotations

import httpx2

from ._common import ScriptSettings


def get_files(settings: ScriptSettings, http: httpx2.Client) -> list[dict]:
    """Return the bare file objects (the script prints id, name and chunkCount)."""
    response = http.get(f"{settings.model_url}/files", headers=settings.headers())
    response.raise_for_status()
    files = response.json()
    for f in files:
        # The script prints these three; a v2 envelope would fail right here.
        _ = (f["id"], f["name"], f["chunkCount"])
    return files
