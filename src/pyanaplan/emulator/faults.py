"""Fault injection, bandwidth caps and the request log, applied by one outer ASGI middleware.

Rules match by HTTP method and a path glob (``*`` spans ``/``), fire the next N times or on a
fraction of requests, and can answer with a status (429 + Retry-After as seconds or an HTTP date,
5xx, 409 …), add latency, kill the caller's token before the request runs, or drop the connection
part-way through the response body. ``/__emulator__/`` itself is never faulted or logged.

Every rule stays listed until the next reset, spent or switched off, with two counts: ``matched``
(requests that reached the rule with its method and path) and ``fired``. A test reads them to
prove that its faults really happened: a rule aimed at the wrong path shows ``matched == 0``.
"""

from __future__ import annotations

import asyncio
import fnmatch
import itertools
import random
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from email.utils import formatdate
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pyanaplan.emulator.control_bodies import BandwidthCaps, FaultSpec
from pyanaplan.emulator.engine.clock import Clock
from pyanaplan.emulator.engine.errors import reason
from pyanaplan.emulator.render import REQUESTED_PATH, error_body

CONTROL_PREFIX = "/__emulator__"
MAX_LOG = 100_000


@dataclass
class FaultRule:
    """One injected fault.

    Attributes:
        id: rule id (returned by `inject`).
        path: glob over the request path (``*/chunks/*``); ``*`` matches ``/`` too.
        method: HTTP method, or None for any.
        status: answer with this status instead of running the request.
        retry_after: ``Retry-After`` value in seconds (with status 429/503).
        retry_after_http_date: send ``Retry-After`` as an HTTP date instead of seconds.
        drop: run the request, then cut the connection part-way through the response body.
        delay_s: added latency before the request runs.
        expire_token: the token on the matching request dies before it runs.
        times: fire on the next N matching requests (None with fraction = every time).
        fraction: fire on this share of matching requests instead of a count.
        message: ``status.message`` for the error body.
        matched: requests that reached this rule with its method and path (a request an
            earlier rule fired on never reaches it).
        fired: requests the rule fired on.
        active: False once spent (``fired == times``) or switched off by `FaultSet.stop`.
    """

    id: int
    path: str = "*"
    method: str | None = None
    status: int | None = None
    retry_after: float | None = None
    retry_after_http_date: bool = False
    drop: bool = False
    delay_s: float = 0.0
    expire_token: bool = False
    times: int | None = 1
    fraction: float | None = None
    message: str | None = None
    matched: int = 0
    fired: int = 0
    active: bool = True


class FaultSet:
    """Active rules; thread-safe (the Python API and the event loop both touch it)."""

    def __init__(self, seed: int | None = None) -> None:
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def add(self, spec: FaultSpec) -> FaultRule:
        """Create a rule from a checked spec (`control_bodies.FaultSpec`)."""
        fields = spec.model_dump()
        if spec.fraction is not None:
            fields["times"] = None  # a fraction fires on a share of requests, not N times
        rule = FaultRule(id=0, **fields)
        with self._lock:
            rule.id = next(self._ids)
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        """Forget every rule and its counts (emulator reset)."""
        with self._lock:
            self._rules.clear()

    def stop(self) -> None:
        """Switch every rule off; they stay listed with their counts until `clear`."""
        with self._lock:
            for rule in self._rules:
                rule.active = False

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) != before

    def list(self) -> list[dict[str, Any]]:
        """Every rule since the last reset, active or not, with its counts, in the order added."""
        with self._lock:
            return [asdict(r) for r in self._rules]

    def match(self, method: str, path: str) -> FaultRule | None:
        """The first active rule that fires for this request (counting it as matched and
        fired; a rule with ``times`` switches off when spent)."""
        with self._lock:
            for rule in self._rules:
                if not rule.active:
                    continue
                if rule.method and rule.method != method.upper():
                    continue
                if not fnmatch.fnmatchcase(path, rule.path):
                    continue
                rule.matched += 1
                if rule.fraction is not None and self._random.random() >= rule.fraction:
                    continue
                rule.fired += 1
                if rule.fraction is None and rule.times is not None and rule.fired >= rule.times:
                    rule.active = False
                return rule
        return None


class Bandwidth:
    """Caps on request and response body throughput (bytes per second; None = unlimited)."""

    def __init__(self) -> None:
        self.request_bps: float | None = None
        self.response_bps: float | None = None

    def set(self, caps: BandwidthCaps) -> None:
        """Apply checked caps (`control_bodies.BandwidthCaps`; None = unlimited)."""
        self.request_bps = caps.request_bps
        self.response_bps = caps.response_bps


class RequestLog:
    """Method, path, status and request body size of every API request since the last reset."""

    def __init__(self) -> None:
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            if len(self._entries) < MAX_LOG:
                self._entries.append(entry)

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


