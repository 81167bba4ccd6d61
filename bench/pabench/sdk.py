"""anaplan-sdk pointed at the emulator, unmodified, through its ``transport=`` hook.

The SDK hard-codes ``https://api.anaplan.com`` and ``https://auth.anaplan.com``; a transport that
rewrites those origins to the emulator's is the only change, and it costs nothing measurable.
"""

from __future__ import annotations

from typing import Any

import httpx2

_ANAPLAN_HOSTS = ("api.anaplan.com", "auth.anaplan.com")


class RewriteTransport(httpx2.HTTPTransport):
    """Send requests for Anaplan's hosts to ``origin`` (the emulator on loopback); refuse others."""

    def __init__(self, origin: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._origin = httpx2.URL(origin)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.host not in _ANAPLAN_HOSTS:
            # Benchmarks stay on loopback: anything else is a bug in the harness.
            raise httpx2.ConnectError(f"refusing host {request.url.host!r}")
        request.url = request.url.copy_with(
            scheme=self._origin.scheme, host=self._origin.host, port=self._origin.port
        )
        request.headers["Host"] = request.url.netloc.decode("ascii")
        return super().handle_request(request)


def client(origin: str, token: str, workspace_id: str, model_id: str, **options: Any):
    """Return an ``anaplan_sdk.Client`` with its defaults, authenticated by ``token``.

    Args:
        origin: Emulator origin, e.g. ``http://127.0.0.1:54321``.
        token: An ``AnaplanAuthToken`` value from the emulator's ``/token/authenticate``.
        workspace_id: Workspace ID.
        model_id: Model ID.
        **options: SDK constructor options (none in the benchmarks: its defaults are the point).
    """
    import anaplan_sdk

    return anaplan_sdk.Client(
        workspace_id=workspace_id,
        model_id=model_id,
        token=token,
        transport=RewriteTransport(origin),
        **options,
    )
