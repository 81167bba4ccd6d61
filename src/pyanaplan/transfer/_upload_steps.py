"""The protocol steps of an upload: start (or create) the file, complete it, verify it.

`upload.py` moves the bytes; this module holds the calls around them, each checked against what
the server answers: the file id must be the one asked for (an unknown id makes the server create a
stray file, api-notes §10.13), a new file is never created twice, and after `complete` the chunk
list (and, for small sources, the content itself) must be what was sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from pyanaplan.errors import AnaplanError, NotFoundError, ServerError, TransferError, TransportError
from pyanaplan.http._session import ApiSession
from pyanaplan.transfer._journal import UploadJournal
from pyanaplan.transfer.progress import ProgressCallback

__all__ = [
    "VERIFY_CONTENT_MAX",
    "UploadContext",
    "chunk_ids_or_none",
    "complete_and_verify",
    "list_chunk_ids",
    "start_upload",
    "verify_content",
]

log = logging.getLogger(__name__)

#: Sources up to this size are downloaded again after `complete` and compared by SHA-256: cheap
#: enough to do always, and the only way to notice another machine's upload mixed into ours.
VERIFY_CONTENT_MAX = 8 * 1024 * 1024
# Read/write timeout for the complete call (per socket operation).
_LONG_TIMEOUT_S = 300.0


@dataclass
class UploadContext:
    """What every step needs: the session, where the file is, and progress reporting."""

    session: ApiSession
    workspace_id: str
    model_id: str
    file_name: str
    on_progress: ProgressCallback | None

    def files_path(self) -> str:
        return f"/workspaces/{self.workspace_id}/models/{self.model_id}/files"

    def file_path(self, file_id: str) -> str:
        return f"{self.files_path()}/{file_id}"

    def label(self, file_id: str | None) -> str:
        return f"file '{self.file_name}' ({file_id or 'new'}) in model {self.model_id}"


def start_upload(ctx: UploadContext, file_id: str | None) -> str:
    """POST chunkCount -1 and return the server file id (creating the file when asked)."""
    if file_id is None:
        return _create_file(ctx)
    # POSTing to an id that does not exist creates a stray file named after the id (api-notes
    # §10.13), and DELETE cannot remove a file definition (api-notes §4.5.7): check that the file
    # exists first.
    if chunk_ids_or_none(ctx.session, ctx.file_path(file_id)) is None:
        raise _vanished(ctx, file_id, None)
    body = {"id": file_id, "name": ctx.file_name, "chunkCount": -1}
    response = ctx.session.request("POST", ctx.file_path(file_id), json=body, retry=True)
    got = _file_id_of(response.json())
    if got != file_id:
        # api-notes §10.13: the id no longer exists, so the server made a new file named after it.
        if got:
            _delete_quietly(ctx, got)
        raise _vanished(ctx, file_id, got)
    return file_id


def _vanished(ctx: UploadContext, file_id: str, created: str | None) -> TransferError:
    extra = (
        f" The server created an empty file {created!r} named after the id instead."
        if created
        else ""
    )
    return TransferError(
        f"{ctx.label(file_id)} does not exist; nothing was uploaded.{extra}",
        hint="List the model's files; pass create=True (--create) to create a new file.",
    )


def _create_file(ctx: UploadContext) -> str:
    """Create a file by POSTing to its name (api-notes §4.5.1); never blindly repeated (no
    duplicates)."""
    body = {"name": ctx.file_name, "chunkCount": -1}
    path = f"{ctx.files_path()}/{quote(ctx.file_name, safe='')}"
    try:
        response = ctx.session.request("POST", path, json=body, retry=False)
    except (TransportError, ServerError):
        # Ambiguous: the file may exist now. Adopt it rather than create a second one.
        existing = _find_file_by_name(ctx)
        if existing is None:
            response = ctx.session.request("POST", path, json=body, retry=False)
        else:
            return start_upload(ctx, existing)
    got = _file_id_of(response.json())
    if not got:
        raise TransferError(f"The server did not return an id for new {ctx.label(None)}.")
    log.info("Created %s", ctx.label(got))
    return got


def _find_file_by_name(ctx: UploadContext) -> str | None:
    for item in ctx.session.paged(ctx.files_path(), "files"):
        if item.get("name") == ctx.file_name and item.get("id"):
            return str(item["id"])
    return None


def complete_and_verify(
    ctx: UploadContext,
    server_id: str,
    count: int,
    journal: UploadJournal | None,
    *,
    size: int,
    sha256: str,
) -> None:
    body = {"id": server_id, "name": ctx.file_name, "chunkCount": count}
    response = ctx.session.request(
        "POST",
        f"{ctx.file_path(server_id)}/complete",
        json=body,
        timeout_s=_LONG_TIMEOUT_S,
        retry=True,
    )
    reported = _file_of(response.json()).get("chunkCount")
    listed = list_chunk_ids(ctx.session, ctx.file_path(server_id))
    expected = [str(i) for i in range(count)]
    problem = None
    if reported is not None and _as_int(reported) != count:
        problem = f"the server reports {reported} chunks after completing"
    elif sorted(listed, key=_chunk_order) != expected:
        problem = f"the server lists {len(listed)} chunks ({_abbrev(listed)})"
    if problem is not None:
        if journal is not None:
            journal.discard()
        raise TransferError(
            f"Upload of {ctx.label(server_id)} did not arrive intact: {count} chunks were sent, "
            f"but {problem}; another upload to the same file may have mixed in.",
            hint="Make sure nothing else uploads to this file, then run the upload again; it "
            "starts over.",
        )
    verify_content(ctx, server_id, size, sha256, journal)
    if journal is not None:
        journal.discard()


def verify_content(
    ctx: UploadContext, file_id: str, size: int, sha256: str, journal: UploadJournal | None
) -> None:
    """For a small source, download the server's content and compare it with what was sent.

    A concurrent upload from another machine can leave the chunk count right and the bytes
    mixed; only the bytes tell. Larger sources are not read back (it would double the traffic).
    """
    if size > VERIFY_CONTENT_MAX:
        return
    from pyanaplan.transfer.download import download_file  # download imports nothing of ours

    got = download_file(
        ctx.session,
        _Discard(),
        workspace_id=ctx.workspace_id,
        model_id=ctx.model_id,
        file_id=file_id,
        file_name=ctx.file_name,
        resume=False,
    )
    if got.size == size and got.sha256 == sha256:
        return
    if journal is not None:
        journal.discard()
    raise TransferError(
        f"Upload of {ctx.label(file_id)} did not arrive intact: the server now holds "
        f"{got.size} bytes that differ from the {size} bytes sent; another upload to the same "
        "file may have mixed in.",
        hint="Make sure nothing else uploads to this file, then run the upload again; it "
        "starts over.",
    )


class _Discard:
    """A write-only sink that keeps nothing (the download's own SHA-256 is what we compare)."""

    def write(self, data: bytes) -> int:
        return len(data)


def list_chunk_ids(session: ApiSession, file_path: str) -> list[str]:
    """The chunk ids the server lists for a file (`chunks` may be omitted when empty,
    api-notes §10.4)."""
    return [str(c.get("id")) for c in session.paged(f"{file_path}/chunks", "chunks")]


def chunk_ids_or_none(session: ApiSession, file_path: str) -> set[str] | None:
    try:
        return set(list_chunk_ids(session, file_path))
    except NotFoundError:
        return None


def _delete_quietly(ctx: UploadContext, file_id: str) -> None:
    try:
        ctx.session.request("DELETE", ctx.file_path(file_id))
    except AnaplanError as exc:
        log.warning("Could not delete stray file %s: %s", file_id, exc)


def _file_of(body: Any) -> dict[str, Any]:
    if isinstance(body, dict):
        file = body.get("file")
        if isinstance(file, dict):
            return file
    return {}


def _file_id_of(body: Any) -> str:
    raw = _file_of(body).get("id")
    return "" if raw is None else str(raw)


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _chunk_order(chunk_id: str) -> tuple[int, str]:
    return (int(chunk_id), "") if chunk_id.isdigit() else (1 << 62, chunk_id)


def _abbrev(ids: list[str], limit: int = 8) -> str:
    ordered = sorted(ids, key=_chunk_order)
    shown = ", ".join(ordered[:limit])
    return shown + (", …" if len(ordered) > limit else "") if ordered else "none"
