"""Users, workspaces, models, model status and open/close (api-notes §4.1-§4.3)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pyanaplan.emulator.engine.directory import User
from pyanaplan.emulator.engine.errors import not_found
from pyanaplan.emulator.render import (
    AnaplanJSON,
    empty,
    generic_error,
    object_schema,
    page,
    request_path,
    success,
)
from pyanaplan.emulator.routes._common import (
    SHORT_PREFIX,
    WS_PREFIX,
    api_model,
    api_user,
    flag,
    platform,
    sort_strict,
)

USER_SORT = {
    "firstName": "firstName",
    "lastName": "lastName",
    "email": "email",
    "active": "active",
    "lastLoginDate": "lastLoginDate",
}
WORKSPACE_SORT = {"name": "name", "sizeAllowance": "sizeAllowance"}
MODEL_SORT = {"name": "name", "activeState": "activeState"}


async def me(request: Request) -> Response:
    user = await api_user(request)
    return success("user", platform(request).directory.user_json(user), object_schema("user"))


async def user_by_id(request: Request) -> Response:
    caller = await api_user(request)
    d = platform(request).directory
    target = d.user_by_id(request.path_params["user_id"])
    if target is None or target not in d.visible_users(caller):
        raise not_found()
    return success("user", d.user_json(target), object_schema("user"))


async def users(request: Request) -> Response:
    caller = await api_user(request)
    d = platform(request).directory
    items = sort_strict(request, [d.user_json(u) for u in d.visible_users(caller)], USER_SORT)
    return page(request, "users", items, object_schema("user"))


def _workspace_page(request: Request, user: User) -> Response:
    d = platform(request).directory
    details = flag(request, "tenantDetails")
    items = [d.workspace_json(w, tenant_details=details) for w in d.member_workspaces(user)]
    items = sort_strict(request, items, WORKSPACE_SORT)
    return page(request, "workspaces", items, object_schema("workspace"))


async def workspaces(request: Request) -> Response:
    return _workspace_page(request, await api_user(request))


async def user_workspaces(request: Request) -> Response:
    """``GET /users/{userId}/workspaces``: the caller's own, as ``/workspaces`` (api-notes §4.1)."""
    caller = await api_user(request)
    user = platform(request).directory.listing_user(caller, request.path_params["user_id"])
    return _workspace_page(request, user)


async def workspace(request: Request) -> Response:
    user = await api_user(request)
    d = platform(request).directory
    ws = d.workspace(user, request.path_params["workspace_id"])
    body = d.workspace_json(ws, tenant_details=flag(request, "tenantDetails"))
    return success("workspace", body, object_schema("workspace"))


def _model_page(request: Request, user: User, ws_id: str | None) -> Response:
    d = platform(request).directory
    details = flag(request, "modelDetails")
    items = [d.model_json(m, details=details) for m in d.visible_models(user, ws_id)]
    items = sort_strict(request, items, MODEL_SORT)
    return page(request, "models", items, object_schema("model"))


async def models(request: Request) -> Response:
    user = await api_user(request)
    ws_id = request.path_params.get("workspace_id")
    if ws_id is not None:
        platform(request).directory.workspace(user, ws_id)
    return _model_page(request, user, ws_id)


async def user_models(request: Request) -> Response:
    """``GET /users/{userId}/models``: the caller's own, like ``/models`` (api-notes §4.1)."""
    caller = await api_user(request)
    user = platform(request).directory.listing_user(caller, request.path_params["user_id"])
    return _model_page(request, user, None)


async def model(request: Request) -> Response:
    _, m = await api_model(request)
    body = platform(request).directory.model_json(
        m, details=flag(request, "modelDetails"), single=True
    )
    return success("model", body, object_schema("model"))


async def model_in_workspace(request: Request) -> Response:
    """``GET /workspaces/{ws}/models/{m}`` is 405 live (api-notes §4.3.2)."""
    await api_user(request)
    return generic_error(405, request_path(request))


async def model_status(request: Request) -> Response:
    """Bare ``{"requestStatus": …}`` with no envelope (api-notes §4.3.4, live)."""
    _, m = await api_model(request)
    return AnaplanJSON(platform(request).directory.model_status(m.id))


async def open_model(request: Request) -> Response:
    _, m = await api_model(request)
    platform(request).directory.open_model(m.id)
    return empty(202)


async def close_model(request: Request) -> Response:
    _, m = await api_model(request)
    platform(request).directory.close_model(m.id)
    return empty(204)


ALL = ["GET", "POST", "PUT", "DELETE", "PATCH"]
ROUTES = [
    Route("/2/0/users/me", me, methods=["GET"]),
    Route("/2/0/users", users, methods=["GET"]),
    Route("/2/0/users/{user_id}", user_by_id, methods=["GET"]),
    Route("/2/0/users/{user_id}/workspaces", user_workspaces, methods=["GET"]),
    Route("/2/0/users/{user_id}/models", user_models, methods=["GET"]),
    Route("/2/0/workspaces", workspaces, methods=["GET"]),
    Route("/2/0/workspaces/{workspace_id}", workspace, methods=["GET"]),
    Route("/2/0/workspaces/{workspace_id}/models", models, methods=["GET"]),
    Route("/2/0/models", models, methods=["GET"]),
    Route(SHORT_PREFIX, model, methods=["GET"]),
    Route(WS_PREFIX, model_in_workspace, methods=ALL),
    Route(SHORT_PREFIX + "/status", model_status, methods=["GET", "POST"]),
    Route(WS_PREFIX + "/status", model_status, methods=["GET", "POST"]),
    Route(SHORT_PREFIX + "/open", open_model, methods=["POST"]),
    Route(WS_PREFIX + "/open", open_model, methods=["POST"]),
    Route(SHORT_PREFIX + "/close", close_model, methods=["POST"]),
    Route(WS_PREFIX + "/close", close_model, methods=["POST"]),
]
