"""Tasks (api-notes §4.6.3-§4.6.6): start, list, status, cancel for imports,
exports, actions, processes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pyanaplan.emulator.render import model_schema, page, success
from pyanaplan.emulator.routes._common import (
    api_model,
    call,
    model_routes,
    platform,
    read_json,
    sort_tolerant,
    task_kind,
)

TASK_SORT = {"creationDate": "creationTime", "creationTime": "creationTime"}


async def tasks_root(request: Request) -> Response:
    """``POST`` starts a task (200 NOT_STARTED); ``GET`` lists them (paged, oldest first)."""
    kind = task_kind(request)
    user, model = await api_model(request)
    tasks = platform(request).tasks
    object_id = request.path_params["object_id"]
    if request.method == "POST":
        body = await read_json(request)
        task = await call(tasks.start, model, user, kind, object_id, body)
        return success("task", task, model_schema(model.id, "task", listing=False))
    items = await call(tasks.list, model, kind, object_id)
    items = sort_tolerant(request, items, TASK_SORT)
    return page(request, "tasks", items, model_schema(model.id, "task", listing=True))


async def task_item(request: Request) -> Response:
    """``GET`` status; ``DELETE`` cancels (CANCELLING or CANCELLED)."""
    kind = task_kind(request)
    user, model = await api_model(request)
    tasks = platform(request).tasks
    args = (kind, request.path_params["object_id"], request.path_params["task_id"])
    if request.method == "DELETE":
        task = await call(tasks.cancel, model, user, *args)
    else:
        task = await call(tasks.status, model, *args)
    return success("task", task, model_schema(model.id, "task", listing=False))


ROUTES = [
    *model_routes("/{kind}/{object_id}/tasks", tasks_root, ["GET", "POST"]),
    *model_routes("/{kind}/{object_id}/tasks/{task_id}", task_item, ["GET", "DELETE"]),
]
