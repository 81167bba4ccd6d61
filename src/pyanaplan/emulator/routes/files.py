"""Files (api-notes §4.4, §4.5): list, chunk count, chunk PUT/GET, complete,
single PUT, GET, DELETE."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pyanaplan.emulator.render import empty, model_schema, page, stream, success
from pyanaplan.emulator.routes._common import (
    api_model,
    call,
    model_routes,
    platform,
    read_json,
    sort_tolerant,
)
from pyanaplan.emulator.routes._uploads import receive_chunk, receive_whole


async def list_files(request: Request) -> Response:
    user, model = await api_model(request)
    items = await call(platform(request).files.list_files, model, user)
    items = sort_tolerant(request, items)
    return page(request, "files", items, model_schema(model.id, "file", listing=True))


async def set_chunk_count(request: Request) -> Response:
    user, model = await api_model(request)
    body = await read_json(request)
    file = await call(
        platform(request).files.set_chunk_count, model, user, request.path_params["file_id"], body
    )
    return success("file", file, model_schema(model.id, "file", listing=False))


async def put_chunk(request: Request) -> Response:
    user, model = await api_model(request)
    await receive_chunk(request, model, user)
    return empty(204)


async def put_file(request: Request) -> Response:
    user, model = await api_model(request)
    await receive_whole(request, model, user)
    return empty(204)


async def get_file(request: Request) -> Response:
    user, model = await api_model(request)
    pieces, size = await call(
        platform(request).files.read_whole, model, user, request.path_params["file_id"]
    )
    return stream(pieces, size, "application/octet-stream")


async def delete_file(request: Request) -> Response:
    user, model = await api_model(request)
    await call(platform(request).files.delete, model, user, request.path_params["file_id"])
    return empty(204)


async def complete(request: Request) -> Response:
    user, model = await api_model(request)
    body = await read_json(request)
    file = await call(
        platform(request).files.complete, model, user, request.path_params["file_id"], body
    )
    return success("file", file, model_schema(model.id, "file", listing=False))


async def list_chunks(request: Request) -> Response:
    user, model = await api_model(request)
    items = await call(
        platform(request).files.list_chunks, model, user, request.path_params["file_id"]
    )
    return page(request, "chunks", items, model_schema(model.id, "chunk", listing=True))


async def get_chunk(request: Request) -> Response:
    user, model = await api_model(request)
    pieces, size = await call(
        platform(request).files.read_chunk,
        model,
        user,
        request.path_params["file_id"],
        request.path_params["chunk_id"],
    )
    return stream(pieces, size, "application/octet-stream")


async def file_root(request: Request) -> Response:
    """``/files/{id}`` carries four verbs (api-notes §4.5.1, §4.5.4, §4.5.6, §4.5.7)."""
    handler = {
        "GET": get_file,
        "HEAD": get_file,  # Starlette adds HEAD to every GET route
        "POST": set_chunk_count,
        "PUT": put_file,
        "DELETE": delete_file,
    }[request.method]
    return await handler(request)


async def chunk_item(request: Request) -> Response:
    return await (put_chunk if request.method == "PUT" else get_chunk)(request)


ROUTES = [
    *model_routes("/files", list_files, ["GET"]),
    *model_routes("/files/{file_id}", file_root, ["GET", "POST", "PUT", "DELETE"]),
    *model_routes("/files/{file_id}/complete", complete, ["POST"]),
    *model_routes("/files/{file_id}/chunks", list_chunks, ["GET"]),
    *model_routes("/files/{file_id}/chunks/{chunk_id}", chunk_item, ["GET", "PUT"]),
]
