"""getWorkspaces: list the workspaces the user can see (bare array of `{guid, name}`,
api-notes §5)."""

from __future__ import annotations

import httpx2

from ._common import ScriptSettings


def get_workspaces(settings: ScriptSettings, http: httpx2.Client) -> list[tuple[str, str]]:
    """Return (guid, name) per workspace, as the script prints them."""
    response = http.get(f"{settings.base}/workspaces/", headers=settings.headers())
    response.raise_for_status()
    return [(ws["guid"], ws["name"]) for ws in response.json()]
