"""Imports, exports, actions and processes: listings and metadata (api-notes §4.6.1, §4.6.2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pyanaplan.emulator.engine import catalog
from pyanaplan.emulator.engine.errors import not_found
from pyanaplan.emulator.render import model_schema, page, success
from pyanaplan.emulator.routes._common import (
    api_model,
    call,
    flag,
    model_routes,
    platform,
    sort_tolerant,
)


def _lister(key: str, fn: Callable[[Any], list[dict[str, Any]]]) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        _, model = await api_model(request)
        items = sort_tolerant(request, fn(model))
        return page(request, key, items, model_schema(model.id, "file", listing=True))

    return endpoint


async def import_metadata(request: Request) -> Response:
    _, model = await api_model(request)
    data = catalog.import_metadata(model, request.path_params["object_id"])
    if data is None:
        raise not_found()
    return success("importMetadata", data, model_schema(model.id, "importMetadata", listing=False))


async def export_metadata(request: Request) -> Response:
    _, model = await api_model(request)
    model_data = platform(request).model_data
    data = await call(model_data.export_metadata, model, request.path_params["object_id"])
    if data is None:
        raise not_found()
    return success("exportMetadata", data, model_schema(model.id, "exportMetadata", listing=False))


async def process_metadata(request: Request) -> Response:
    _, model = await api_model(request)
    data = catalog.process_metadata(
        model,
        request.path_params["object_id"],
        show_import_data_source=flag(request, "showImportDataSource"),
    )
    if data is None:
        raise not_found()
    return success("processMetadata", data, model_schema(model.id, "process", listing=False))


async def action_metadata(request: Request) -> Response:
    _, model = await api_model(request)
    oid = request.path_params["object_id"]
    found = [a for a in catalog.list_actions(model) if a["id"] == oid]
    if not found:
        raise not_found()
    return success("action", found[0], model_schema(model.id, "action", listing=False))


ROUTES = [
    *model_routes("/imports", _lister("imports", catalog.list_imports), ["GET"]),
    *model_routes("/exports", _lister("exports", catalog.list_exports), ["GET"]),
    *model_routes("/actions", _lister("actions", catalog.list_actions), ["GET"]),
    *model_routes("/processes", _lister("processes", catalog.list_processes), ["GET"]),
    *model_routes("/imports/{object_id}", import_metadata, ["GET"]),
    *model_routes("/exports/{object_id}", export_metadata, ["GET"]),
    *model_routes("/processes/{object_id}", process_metadata, ["GET"]),
    *model_routes("/actions/{object_id}", action_metadata, ["GET"]),
]
