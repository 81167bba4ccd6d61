"""processStatus: read the newest process task and fetch each failed import's dump.

For every `result.nestedResults[]` entry with `failureDumpAvailable`, the script downloads
`…/processes/{id}/tasks/{taskId}/dumps/{objectId}` (api-notes §4.7.2, §5).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx2

from ._common import ScriptSettings


@dataclass(frozen=True)
class ProcessStatus:
    """What the script prints, plus the dumps it writes (objectId -> CSV bytes)."""

    task_id: str
    task_state: str
    status: dict
    dumps: dict[str, bytes] = field(default_factory=dict)


def process_status(
    settings: ScriptSettings, http: httpx2.Client, *, process_id: str
) -> ProcessStatus:
    """Read the status of the newest task of `process_id` and collect nested dumps."""
    url = f"{settings.model_url}/processes/{process_id}/tasks"
    tasks = http.get(url, headers=settings.headers())
    tasks.raise_for_status()
    task_id = [x["taskId"] for x in tasks.json()][-1]
    status = http.get(f"{url}/{task_id}", headers=settings.headers())
    status.raise_for_status()
    f2 = status.json()
    dumps: dict[str, bytes] = {}
    if f2["taskState"] == "COMPLETE":
        for nested in f2["result"].get("nestedResults", []):
            if nested["failureDumpAvailable"]:
                object_id = nested["objectId"]
                got = http.get(f"{url}/{task_id}/dumps/{object_id}", headers=settings.headers())
                got.raise_for_status()
                dumps[object_id] = got.content
    return ProcessStatus(task_id=task_id, task_state=f2["taskState"], status=f2, dumps=dumps)
