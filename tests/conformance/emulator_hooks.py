"""Hooks for running third-party clients, unmodified, against the emulator.

Third-party clients hard-code Anaplan's hosts (anaplan-sdk calls `https://api.anaplan.com/2/0/…`
and `https://auth.anaplan.com/token/authenticate`, api-notes §1.2). They are pointed at the emulator
through their own transport hook, never by patching them: `EmulatorTransport` rewrites those
origins to the emulator's loopback origin and refuses everything else, so no test can leave the
machine.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Generator
from dataclasses import dataclass

import httpx2

from certs import issue_pem

DEMO_USER = "demo@pyanaplan.example"
DEMO_PASSWORD = "demo-password"  # the demo spec's published credential (docs/emulator-spec.md)
WORKSPACE_ID = "8a81b09d5e3f2c1a015e3f2c1a000001"
MODEL_ID = "5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B"
SANDBOX_MODEL_ID = "6C3F7A1D9B8E4F2A0D4C3B2E1F0A9D8C"


@dataclass(frozen=True)
class SeenRequest:
    """What the client sent, before the rewrite (so tests can check the client's own URLs)."""

    method: str
    host: str
    path: str
    content_type: str
    status: int


class _Rewriter:
    """The shared part of the sync and async transports: rewrite, refuse, record."""

    def __init__(self, origins: dict[str, str]) -> None:
        self._targets = {host: httpx2.URL(origin) for host, origin in origins.items()}
        self._lock = threading.Lock()
        self.seen: list[SeenRequest] = []

    def _forwarded(self, request: httpx2.Request) -> httpx2.Request:
        original = request.url
        target = self._targets.get(original.host)
        if target is None:
            raise httpx2.ConnectError(f"refusing host {original.host!r}: tests stay on loopback")
        # A new request, not an in-place edit: auth flows re-send the original object after a 401.
        headers = request.headers.copy()
        headers["Host"] = f"{target.host}:{target.port}"
        return httpx2.Request(
            request.method,
            original.copy_with(scheme=target.scheme, host=target.host, port=target.port),
            headers=headers,
            stream=request.stream,
            extensions=request.extensions,
        )

    def _record(self, request: httpx2.Request, response: httpx2.Response) -> None:
        with self._lock:
            self.seen.append(
                SeenRequest(
                    method=request.method,
                    host=request.url.host,
                    path=request.url.path,
                    content_type=request.headers.get("Content-Type", ""),
                    status=response.status_code,
                )
            )


class EmulatorTransport(_Rewriter, httpx2.BaseTransport):
    """An httpx2 transport that sends Anaplan-bound requests to the emulator instead.

    Args:
        origins: Anaplan host -> emulator origin, e.g.
            `{"api.anaplan.com": "http://127.0.0.1:54321", ...}`; other hosts are refused.
    """

    def __init__(self, origins: dict[str, str]) -> None:
        super().__init__(origins)
        self._inner = httpx2.HTTPTransport()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        """Rewrite the origin, forward over loopback and record the exchange."""
        response = self._inner.handle_request(self._forwarded(request))
        self._record(request, response)
        return response

    def close(self) -> None:
        """Close the pooled loopback connections."""
        self._inner.close()


class AsyncEmulatorTransport(_Rewriter, httpx2.AsyncBaseTransport):
    """The same for `httpx2.AsyncClient` (anaplan-sdk's `AsyncClient`)."""

    def __init__(self, origins: dict[str, str]) -> None:
        super().__init__(origins)
        self._inner = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Rewrite the origin, forward over loopback and record the exchange."""
        response = await self._inner.handle_async_request(self._forwarded(request))
        self._record(request, response)
        return response

    async def aclose(self) -> None:
        """Close the pooled loopback connections."""
        await self._inner.aclose()


def emulator_origins(emu) -> dict[str, str]:
    """The hosts anaplan-sdk hard-codes (api-notes §1.1, §1.2) -> the emulator's origins."""
    return {
        "api.anaplan.com": emu.api_url,
        "auth.anaplan.com": emu.auth_url,
        "us1a.app.anaplan.com": emu.oauth_url,
    }


class EmulatorTokenAuth(httpx2.Auth):
    """Basic-authenticates once against the emulator's auth service and sends the token.

    This is the `auth=` hook anaplan-sdk documents for callers who manage tokens themselves.
    """

    def __init__(self, auth_origin: str, user: str, password: str) -> None:
        self._auth_origin = auth_origin
        self._user = user
        self._password = password
        self._token: str | None = None
        self._lock = threading.Lock()

    def _token_value(self) -> str:
        with self._lock:
            if self._token is None:
                self._token = fetch_token(self._auth_origin, self._user, self._password)
            return self._token

    def auth_flow(
        self, request: httpx2.Request
    ) -> Generator[httpx2.Request, httpx2.Response, None]:
        """Add `Authorization: AnaplanAuthToken …` (api-notes §2.1)."""
        request.headers["Authorization"] = f"AnaplanAuthToken {self._token_value()}"
        yield request


def fetch_token(auth_origin: str, user: str, password: str) -> str:
    """Log in with Basic auth at `{auth_origin}/token/authenticate` and return the token value."""
    credentials = base64.b64encode(f"{user}:{password}".encode()).decode()
    response = httpx2.post(
        f"{auth_origin}/token/authenticate",
        headers={"Authorization": f"Basic {credentials}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()["tokenInfo"]["tokenValue"]


def make_certificate(common_name: str) -> str:
    """A throwaway certificate (PEM text) to register with the emulator."""
    return issue_pem(common_name)
