"""``/__emulator__/``: the HTTP face of the emulator's controls (`control.Control`).

A local emulator is reachable by any web page the developer has open, so every request is
checked, in this order, before it does anything:

1. the client is on loopback (403 otherwise, unless the settings allow remote control);
2. the request does not come from a browser: an ``Origin`` header or ``Sec-Fetch-Site`` other
   than ``none`` is refused (403). Scripts and test clients send neither;
3. it carries ``X-Emulator-Token`` with this run's token (401), which `pyanaplan emulator serve`
   prints as ``PYANAPLAN_EMULATOR_TOKEN`` and `Emulator.control_token` holds;
4. a POST or DELETE says ``Content-Type: application/json`` (415), which a page cannot send
   cross-site without a CORS preflight the emulator never grants.

Bodies are then checked by `control_bodies` (400 naming the bad field).
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pyanaplan.emulator.control import TOKEN_ENV, TOKEN_HEADER, Control
from pyanaplan.emulator.control_bodies import (
    BandwidthCaps,
    CertificateBody,
    ClockAdvance,
    CrashPointBody,
    DeviceDecision,
    OAuthInterval,
    RejectedRowsBody,
    TaskTimingBody,
    checked,
)
from pyanaplan.emulator.engine.errors import EmulatorError, bad_request
from pyanaplan.emulator.render import AnaplanJSON, empty
from pyanaplan.emulator.routes._common import call, platform, read_json


def _is_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in ("localhost", "testclient")


def _from_browser(request: Request) -> bool:
    """A browser marks its requests; scripts and test clients send neither header."""
    if "origin" in request.headers:
        return True
    return request.headers.get("sec-fetch-site", "none").strip().lower() != "none"


def _guard(request: Request) -> Control:
    plat = platform(request)
    if plat.settings.loopback_only_control and not _is_loopback(request):
        raise EmulatorError(
            403, "FORBIDDEN", "The control API is available to loopback clients only."
        )
    if _from_browser(request):
        raise EmulatorError(
            403,
            "FORBIDDEN",
            "The control API refuses requests from web pages (Origin or Sec-Fetch-Site header); "
            "call it from a script or a test.",
        )
    sent = request.headers.get(TOKEN_HEADER, "")
    if not hmac.compare_digest(sent.encode(), plat.control_token.encode()):
        raise EmulatorError(
            401,
            "UNAUTHORIZED",
            f"The control API needs the header {TOKEN_HEADER} with this run's control token "
            f"(printed by `pyanaplan emulator serve` as {TOKEN_ENV}).",
        )
    if request.method in ("POST", "DELETE"):
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise EmulatorError(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                "Control requests that change the emulator must say "
                "Content-Type: application/json.",
            )
    return plat.control


async def _json_obj(request: Request) -> dict[str, Any]:
    body = await read_json(request)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def _value_error(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except (ValueError, TypeError) as exc:
        raise bad_request(str(exc)) from exc


async def reset(request: Request) -> Response:
    await call(_guard(request).reset)
    return empty(204)


async def faults(request: Request) -> Response:
    ctl = _guard(request)
    if request.method == "GET":
        return AnaplanJSON({"faults": ctl.faults()})
    if request.method == "DELETE":
        ctl.clear_faults()
        return empty(204)
    body = await _json_obj(request)
    rule_id = _value_error(ctl.inject, **body)
    return AnaplanJSON({"id": rule_id}, status_code=201)


async def bandwidth(request: Request) -> Response:
    ctl = _guard(request)
    caps = _value_error(checked, BandwidthCaps, await _json_obj(request))
    ctl.set_bandwidth(caps.request_bps, caps.response_bps)
    return empty(204)


async def clock(request: Request) -> Response:
    ctl = _guard(request)
    if request.method == "POST":
        body = _value_error(checked, ClockAdvance, await _json_obj(request))
        _value_error(ctl.advance_clock, body.advance_s)
    return AnaplanJSON(ctl.clock_state())


async def task_timing(request: Request) -> Response:
    ctl = _guard(request)
    body = _value_error(checked, TaskTimingBody, await _json_obj(request))
    ctl.set_task_timing(body.steps, body.step_s)
    return empty(204)


async def requests_log(request: Request) -> Response:
    return AnaplanJSON({"requests": _guard(request).requests()})


async def approve(request: Request) -> Response:
    ctl = _guard(request)
    body = _value_error(checked, DeviceDecision, await _json_obj(request))
    await call(
        ctl.approve_device,
        request.path_params["user_code"],
        body.email,
        approve=request.path_params["decision"] == "approve",
    )
    return empty(204)


async def certificates(request: Request) -> Response:
    ctl = _guard(request)
    body = _value_error(checked, CertificateBody, await _json_obj(request))
    fp = await call(ctl.register_certificate, request.path_params["email"], body.pem)
    return AnaplanJSON({"fingerprint": fp}, status_code=201)


async def crash_points(request: Request) -> Response:
    ctl = _guard(request)
    if request.method == "POST":
        body = _value_error(checked, CrashPointBody, await _json_obj(request))
        ctl.arm_crash_point(body.point)
    elif request.method == "DELETE":
        ctl.disarm_crash_points()
    return AnaplanJSON({"points": ctl.crash_points()})


async def rejected_rows(request: Request) -> Response:
    ctl = _guard(request)
    body = _value_error(checked, RejectedRowsBody, await _json_obj(request))
    ctl.set_rejected_rows_successful(body.successful)
    return empty(204)


async def oauth(request: Request) -> Response:
    ctl = _guard(request)
    body = _value_error(checked, OAuthInterval, await _json_obj(request))
    ctl.set_oauth_interval(body.interval_s)
    return empty(204)


P = "/__emulator__"
ROUTES = [
    Route(P + "/reset", reset, methods=["POST"]),
    Route(P + "/faults", faults, methods=["GET", "POST", "DELETE"]),
    Route(P + "/bandwidth", bandwidth, methods=["POST"]),
    Route(P + "/clock", clock, methods=["GET", "POST"]),
    Route(P + "/task-timing", task_timing, methods=["POST"]),
    Route(P + "/requests", requests_log, methods=["GET"]),
    Route(P + "/devices/{user_code}/{decision:str}", approve, methods=["POST"]),
    Route(P + "/users/{email}/certificates", certificates, methods=["POST"]),
    Route(P + "/oauth", oauth, methods=["POST"]),
    Route(P + "/crash-points", crash_points, methods=["GET", "POST", "DELETE"]),
    Route(P + "/rejected-rows", rejected_rows, methods=["POST"]),
]