async def _throttle(nbytes: int, bps: float | None) -> None:
    if bps and nbytes:
        await asyncio.sleep(nbytes / bps)


def _token_from_headers(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == b"authorization":
            text: str = value.decode("latin-1")
            parts = text.split(None, 1)
            if len(parts) == 2 and parts[0].lower() in ("anaplanauthtoken", "bearer"):
                return parts[1].strip()
    return None


def _dated(send: Send, clock: Any) -> Send:
    """Stamp every response with a ``Date`` from the emulator's clock, not the wall clock.

    Clients judge token expiry on the server's clock (the ``Date`` header), so advancing the
    emulator's clock must show there too; uvicorn's own header is turned off in server.py.
    """

    async def send_dated(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
            headers.append((b"date", formatdate(clock.now_s(), usegmt=True).encode("latin-1")))
            message = {**message, "headers": headers}
        await send(message)

    return send_dated


class FaultMiddleware:
    """Outermost ASGI layer: normalises paths, logs requests, applies faults and bandwidth caps.

    Args:
        app: the Starlette app.
        faults: active rules.
        bandwidth: body throughput caps.
        log: request log.
        expire_token: kills a token value (engine auth).
        clock: engine clock (HTTP-date Retry-After).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        faults: FaultSet,
        bandwidth: Bandwidth,
        log: RequestLog,
        expire_token: Callable[[str], None],
        clock: Clock,
    ) -> None:
        self.app = app
        self.faults = faults
        self.bandwidth = bandwidth
        self.log = log
        self.expire_token = expire_token
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _dated(send, self.clock)
        path: str = scope["path"]
        requested = path
        # `/2/0/…/imports/` with a trailing slash is used by Postman (api-notes §4.6.1): same route,
        # but error envelopes echo the path as sent (`request_path`).
        if path.startswith("/2/0/") and len(path) > 5 and path.endswith("/"):
            scope = dict(scope, path=path.rstrip("/") or "/")
            scope[REQUESTED_PATH] = requested
            path = scope["path"]
        if path.startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        entry: dict[str, Any] = {"method": method, "path": path, "status": None, "request_bytes": 0}
        # Logged now and filled in as the exchange goes: the status is set before the client can
        # see the response, so a test reading the log right after a call finds it complete.
        self.log.add(entry)
        rule = self.faults.match(method, path)
        bw = self.bandwidth

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                entry["request_bytes"] += len(body)
                await _throttle(len(body), bw.request_bps)
            return message

        async def capped_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            if message["type"] == "http.response.body" and bw.response_bps:
                body = message.get("body", b"")
                step = max(1024, int(bw.response_bps / 10))
                more = message.get("more_body", False)
                for i in range(0, len(body), step):
                    part = body[i : i + step]
                    await _throttle(len(part), bw.response_bps)
                    last = i + step >= len(body)
                    await send(
                        {"type": "http.response.body", "body": part, "more_body": more or not last}
                    )
                if not body:
                    await send(message)
                return
            await send(message)

        if rule is not None:
            if rule.delay_s:
                await asyncio.sleep(float(rule.delay_s))
            if rule.expire_token:
                token = _token_from_headers(scope)
                if token:
                    await asyncio.to_thread(self.expire_token, token)
            if rule.status is not None:
                await self._answer(rule, requested, counting_receive, capped_send)
                return
            if rule.drop:
                await self._drop(scope, counting_receive, send, entry)
                return
        await self.app(scope, counting_receive, capped_send)

    async def _answer(self, rule: FaultRule, path: str, receive: Receive, send: Send) -> None:
        # Drain the request body so the client reads our answer rather than a reset connection.
        while True:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        status = int(rule.status or 500)
        headers = [(b"content-type", b"application/json")]
        if rule.retry_after is not None:
            if rule.retry_after_http_date:
                value = formatdate(self.clock.now_s() + float(rule.retry_after), usegmt=True)
            else:
                value = (
                    str(int(rule.retry_after))
                    if float(rule.retry_after).is_integer()
                    else str(rule.retry_after)
                )
            headers.append((b"retry-after", value.encode()))
        import json

        body = json.dumps(error_body(status, rule.message or reason(status), path)).encode()
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _drop(
        self, scope: Scope, receive: Receive, send: Send, entry: dict[str, Any]
    ) -> None:
        """Run the request, then send the status line and only part of the body, then hang up."""
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        declared = max(len(body), 64)
        status = start.get("status", 200)
        if not body or status in (204, 304):
            status = 200  # a body-less answer cannot be cut mid-body; promise one instead
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(declared).encode()))
        entry["status"] = "dropped"
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
        )
        # Returning with the response incomplete makes uvicorn close the connection.
