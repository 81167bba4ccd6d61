"""importStatus: find the latest import task, read its status, fetch the dump if there is one.

The script lists the tasks (a bare array it iterates as `x['taskId']`), takes the last one, reads
`f2['taskState']` and `f2['result']['failureDumpAvailable']` from the bare status object, and on a
failure downloads `…/tasks/{taskId}/dump` (api-notes §5).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx2

from ._common import ScriptSettings


@dataclass(frozen=True)
class ImportStatus:
    """What the script prints (and writes, for the dump)."""

    task_id: str
    task_state: str
    status: dict
    dump: bytes | None


def import_status(settings: ScriptSettings, http: httpx2.Client, *, import_id: str) -> ImportStatus:
    """Read the status of the newest task of `import_id`."""
    url = f"{settings.model_url}/imports/{import_id}/tasks"
    tasks = http.get(url, headers=settings.headers())
    tasks.raise_for_status()
    task_id = ""
    for x in tasks.json():
        task_id = x["taskId"]  # the last one listed is the newest (ascending by creation)
    status = http.get(f"{url}/{task_id}", headers=settings.headers())
    status.raise_for_status()
    f2 = status.json()
    dump = None
    if f2["taskState"] == "COMPLETE" and f2["result"]["failureDumpAvailable"]:
        got = http.get(f"{url}/{task_id}/dump", headers=settings.headers())
        got.raise_for_status()
        dump = got.content
    return ImportStatus(task_id=task_id, task_state=f2["taskState"], status=f2, dump=dump)
