"""Request parsing shared by the route modules: the platform, the caller, JSON bodies, flags."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from pyanaplan.emulator.engine.directory import User
from pyanaplan.emulator.engine.errors import EmulatorError, bad_request, not_found
from pyanaplan.emulator.engine.tasks import KINDS
from pyanaplan.emulator.platform import Platform
from pyanaplan.emulator.spec import ModelSpec

T = TypeVar("T")
WS_PREFIX = "/2/0/workspaces/{workspace_id}/models/{model_id}"
SHORT_PREFIX = "/2/0/models/{model_id}"
MAX_JSON_DEPTH = 64
"""Deepest nesting a JSON body may have: real bodies (Anaplan Connect's whole DTOs) are 3 deep."""


class JSONBodyError(ValueError):
    """A request body that is not JSON the emulator will accept; the message says why."""


def platform(request: Request) -> Platform:
    """The emulator instance serving this request."""
    plat: Platform = request.app.state.platform
    return plat


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking engine code (SQLite, file I/O) off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)


def unauthorized() -> EmulatorError:
    """401 on the Integration API; clients only look at the status (api-notes §2.4)."""
    return EmulatorError(401, "UNAUTHORIZED", "Unauthorized")


def bearer_token(request: Request, *, allow_bearer: bool = True) -> str | None:
    """The token of ``Authorization: AnaplanAuthToken …`` (or ``Bearer …`` on /2/0), any case."""
    header = request.headers.get("authorization", "")
    parts = header.split(None, 1)
    if len(parts) != 2:
        return None
    scheme = parts[0].lower()
    if scheme == "anaplanauthtoken" or (allow_bearer and scheme == "bearer"):
        return parts[1].strip()
    return None


async def api_user(request: Request) -> User:
    """The caller of a /2/0 route; 401 for missing, unknown, expired or revoked tokens."""
    token = bearer_token(request)
    if not token:
        raise unauthorized()
    user = await call(platform(request).auth.user_for_token, token)
    if user is None:
        raise unauthorized()
    return user


async def api_model(request: Request) -> tuple[User, ModelSpec]:
    """Caller and model of a model-scoped route (both URL forms); 404 when not visible."""
    user = await api_user(request)
    params = request.path_params
    model = platform(request).directory.model(user, params["model_id"], params.get("workspace_id"))
    return user, model


async def read_body(request: Request, *, limit: int) -> bytes:
    """The whole (small) request body; 413 past ``limit``."""
    chunks: list[bytes] = []
    size = 0
    async for piece in request.stream():
        size += len(piece)
        if size > limit:
            raise EmulatorError(413, "TOO_LARGE", "Request body too large.")
        chunks.append(piece)
    return b"".join(chunks)


def _reject_constant(name: str) -> Any:
    raise JSONBodyError(
        f"The JSON request body contains {name}, which is not a JSON number; send a finite number."
    )


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as infinity
        raise JSONBodyError(f"The number {text[:40]} in the JSON request body is out of range.")
    return value


def _too_deep(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and objects past ``limit`` levels (iterative, no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def loads_strict(raw: bytes | str) -> Any:
    """Parse a request body as strict JSON, for every route that reads one.

    Python's parser accepts ``NaN``/``Infinity``, turns ``1e999`` into infinity and recurses once
    per nesting level; each of those reached engine code and came back as a 500 (issue 10 item
    8). Here they are refused, so a hostile body is a 400 like any other malformed one.

    Raises:
        JSONBodyError: malformed, not UTF-8, non-finite numbers, or nested past `MAX_JSON_DEPTH`.
    """
    too_deep = JSONBodyError(
        f"The JSON request body is nested more than {MAX_JSON_DEPTH} levels deep."
    )
    try:
        value = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except JSONBodyError:
        raise
    except RecursionError as exc:
        raise too_deep from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise JSONBodyError("Malformed JSON in the request body.") from exc
    if _too_deep(value, MAX_JSON_DEPTH):
        raise too_deep
    return value


async def read_json(request: Request, *, required: bool = False) -> Any:
    """Parse a JSON body whatever its Content-Type; empty → None; bad → 400 envelope."""
    raw = await read_body(request, limit=platform(request).settings.max_json_bytes)
    return parse_json(raw, required=required)


def parse_json(raw: bytes, *, required: bool = False) -> Any:
    """Decode a JSON body (`loads_strict`); empty → None (or 400 when ``required``); malformed,
    non-finite or too deep → 400 envelope naming the problem."""
    if not raw.strip():
        if required:
            raise bad_request("A JSON request body is required.")
        return None
    try:
        return loads_strict(raw)
    except JSONBodyError as exc:
        raise bad_request(str(exc)) from exc


def task_kind(request: Request) -> str:
    """The ``{kind}`` of a task route: imports, exports, actions or processes; else 404."""
    kind = str(request.path_params["kind"])
    if kind not in KINDS:
        raise not_found()
    return kind


def flag(request: Request, name: str) -> bool:
    """Boolean query parameters are case-insensitive (``true``/``True``, api-notes §9.6)."""
    return request.query_params.get(name, "").strip().lower() in ("true", "1", "yes")


def sort_strict(
    request: Request, items: list[dict[str, Any]], fields: dict[str, str]
) -> list[dict[str, Any]]:
    """``sort`` on /users, /workspaces, /models: +/- prefix mandatory, field validated
    (api-notes §2.7)."""
    raw = request.query_params.get("sort")
    if raw is None or raw == "":
        return items
    keys: list[tuple[str, bool]] = []
    for part in raw.split(","):
        part = part.strip()
        if not part or part[0] not in "+-" or len(part) < 2:
            raise bad_request(
                f"Bad sort order format: '{part}'. Please follow "
                "(-){column_name_1},(+){column_name_2}.. format"
            )
        if part[1:] not in fields:
            raise bad_request("Failed to parse sort parameter")
        keys.append((fields[part[1:]], part[0] == "-"))
    return _sorted(items, keys)


def sort_tolerant(
    request: Request, items: list[dict[str, Any]], aliases: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """``sort`` on model resources and tasks: prefix optional, unknown fields ignored
    (api-notes §2.7)."""
    raw = request.query_params.get("sort")
    if not raw:
        return items
    keys: list[tuple[str, bool]] = []
    for part in raw.split(","):
        part = part.strip()
        desc = part.startswith("-")
        name = part.lstrip("+- ")
        name = (aliases or {}).get(name, name)
        if name and items and name in items[0]:
            keys.append((name, desc))
    return _sorted(items, keys)


def _sorted(items: list[dict[str, Any]], keys: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    out = list(items)
    for key, desc in reversed(keys):
        out.sort(
            key=lambda i: (
                i.get(key) is None,
                str(i.get(key)).lower() if isinstance(i.get(key), str) else i.get(key) or 0,
            ),
            reverse=desc,
        )
    return out


def model_routes(suffix: str, endpoint: Callable[..., Any], methods: list[str]) -> list[Route]:
    """The same endpoint under ``/workspaces/{ws}/models/{m}`` and ``/models/{m}``
    (api-notes §4 preamble)."""
    return [
        Route(WS_PREFIX + suffix, endpoint, methods=methods),
        Route(SHORT_PREFIX + suffix, endpoint, methods=methods),
    ]
