"""Failure dumps (api-notes §4.7): import dumps, process nested dumps, and their chunk lists."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pyanaplan.emulator.render import empty, model_schema, page, stream
from pyanaplan.emulator.routes._common import api_model, call, model_routes, platform, task_kind

TEXT = "text/plain"


def _args(request: Request) -> tuple[str, str, str, str | None]:
    p = request.path_params
    return task_kind(request), p["object_id"], p["task_id"], p.get("nested_id")


async def dump(request: Request) -> Response:
    """Whole dump as text/plain CSV; 204 when the task has none; 404 when replaced or expired."""
    user, model = await api_model(request)
    found = await call(platform(request).dumps.dump, model, user, *_args(request))
    if found is None:
        return empty(204)
    pieces, size = found
    return stream(pieces, size, TEXT)


async def dump_chunks(request: Request) -> Response:
    user, model = await api_model(request)
    items = await call(platform(request).dumps.dump_chunks, model, user, *_args(request))
    return page(request, "chunks", items, model_schema(model.id, "chunk", listing=True))


async def dump_chunk(request: Request) -> Response:
    user, model = await api_model(request)
    kind, object_id, task_id, nested_id = _args(request)
    pieces, size = await call(
        platform(request).dumps.dump_chunk,
        model,
        user,
        kind,
        object_id,
        task_id,
        request.path_params["chunk_id"],
        nested_id,
    )
    return stream(pieces, size, TEXT)


BASE = "/{kind}/{object_id}/tasks/{task_id}"
ROUTES = [
    *model_routes(BASE + "/dump", dump, ["GET"]),
    *model_routes(BASE + "/dump/chunks", dump_chunks, ["GET"]),
    *model_routes(BASE + "/dump/chunks/{chunk_id}", dump_chunk, ["GET"]),
    *model_routes(BASE + "/dumps/{nested_id}", dump, ["GET"]),
    *model_routes(BASE + "/dumps/{nested_id}/chunks", dump_chunks, ["GET"]),
    *model_routes(BASE + "/dumps/{nested_id}/chunks/{chunk_id}", dump_chunk, ["GET"]),
]
