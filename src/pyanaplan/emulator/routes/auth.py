"""Auth service (api-notes §3.1): authenticate (Basic, CACertificate), refresh, validate, logout."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pyanaplan.emulator.engine.auth import bad_credential, bad_header
from pyanaplan.emulator.render import AnaplanJSON, empty
from pyanaplan.emulator.routes._common import JSONBodyError, call, loads_strict, platform, read_body


def _envelope(request: Request, message: str, extra: dict[str, object], status: int) -> Response:
    origin = str(request.base_url).rstrip("/")
    body = {
        "meta": {"validationUrl": f"{origin}/token/validate"},
        "status": "SUCCESS",
        "statusMessage": message,
        **extra,
    }
    return AnaplanJSON(body, status_code=status)


def _scheme(request: Request) -> tuple[str, str]:
    # Starlette's headers are case-insensitive, so `AUTHORIZATION:` (Anaplan Connect) works
    # (api-notes §2.1).
    parts = request.headers.get("authorization", "").split(None, 1)
    if len(parts) != 2:
        return "", ""
    return parts[0].lower(), parts[1].strip()


async def authenticate(request: Request) -> Response:
    """``POST /token/authenticate`` → 201 (live) with ``tokenInfo`` (api-notes §3.1.1, §3.1.2)."""
    plat = platform(request)
    scheme, value = _scheme(request)
    if scheme == "basic":
        info = await call(plat.auth.authenticate_basic, value)
    elif scheme == "cacertificate":
        raw = await read_body(request, limit=plat.settings.max_json_bytes)
        try:
            body = loads_strict(raw) if raw.strip() else None
        except JSONBodyError as exc:
            raise bad_credential(str(exc)) from exc
        info = await call(plat.auth.authenticate_certificate, value, body)
    else:
        raise bad_header(401)
    return _envelope(request, "Login successful", {"tokenInfo": info}, 201)


def _auth_token(request: Request) -> str:
    # The auth service rejects Bearer; malformed headers are 400 on refresh/validate
    # (api-notes §3.1.6).
    scheme, value = _scheme(request)
    if scheme != "anaplanauthtoken" or not value:
        raise bad_header(400)
    return value


async def refresh(request: Request) -> Response:
    """``POST /token/refresh`` → same tokenValue, later expiresAt (api-notes §3.1.3)."""
    info = await call(platform(request).auth.refresh, _auth_token(request))
    return _envelope(request, "Token refreshed", {"tokenInfo": info}, 200)


async def validate(request: Request) -> Response:
    """``GET /token/validate`` → tokenInfo + userInfo (api-notes §3.1.4)."""
    data = await call(platform(request).auth.validate, _auth_token(request))
    return _envelope(request, "Token validated", data, 200)


async def logout(request: Request) -> Response:
    """``POST /token/logout`` → 204; the token is dead at once (api-notes §3.1.5)."""
    scheme, value = _scheme(request)
    if scheme != "anaplanauthtoken" or not value:
        raise bad_header(401)
    await call(platform(request).auth.logout, value)
    return empty(204)


ROUTES = [
    Route("/token/authenticate", authenticate, methods=["POST"]),
    Route("/token/refresh", refresh, methods=["POST"]),
    Route("/token/validate", validate, methods=["GET"]),
    Route("/token/logout", logout, methods=["POST"]),
]
