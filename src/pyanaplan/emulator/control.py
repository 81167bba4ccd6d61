"""The emulator's own controls: reset, faults, bandwidth, clock, task timing, request log, device
approval, certificate registration, crash points, how rejected rows report. Served under
``/__emulator__/`` and used directly by `server.Emulator`. The real API has none of this.

A local emulator is reachable by any web page the developer has open, so the HTTP face checks,
in this order, before it does anything:

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
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pyanaplan.emulator.control_bodies import (
    BandwidthCaps,
    CertificateBody,
    ClockAdvance,
    CrashPointBody,
    DeviceDecision,
    FaultSpec,
    OAuthInterval,
    RejectedRowsBody,
    TaskTimingBody,
    checked,
)
from pyanaplan.emulator.engine.errors import EmulatorError, bad_request
from pyanaplan.emulator.engine.tasks import TaskTiming
from pyanaplan.emulator.render import AnaplanJSON, empty
from pyanaplan.emulator.routes._common import call, platform, read_json

if TYPE_CHECKING:
    from pyanaplan.emulator.app import Platform

TOKEN_HEADER = "X-Emulator-Token"
TOKEN_ENV = "PYANAPLAN_EMULATOR_TOKEN"


class Control:
    """Operations on one emulator instance (thread-safe; callable from any thread)."""

    def __init__(self, plat: Platform) -> None:
        self._p = plat

    def reset(self) -> None:
        """Back to the spec's state: data, files, tasks, tokens, faults, clock, log."""
        self._p.reset()

    def inject(self, **kwargs: Any) -> int:
        """Add a fault rule (fields of `control_bodies.FaultSpec`); returns its id.

        Raises:
            ValueError: an unknown field, or a value of the wrong type or out of range.
        """
        return self._p.faults.add(checked(FaultSpec, kwargs)).id

    def clear_faults(self) -> None:
        """Switch every fault rule off (they stay listed, with their counts, until reset)."""
        self._p.faults.stop()

    def faults(self) -> list[dict[str, Any]]:
        """Every fault rule since the last reset with its ``matched`` and ``fired`` counts."""
        return self._p.faults.list()

    def set_bandwidth(
        self, request_bps: float | None = None, response_bps: float | None = None
    ) -> None:
        """Cap body throughput (bytes per second; None or 0 = no cap)."""
        caps = {"request_bps": request_bps, "response_bps": response_bps}
        self._p.bandwidth.set(checked(BandwidthCaps, caps))

    def advance_clock(self, seconds: float) -> float:
        """Move the engine clock forward; returns the total offset in seconds."""
        body = checked(ClockAdvance, {"advance_s": seconds})
        return self._p.clock.advance(body.advance_s)

    def set_task_timing(self, steps: int = 3, step_s: float = 0.0) -> None:
        body = checked(TaskTimingBody, {"steps": steps, "step_s": step_s})
        self._p.tasks.timing = TaskTiming(body.steps, body.step_s)

    def requests(self) -> list[dict[str, Any]]:
        return self._p.log.list()

    def approve_device(
        self, user_code: str, email: str | None = None, *, approve: bool = True
    ) -> None:
        self._p.auth.decide_device(user_code, approve=approve, email=email)

    def register_certificate(self, email: str, pem: str) -> str:
        return self._p.auth.register_certificate(email, pem)

    def set_rejected_rows_successful(self, successful: bool) -> None:
        """What ``successful`` says for an import that rejected rows, until the next reset."""
        body = checked(RejectedRowsBody, {"successful": successful})
        self._p.tasks.rejected_rows_successful = body.successful

    def set_oauth_interval(self, seconds: float) -> None:
        body = checked(OAuthInterval, {"interval_s": seconds})
        self._p.auth.oauth_interval_s = body.interval_s

    def arm_crash_point(self, point: str) -> None:
        """Park the next task worker that reaches ``point`` (engine/crash_points.py)."""
        self._p.tasks.crash_points.arm(checked(CrashPointBody, {"point": point}).point)

    def crash_points(self) -> dict[str, str]:
        """``{point: "armed" | "reached"}``."""
        return self._p.tasks.crash_points.state()

    def disarm_crash_points(self) -> None:
        """Disarm every point; parked workers carry on."""
        self._p.tasks.crash_points.disarm()


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
    caps = _value_error(checked, BandwidthCaps, await _json_obj(request))
    ctl.set_bandwidth(caps.request_bps, caps.response_bps)
    return empty(204)


async def clock(request: Request) -> Response:
    ctl = _guard(request)
    if request.method == "POST":
        body = _value_error(checked, ClockAdvance, await _json_obj(request))
        _value_error(ctl.advance_clock, body.advance_s)
    plat = platform(request)
    return AnaplanJSON({"offset_s": plat.clock.offset_s, "now_ms": plat.clock.now_ms()})


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
