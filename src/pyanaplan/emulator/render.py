"""Anaplan's envelopes in one place:
api-notes §2.2 success, §2.4 errors, §3.1.6 auth service, §3.2 OAuth."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from pyanaplan.emulator.engine.errors import EmulatorError, bad_request, reason

SCHEMA_HOST = "https://api.anaplan.com"
MAX_PAGE = 5000
# Scope key under which the fault middleware keeps the path as sent, before it drops a trailing
# slash for routing (faults.py).
REQUESTED_PATH = "pyanaplan.requested_path"


# Collections Anaplan leaves out of a body instead of sending ``[]`` (api-notes §2.3): a task
# result's ``details`` and ``nestedResults`` (the OpenAPI getProcessTaskStatus example has neither
# on the process nor on its nested results), a detail's ``values``, file ``chunks`` when there are
# none (api-notes §4.5.5), dimension ``items``, list-write ``failures`` and
# ``bulkDeleteModelsFailures``. Everything else keeps its ``[]``: ``categoryValues`` on models
# (help-page example) and the payload list of a paged listing (an empty task list is 200 with
# ``totalSize`` 0).
OMITTED_WHEN_EMPTY = frozenset(
    {
        "details",
        "nestedResults",
        "values",
        "chunks",
        "items",
        "failures",
        "bulkDeleteModelsFailures",
    }
)


def drop_empty(content: Any) -> Any:
    """``content`` without the empty collections Anaplan omits, at any depth (a copy)."""
    if isinstance(content, dict):
        return {
            key: drop_empty(value)
            for key, value in content.items()
            if not (key in OMITTED_WHEN_EMPTY and isinstance(value, list) and not value)
        }
    if isinstance(content, list):
        return [drop_empty(item) for item in content]
    return content


class AnaplanJSON(JSONResponse):
    """Compact JSON with ``Content-Type: application/json`` (no charset suffix surprises).

    Every JSON body the emulator sends passes through here, so this is the one place that drops
    the empty collections Anaplan omits (``drop_empty``); engines and routes build plain data.
    """

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        body = drop_empty(content)
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def object_schema(obj: str) -> str:
    """``https://api.anaplan.com/2/0/objects/<obj>`` (users, workspaces, models)."""
    return f"{SCHEMA_HOST}/2/0/objects/{obj}"


def model_schema(model_id: str, obj: str, *, listing: bool) -> str:
    """Model-scoped schema URL; lists carry the odd double slash of official examples
    (api-notes §2.2)."""
    slash = "//" if listing else "/"
    return f"{SCHEMA_HOST}{slash}2/0/models/{model_id}/objects/{obj}"


def success(key: str, payload: Any, schema: str, *, status: int = 200) -> Response:
    """``{meta:{schema}, status:{code,message:"Success"}, <key>: payload}``."""
    body = {
        "meta": {"schema": schema},
        "status": {"code": status, "message": "Success"},
        key: payload,
    }
    return AnaplanJSON(body, status_code=status)


def parse_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise bad_request(f"Invalid value for '{name}': must be a non-negative integer.") from exc
    if value < 0:
        raise bad_request(f"Invalid value for '{name}': must be a non-negative integer.")
    return value


def page(request: Request, key: str, items: list[Any], schema: str) -> Response:
    """A paged list (api-notes §2.2, §2.7): offset/limit (max 5000, silently
    capped), next/previous links."""
    offset = parse_int(request, "offset", 0)
    limit = min(parse_int(request, "limit", MAX_PAGE) or MAX_PAGE, MAX_PAGE)
    chunk = items[offset : offset + limit]
    paging: dict[str, Any] = {
        "currentPageSize": len(chunk),
        "offset": offset,
        "totalSize": len(items),
    }
    base = str(request.url.replace(query=""))
    others = [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "limit")]
    if offset + len(chunk) < len(items):
        paging["next"] = (
            f"{base}?{urlencode([*others, ('limit', limit), ('offset', offset + limit)])}"
        )
    if offset > 0:
        prev = max(0, offset - limit)
        paging["previous"] = f"{base}?{urlencode([*others, ('limit', limit), ('offset', prev)])}"
    body: dict[str, Any] = {
        "meta": {"paging": paging, "schema": schema},
        "status": {"code": 200, "message": "Success"},
    }
    body[key] = chunk  # `chunks: []` goes in AnaplanJSON (OMITTED_WHEN_EMPTY)
    return AnaplanJSON(body)


def timestamp() -> str:
    """RFC 3339 UTC with nanoseconds, as in api-notes §2.4 (``…12.198115662Z``)."""
    now = datetime.now(tz=UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond:06d}000Z"


def request_path(request: Request) -> str:
    """The path as the client sent it, for the error envelope's ``path``.

    ``…/imports/`` is routed as ``…/imports``, but Anaplan echoes the request path (api-notes
    api-notes §2.4; OpenAPI ``ErrorResponse``), so the envelope keeps the slash the client sent.
    """
    return str(request.scope.get(REQUESTED_PATH) or request.url.path)


def error_body(status: int, message: str, path: str) -> dict[str, Any]:
    """The Integration API 4xx/5xx body (api-notes §2.4)."""
    return {"status": {"code": status, "message": message}, "path": path, "timestamp": timestamp()}


def error_response(exc: EmulatorError, path: str) -> Response:
    """Render an engine error with the envelope of the service the path belongs to."""
    headers = dict(exc.headers)
    if path.startswith("/token/"):
        code = exc.code if exc.code.startswith("FAILURE") else "FAILURE"
        return AnaplanJSON(
            {"status": code, "statusMessage": exc.message}, status_code=exc.status, headers=headers
        )
    if path.startswith("/oauth/"):
        return AnaplanJSON(
            {"error": exc.code or "invalid_request", "error_description": exc.message},
            status_code=exc.status,
            headers=headers,
        )
    return AnaplanJSON(
        error_body(exc.status, exc.message, path), status_code=exc.status, headers=headers
    )


def generic_error(
    status: int, path: str, message: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    """An error with the reason phrase as message (404 unknown route, 405 wrong method, …)."""
    return error_response(
        EmulatorError(status, "", message or reason(status), headers=headers), path
    )


def stream(pieces: Iterator[bytes], size: int, media_type: str) -> Response:
    """Raw bytes with a Content-Length (downloads, dumps)."""
    return StreamingResponse(pieces, media_type=media_type, headers={"Content-Length": str(size)})


def empty(status: int) -> Response:
    """A body-less response with no Content-Type (chunk PUT 204 is like that live,
    api-notes §4.5.2)."""
    return Response(status_code=status)
