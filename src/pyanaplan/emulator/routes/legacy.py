"""The legacy Integration API v1.3 tree under ``/1/3`` (api-notes §5, §3.3, §9.43).

Same resources and the same engine as ``/2/0``, rendered the v1.3 way:

* no ``meta``/``status`` envelope — bare JSON arrays and objects;
* workspaces carry their ID as ``guid``;
* no tokens: every request carries ``Basic base64(email:password)`` or
  ``AnaplanCertificate base64(email:PEM)``, which the auth service checks (engine/auth.py); the
  spec's ``settings.legacy_certificate_auth`` either accepts the certificate scheme or answers
  401 "Auth scheme not supported - AnaplanCertificate", as production now does (api-notes §3.3);
* task start answers a bare ``{"taskId"}``, the task list a bare array, status and cancel a bare
  task object.

Errors keep the platform's envelope (api-notes §2.4): v1.3 clients only read the status code
(api-notes §5 lists the texts Anaplan Connect 1.3 prints per status).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pyanaplan.emulator.engine import catalog
from pyanaplan.emulator.engine.auth import legacy_rejected
from pyanaplan.emulator.engine.directory import User
from pyanaplan.emulator.engine.errors import EmulatorError, not_found
from pyanaplan.emulator.render import AnaplanJSON, empty, stream
from pyanaplan.emulator.routes._common import (
    call,
    parse_json,
    platform,
    read_body,
    read_json,
    task_kind,
)
from pyanaplan.emulator.routes._uploads import receive_chunk, receive_whole
from pyanaplan.emulator.spec import ModelSpec

ROOT = "/1/3"
MODEL = ROOT + "/workspaces/{workspace_id}/models/{model_id}"


def bare(payload: Any, status: int = 200) -> Response:
    """A v1.3 body: the payload itself, no envelope (api-notes §5)."""
    return AnaplanJSON(payload, status_code=status)


# ---- per-request credentials (api-notes §3.3) ----------------------------------------------------


async def legacy_user(request: Request) -> User:
    """The caller of a /1/3 route; 401 unless Basic or AnaplanCertificate identifies a user."""
    scheme, _, value = request.headers.get("authorization", "").strip().partition(" ")
    scheme = scheme.lower()  # schemes are case-insensitive (api-notes §9.2)
    auth = platform(request).auth
    if scheme == "basic":
        return await call(auth.legacy_basic_user, value.strip())
    if scheme == "anaplancertificate":
        return await call(auth.legacy_certificate_user, value.strip())
    raise legacy_rejected()


async def legacy_model(request: Request) -> tuple[User, ModelSpec]:
    """Caller and model; 404 for unknown, wrong-case or invisible workspaces and models."""
    user = await legacy_user(request)
    params = request.path_params
    model = platform(request).directory.model(user, params["model_id"], params["workspace_id"])
    return user, model


# ---- workspaces and models ---------------------------------------------------------------------


async def workspaces(request: Request) -> Response:
    """``GET /1/3/workspaces/`` → ``[{guid, name, active}]`` (api-notes §5)."""
    user = await legacy_user(request)
    d = platform(request).directory
    items = []
    for ws in d.member_workspaces(user):
        entry = d.workspace_json(ws, tenant_details=False)
        items.append({"guid": entry["id"], "name": entry["name"], "active": entry["active"]})
    return bare(items)


async def models(request: Request) -> Response:
    """``GET /1/3/workspaces/{ws}/models`` → ``[{id, name, activeState}]``."""
    user = await legacy_user(request)
    d = platform(request).directory
    ws = d.workspace(user, request.path_params["workspace_id"])
    items = [d.model_json(m, details=False) for m in d.visible_models(user, ws.id)]
    return bare([{k: m[k] for k in ("id", "name", "activeState")} for m in items])


async def all_models(request: Request) -> Response:
    """``GET /1/3/models/`` → every model the caller sees, across workspaces.

    Each entry is the v2 ``models[]`` object, so it names ``currentWorkspaceId``: a script needs
    that workspace GUID to build the model's URLs.
    """
    user = await legacy_user(request)
    d = platform(request).directory
    return bare([d.model_json(m, details=False) for m in d.visible_models(user)])


async def model_info(request: Request) -> Response:
    """``GET /1/3/models/{m}`` → the bare v2 ``model`` object (the article's getModelInfo)."""
    user = await legacy_user(request)
    d = platform(request).directory
    model = d.model(user, request.path_params["model_id"])
    return bare(d.model_json(model, details=False, single=True))


async def modules(request: Request) -> Response:
    """``GET …/models/{m}/modules`` → ``[{id, name}]`` (api-notes §5)."""
    _, model = await legacy_model(request)
    return bare([{"id": m.id, "name": m.name} for m in model.modules])


async def module_views(request: Request) -> Response:
    """``GET …/modules/{id}/views`` → the module's default view, whose ID is the module's
    (api-notes §2.5)."""
    _, model = await legacy_model(request)
    found = [m for m in model.modules if m.id == request.path_params["module_id"]]
    if not found:
        raise not_found()
    return bare([{"id": found[0].id, "name": found[0].name, "moduleId": found[0].id}])


# ---- files -------------------------------------------------------------------------------------


async def list_files(request: Request) -> Response:
    user, model = await legacy_model(request)
    return bare(await call(platform(request).files.list_files, model, user))


async def set_chunk_count(request: Request) -> Response:
    """``POST …/files/{id}`` with the file object → the bare file object (api-notes §5)."""
    user, model = await legacy_model(request)
    body = await read_json(request)
    files = platform(request).files
    file = await call(files.set_chunk_count, model, user, request.path_params["file_id"], body)
    return bare(file)


async def put_file(request: Request) -> Response:
    user, model = await legacy_model(request)
    await receive_whole(request, model, user)
    return empty(204)


async def get_file(request: Request) -> Response:
    user, model = await legacy_model(request)
    files = platform(request).files
    pieces, size = await call(files.read_whole, model, user, request.path_params["file_id"])
    return stream(pieces, size, "application/octet-stream")


async def delete_file(request: Request) -> Response:
    user, model = await legacy_model(request)
    await call(platform(request).files.delete, model, user, request.path_params["file_id"])
    return empty(204)


async def file_root(request: Request) -> Response:
    handler = {
        "GET": get_file,
        "HEAD": get_file,  # Starlette adds HEAD to every GET route
        "POST": set_chunk_count,
        "PUT": put_file,
        "DELETE": delete_file,
    }
    return await handler[request.method](request)


async def complete(request: Request) -> Response:
    user, model = await legacy_model(request)
    body = await read_json(request)
    files = platform(request).files
    return bare(await call(files.complete, model, user, request.path_params["file_id"], body))


async def list_chunks(request: Request) -> Response:
    """``[{"id": "0", "name": "Chunk 0"}, …]``; an empty array when there are none."""
    user, model = await legacy_model(request)
    files = platform(request).files
    return bare(await call(files.list_chunks, model, user, request.path_params["file_id"]))


async def chunk_item(request: Request) -> Response:
    """``GET`` a chunk, ``PUT`` one, or ``POST`` the file object to set the chunk count.

    The article lists "post chunk count" on the chunk URL ``…/files/{id}/chunks/{n}``; the
    chunk number plays no part, exactly as the file URL its scripts use.
    """
    if request.method == "POST":
        return await set_chunk_count(request)
    user, model = await legacy_model(request)
    files = platform(request).files
    file_id, chunk_id = request.path_params["file_id"], request.path_params["chunk_id"]
    if request.method == "GET":
        pieces, size = await call(files.read_chunk, model, user, file_id, chunk_id)
        return stream(pieces, size, "application/octet-stream")
    await receive_chunk(request, model, user)
    return empty(204)


# ---- imports, exports, actions, processes ------------------------------------------------------

_LISTERS = {
    "imports": catalog.list_imports,
    "exports": catalog.list_exports,
    "actions": catalog.list_actions,
    "processes": catalog.list_processes,
}


async def list_objects(request: Request) -> Response:
    _, model = await legacy_model(request)
    return bare(_LISTERS[task_kind(request)](model))


async def object_metadata(request: Request) -> Response:
    """Bare metadata: ``exports/{id}`` (api-notes §5), and the same for imports and processes."""
    _, model = await legacy_model(request)
    kind, object_id = task_kind(request), request.path_params["object_id"]
    data: dict[str, Any] | None
    if kind == "exports":
        data = await call(platform(request).model_data.export_metadata, model, object_id)
    elif kind == "imports":
        data = catalog.import_metadata(model, object_id)
    elif kind == "processes":
        data = catalog.process_metadata(model, object_id)
    else:
        data = next((a for a in catalog.list_actions(model) if a["id"] == object_id), None)
    if data is None:
        raise not_found()
    return bare(data)


# ---- tasks and dumps ---------------------------------------------------------------------------


async def tasks_root(request: Request) -> Response:
    """``POST`` → bare ``{"taskId"}``; ``GET`` → bare array of task summaries (api-notes §5)."""
    kind = task_kind(request)
    user, model = await legacy_model(request)
    tasks = platform(request).tasks
    object_id = request.path_params["object_id"]
    if request.method == "POST":
        body = await _task_body(request)
        task = await call(tasks.start, model, user, kind, object_id, body)
        return bare({"taskId": task["taskId"]})
    return bare(await call(tasks.list, model, kind, object_id))


async def _task_body(request: Request) -> Any:
    """The task POST body: JSON, or ``localeName=en_US`` form-encoded under a JSON content type.

    The article's action request sends the form (``requests.post(data={...})`` with its JSON
    headers), and its readers' scripts worked; any other body that is not JSON is still a 400.
    """
    raw = await read_body(request, limit=platform(request).settings.max_json_bytes)
    try:
        return parse_json(raw)
    except EmulatorError:
        form = _form_fields(raw)
        if form is None:
            raise
        return form


def _form_fields(raw: bytes) -> dict[str, str] | None:
    """``a=1&b=2`` as a dict; None when the bytes are not a well-formed form body."""
    try:
        return dict(parse_qsl(raw.decode("ascii"), strict_parsing=True))
    except (UnicodeDecodeError, ValueError):
        return None


async def task_item(request: Request) -> Response:
    """``GET`` → bare status; ``DELETE`` cancels and answers the bare status."""
    kind = task_kind(request)
    user, model = await legacy_model(request)
    tasks = platform(request).tasks
    args = (kind, request.path_params["object_id"], request.path_params["task_id"])
    if request.method == "DELETE":
        return bare(await call(tasks.cancel, model, user, *args))
    return bare(await call(tasks.status, model, *args))


def _dump_args(request: Request) -> tuple[str, str, str, str | None]:
    p = request.path_params
    return task_kind(request), p["object_id"], p["task_id"], p.get("nested_id")


async def dump(request: Request) -> Response:
    """Import dump / process nested dump: text/plain CSV, 204 when there is none
    (api-notes §4.7)."""
    user, model = await legacy_model(request)
    found = await call(platform(request).dumps.dump, model, user, *_dump_args(request))
    if found is None:
        return empty(204)
    pieces, size = found
    return stream(pieces, size, "text/plain")


async def dump_chunks(request: Request) -> Response:
    user, model = await legacy_model(request)
    return bare(await call(platform(request).dumps.dump_chunks, model, user, *_dump_args(request)))


async def dump_chunk(request: Request) -> Response:
    user, model = await legacy_model(request)
    kind, object_id, task_id, nested_id = _dump_args(request)
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
    return stream(pieces, size, "text/plain")


TASK = MODEL + "/{kind}/{object_id}/tasks/{task_id}"
ROUTES = [
    Route(ROOT + "/workspaces", workspaces, methods=["GET"]),
    Route(ROOT + "/workspaces/", workspaces, methods=["GET"]),
    Route(ROOT + "/models", all_models, methods=["GET"]),
    Route(ROOT + "/models/", all_models, methods=["GET"]),
    Route(ROOT + "/models/{model_id}", model_info, methods=["GET"]),
    Route(ROOT + "/workspaces/{workspace_id}/models", models, methods=["GET"]),
    Route(ROOT + "/workspaces/{workspace_id}/models/", models, methods=["GET"]),
    Route(MODEL + "/modules", modules, methods=["GET"]),
    Route(MODEL + "/modules/{module_id}/views", module_views, methods=["GET"]),
    Route(MODEL + "/files", list_files, methods=["GET"]),
    Route(MODEL + "/files/", list_files, methods=["GET"]),
    Route(MODEL + "/files/{file_id}", file_root, methods=["GET", "POST", "PUT", "DELETE"]),
    # The article marks an upload complete with PUT; Anaplan Connect 1.3 POSTs.
    Route(MODEL + "/files/{file_id}/complete", complete, methods=["POST", "PUT"]),
    Route(MODEL + "/files/{file_id}/chunks", list_chunks, methods=["GET"]),
    Route(MODEL + "/files/{file_id}/chunks/{chunk_id}", chunk_item, methods=["GET", "PUT", "POST"]),
    Route(MODEL + "/{kind}", list_objects, methods=["GET"]),
    Route(MODEL + "/{kind}/", list_objects, methods=["GET"]),
    Route(MODEL + "/{kind}/{object_id}", object_metadata, methods=["GET"]),
    Route(MODEL + "/{kind}/{object_id}/tasks", tasks_root, methods=["GET", "POST"]),
    Route(TASK, task_item, methods=["GET", "DELETE"]),
    Route(TASK + "/dump", dump, methods=["GET"]),
    Route(TASK + "/dump/chunks", dump_chunks, methods=["GET"]),
    Route(TASK + "/dump/chunks/{chunk_id}", dump_chunk, methods=["GET"]),
    Route(TASK + "/dumps/{nested_id}", dump, methods=["GET"]),
    Route(TASK + "/dumps/{nested_id}/chunks", dump_chunks, methods=["GET"]),
    Route(TASK + "/dumps/{nested_id}/chunks/{chunk_id}", dump_chunk, methods=["GET"]),
]
