"""OAuth 2.0 device grant (api-notes §3.2): device code, token (device_code and refresh_token
grants), and a small /activate page where a user approves a code."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from pyanaplan.emulator.engine.errors import EmulatorError
from pyanaplan.emulator.render import AnaplanJSON
from pyanaplan.emulator.routes._common import JSONBodyError, call, loads_strict, platform, read_body


async def _params(request: Request) -> dict[str, Any]:
    """JSON or form body (both are used by real clients, api-notes §3.2), plus query parameters."""
    raw = await read_body(request, limit=64 * 1024)
    params: dict[str, Any] = dict(request.query_params)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    text = raw.decode("utf-8", errors="replace").strip()
    if not text:
        return params
    if ctype == "application/json" or text.startswith("{"):
        try:
            body = loads_strict(text)
        except JSONBodyError as exc:
            raise EmulatorError(400, "invalid_request", str(exc)) from exc
        if not isinstance(body, dict):
            raise EmulatorError(400, "invalid_request", "The body must be an object")
        params.update(body)
    else:
        params.update(dict(parse_qsl(text, keep_blank_values=True)))
    return params


async def device_code(request: Request) -> Response:
    """``POST /oauth/device/code`` → device_code, user_code, verification_uri …"""
    params = await _params(request)
    origin = str(request.base_url).rstrip("/")
    data = await call(
        platform(request).auth.device_code,
        str(params.get("client_id") or ""),
        str(params.get("scope") or "openid email offline_access"),
        origin,
    )
    return AnaplanJSON(data)


async def token(request: Request) -> Response:
    """``POST /oauth/token``; errors use the OAuth JSON shape."""
    params = await _params(request)
    data = await call(platform(request).auth.token_grant, params)
    return AnaplanJSON(data, headers={"Cache-Control": "no-store"})


PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Activate device</title></head>
<body><h1>pyanaplan emulator: activate a device</h1><p>{message}</p>
<form method="post" action="/activate">
<label>Code <input name="user_code" value="{code}"></label><br>
<label>Email <input name="email" value=""></label><br>
<label>Password <input name="password" type="password"></label><br>
<button name="action" value="approve">Approve</button>
<button name="action" value="deny">Deny</button></form></body></html>"""


async def activate_form(request: Request) -> Response:
    code = html.escape(request.query_params.get("user_code", ""))
    return HTMLResponse(PAGE.format(message="Enter the code shown by your application.", code=code))


async def activate_submit(request: Request) -> Response:
    raw = await read_body(request, limit=64 * 1024)
    form = dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))
    approve = form.get("action", "approve") != "deny"
    try:
        await call(
            platform(request).auth.decide_device,
            form.get("user_code", ""),
            approve=approve,
            email=form.get("email") or None,
            password=form.get("password", ""),
        )
    except EmulatorError as exc:
        page = PAGE.format(
            message=html.escape(exc.message), code=html.escape(form.get("user_code", ""))
        )
        return HTMLResponse(page, status_code=exc.status)
    done = "Device approved. You can close this window." if approve else "Request denied."
    return HTMLResponse(f"<!doctype html><html><body><p>{done}</p></body></html>")


async def authorize(request: Request) -> Response:
    """Authorization-code start: 302 to the login page (the flow itself is not emulated)."""
    return RedirectResponse("/auth/prelogin?" + request.url.query, status_code=302)


async def prelogin(request: Request) -> Response:
    return HTMLResponse("<!doctype html><html><body><p>Sign in</p></body></html>")


ROUTES = [
    Route("/oauth/device/code", device_code, methods=["POST"]),
    Route("/oauth/token", token, methods=["POST"]),
    Route("/activate", activate_form, methods=["GET"]),
    Route("/activate", activate_submit, methods=["POST"]),
    Route("/auth/authorize", authorize, methods=["GET"]),
    Route("/auth/prelogin", prelogin, methods=["GET"]),
]
