"""The one request the Import, Export and Process scripts share: start a task (api-notes §5)."""

from __future__ import annotations

import httpx2

from ._common import ScriptSettings


def start_task(settings: ScriptSettings, http: httpx2.Client, kind: str, object_id: str) -> str:
    """POST `{localeName: en_US}` to `{kind}/{object_id}/tasks`; v1.3 answers a bare `{taskId}`."""
    response = http.post(
        f"{settings.model_url}/{kind}/{object_id}/tasks",
        headers=settings.headers(),
        json={"localeName": "en_US"},
    )
    response.raise_for_status()
    return response.json()["taskId"]
