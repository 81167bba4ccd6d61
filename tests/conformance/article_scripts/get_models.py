"""getModels: list the models of the workspace `wGuid` (bare array of `{id, name}`,
api-notes §5)."""

from __future__ import annotations

import httpx2

from ._common import ScriptSettings


def get_models(settings: ScriptSettings, http: httpx2.Client) -> list[tuple[str, str]]:
    """Return (id, name) per model, as the script prints them."""
    url = f"{settings.base}/workspaces/{settings.workspace_guid}/models"
    response = http.get(url, headers=settings.headers())
    response.raise_for_status()
    return [(model["id"], model["name"]) for model in response.json()]
