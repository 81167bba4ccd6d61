"""Receiving file content: the body of a chunk PUT or single-shot PUT, streamed to disk.

Shared by the v2 routes (files.py) and the v1.3 tree (legacy.py), which differ only in how
they authenticate and render; the engine decides everything else (api-notes §4.5.2, §4.5.4).
"""

from __future__ import annotations

from starlette.requests import Request

from pyanaplan.emulator.engine.directory import User
from pyanaplan.emulator.engine.files import ChunkWriter
from pyanaplan.emulator.routes._common import call, platform
from pyanaplan.emulator.spec import ModelSpec

GZIP_TYPES = ("application/x-gzip", "application/gzip")


def is_gzip(request: Request) -> bool:
    """Chunk bodies are gzip when the client says `application/x-gzip` (api-notes §4.5.2)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    encoding = request.headers.get("content-encoding", "").strip().lower()
    return ctype in GZIP_TYPES or encoding == "gzip"


async def _receive_into(request: Request, writer: ChunkWriter) -> None:
    """Stream the body to disk piece by piece; a 50 MB chunk is never held in memory."""
    try:
        async for piece in request.stream():
            writer.feed(piece)
    except BaseException:
        writer.abort()
        raise


async def receive_chunk(request: Request, model: ModelSpec, user: User) -> None:
    """Store the body of `PUT …/files/{file_id}/chunks/{chunk_id}` for this user."""
    files = platform(request).files
    file_id = request.path_params["file_id"]
    chunk_no, writer = await call(
        files.begin_chunk,
        model,
        user,
        file_id,
        request.path_params["chunk_id"],
        gzip=is_gzip(request),
    )
    await _receive_into(request, writer)
    await call(files.store_chunk, model, user, file_id, chunk_no, writer)


async def receive_whole(request: Request, model: ModelSpec, user: User) -> None:
    """Store the body of a single-shot `PUT …/files/{file_id}` as the file's one chunk."""
    files = platform(request).files
    file_id = request.path_params["file_id"]
    writer = await call(files.begin_whole, model, user, file_id, gzip=is_gzip(request))
    await _receive_into(request, writer)
    await call(files.put_whole, model, user, file_id, writer)
