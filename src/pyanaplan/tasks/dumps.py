"""Download failure dumps of a failed task into a directory (reference §4.7).

Import dumps live at `…/imports/{id}/tasks/{taskId}/dump`; a process has one dump per failed
import, at `…/processes/{id}/tasks/{taskId}/dumps/{objectId}`. Both are fetched through the chunk
list first (`…/chunks`, ≤ 10 MB chunks) and the same chunked download as files
(`transfer.download.download_chunked`); when the chunk list is refused, the whole dump is fetched
in one GET. A 204 means there is no dump. A 404 means it expired or was replaced by a later run
(§10.17): that is logged as a warning, not raised, since the task's own failure is what matters.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pyanaplan.errors import APIError, NotFoundError
from pyanaplan.http._session import ApiSession
from pyanaplan.tasks.results import TaskResult
from pyanaplan.transfer._local_names import safe_file_name
from pyanaplan.transfer.download import download_chunked

__all__ = ["DEFAULT_DUMP_DIR_NAME", "default_dump_dir", "download_dumps"]

log = logging.getLogger(__name__)

#: Dumps go to `./anaplan-dumps/` unless the caller names a directory: next to where the user
#: ran the job, where they will look for it.
DEFAULT_DUMP_DIR_NAME = "anaplan-dumps"


def default_dump_dir() -> Path:
    """`<current directory>/anaplan-dumps`."""
    return Path.cwd() / DEFAULT_DUMP_DIR_NAME


def download_dumps(
    session: ApiSession,
    result: TaskResult,
    *,
    workspace_id: str,
    model_id: str,
    dump_dir: Path | None = None,
) -> list[Path]:
    """Download every failure dump of a finished task.

    Args:
        session: The API session.
        result: The task's parsed result (import or process; other kinds have no dumps).
        workspace_id: Workspace id.
        model_id: Model id.
        dump_dir: Directory to write into (created if missing); None for `./anaplan-dumps`.

    Returns:
        Paths of the dumps written (CSV), in run order; empty when there were none.
    """
    directory = Path(dump_dir) if dump_dir is not None else default_dump_dir()
    base = f"/workspaces/{workspace_id}/models/{model_id}"
    paths: list[Path] = []
    if result.kind == "import" and result.failure_dump_available:
        dump = f"{base}/imports/{result.object_id}/tasks/{result.task_id}/dump"
        target = directory / _file_name(result.object_name or result.object_id, result.task_id)
        saved = fetch_dump(session, dump, target, label=f"dump of {result.describe()}")
        if saved is not None:
            paths.append(saved)
    elif result.kind == "process":
        for nested in result.nested:
            if not nested.failure_dump_available or not nested.object_id:
                continue
            dump = (
                f"{base}/processes/{result.object_id}/tasks/{result.task_id}"
                f"/dumps/{nested.object_id}"
            )
            parent = result.object_name or result.object_id
            name = f"{parent} - {nested.object_name or nested.object_id}"
            target = directory / _file_name(name, result.task_id)
            saved = fetch_dump(session, dump, target, label=f"dump of {nested.object_id}")
            if saved is not None:
                paths.append(saved)
    return paths


def fetch_dump(session: ApiSession, dump_path: str, target: Path, *, label: str) -> Path | None:
    """Fetch one dump (chunk list first, whole GET as fallback) into `target`.

    Returns:
        `target`, or None when the server has no dump (204) or it is gone (404/410, warned).
    """
    try:
        try:
            ids = [str(c.get("id")) for c in session.paged(f"{dump_path}/chunks", "chunks")]
        except NotFoundError:
            raise
        except APIError as exc:
            # Some tenants refuse the chunk list (400, §4.7.1); the whole dump still works.
            log.debug("Chunk list of %s refused (%s); fetching it whole", label, exc.status)
            ids = []
        target.parent.mkdir(parents=True, exist_ok=True)
        result = download_chunked(
            session,
            target,
            chunks_path=f"{dump_path}/chunks",
            chunk_path=lambda chunk_id: f"{dump_path}/chunks/{chunk_id}",
            whole_path=dump_path,
            label=label,
            resume=False,
            chunk_ids=ids,
            empty_ok=True,
        )
    except NotFoundError:
        log.warning("The %s is no longer available (expired or replaced by a later run)", label)
        return None
    except APIError as exc:
        if exc.status == 410:
            log.warning("The %s is no longer available (410)", label)
            return None
        raise
    if result is None:
        return None
    return result.path


def _file_name(name: str, task_id: str) -> str:
    # Server names (an import called "../x") never leave the dump directory.
    return safe_file_name(f"{safe_file_name(name, fallback='dump', max_bytes=80)} - {task_id}.csv")
