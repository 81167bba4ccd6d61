"""The emulator's own controls: reset, faults, bandwidth, clock, task timing, request log, device
approval, certificate registration. Served under ``/__emulator__/`` to loopback clients only and
used directly by `server.Emulator`. The real API has none of this."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pyanaplan.emulator.engine.errors import EmulatorError, bad_request
from pyanaplan.emulator.engine.tasks import TaskTiming
from pyanaplan.emulator.render import AnaplanJSON, empty
from pyanaplan.emulator.routes._common import call, platform, read_body, read_json

if TYPE_CHECKING:
    from pyanaplan.emulator.app import Platform

INJECT_FIELDS = {
    "path",
    "method",
    "status",
    "retry_after",
    "retry_after_http_date",
    "drop",
    "delay_s",
    "expire_token",
    "times",
    "fraction",
    "message",
}


class Control:
    """Operations on one emulator instance (thread-safe; callable from any thread)."""

    def __init__(self, plat: Platform) -> None:
        self._p = plat

    def reset(self) -> None:
        """Back to the spec's state: data, files, tasks, tokens, faults, clock, log."""
        self._p.reset()

    def inject(self, **kwargs: Any) -> int:
        """Add a fault rule (see `faults.FaultRule`); returns its id."""
        unknown = set(kwargs) - INJECT_FIELDS
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        return self._p.faults.add(**kwargs).id

    def clear_faults(self) -> None:
        self._p.faults.clear()

    def faults(self) -> list[dict[str, Any]]:
        return self._p.faults.list()

    def set_bandwidth(
        self, request_bps: float | None = None, response_bps: float | None = None
    ) -> None:
        self._p.bandwidth.set(request_bps, response_bps)

    def advance_clock(self, seconds: float) -> float:
        """Move the engine clock forward; returns the total offset in seconds."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        return self._p.clock.advance(seconds)

    def set_task_timing(self, steps: int = 3, step_s: float = 0.0) -> None:
        if steps < 0 or step_s < 0:
            raise ValueError("steps and step_s must be >= 0")
        self._p.tasks.timing = TaskTiming(int(steps), float(step_s))

    def requests(self) -> list[dict[str, Any]]:
        return self._p.log.list()

    def approve_device(
        self, user_code: str, email: str | None = None, *, approve: bool = True
    ) -> None:
        self._p.auth.decide_device(user_code, approve=approve, email=email)

    def register_certificate(self, email: str, pem: str) -> str:
        return self._p.auth.register_certificate(email, pem)

    def set_oauth_interval(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("interval must be >= 0")
        self._p.auth.oauth_interval_s = float(seconds)


def _is_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in ("localhost", "testclient")


def _guard(request: Request) -> Control:
    plat = platform(request)
    if plat.settings.loopback_only_control and not _is_loopback(request):
        raise EmulatorError(
            403, "FORBIDDEN", "The control API is available to loopback clients only."
        )
    return plat.control


async def _json_obj(request: Request) -> dict[str, Any]:
    body = await read_json(request)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def _value_error(fn: Any, *args: Any, **kwargs: Any) -> Any:
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
    body = await _json_obj(request)
    _value_error(ctl.set_bandwidth, body.get("request_bps"), body.get("response_bps"))
    return empty(204)


async def clock(request: Request) -> Response:
    ctl = _guard(request)
    if request.method == "POST":
        body = await _json_obj(request)
        _value_error(ctl.advance_clock, float(body.get("advance_s", 0)))
    plat = platform(request)
    return AnaplanJSON({"offset_s": plat.clock.offset_s, "now_ms": plat.clock.now_ms()})


async def task_timing(request: Request) -> Response:
    ctl = _guard(request)
    body = await _json_obj(request)
    _value_error(ctl.set_task_timing, int(body.get("steps", 3)), float(body.get("step_s", 0.0)))
    return empty(204)


async def requests_log(request: Request) -> Response:
    return AnaplanJSON({"requests": _guard(request).requests()})


async def approve(request: Request) -> Response:
    ctl = _guard(request)
    body = await _json_obj(request)
    await call(
        ctl.approve_device,
        request.path_params["user_code"],
        body.get("email"),
        approve=request.path_params["decision"] == "approve",
    )
    return empty(204)


async def certificates(request: Request) -> Response:
    ctl = _guard(request)
    raw = (await read_body(request, limit=1 << 20)).decode("utf-8", errors="replace")
    pem = raw
    if raw.lstrip().startswith("{"):
        pem = str((await _json_obj_from_text(raw)).get("pem", ""))
    fp = await call(ctl.register_certificate, request.path_params["email"], pem)
    return AnaplanJSON({"fingerprint": fp}, status_code=201)


async def _json_obj_from_text(raw: str) -> dict[str, Any]:
    import json

    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise bad_request("Malformed JSON in the request body.") from exc
    return body if isinstance(body, dict) else {}


async def oauth(request: Request) -> Response:
    ctl = _guard(request)
    body = await _json_obj(request)
    _value_error(ctl.set_oauth_interval, float(body.get("interval_s", 5)))
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
]
