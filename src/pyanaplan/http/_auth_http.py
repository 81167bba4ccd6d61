"""HTTP client for the authentication and OAuth services (reference §3).

Built from the same Settings as the API session (TLS, CA bundle, proxy, timeouts, User-Agent), so
the very first login already honours them. Auth providers in `auth/` call it; it never sees an
auth flow, so there is no recursion when a token must be obtained.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2

from pyanaplan._config import Settings
from pyanaplan.errors import AuthenticationError
from pyanaplan.http._raise import error_for_response
from pyanaplan.http._retry import RetryPolicy
from pyanaplan.http._transport import build_httpx_client, send_with_retry

__all__ = ["AuthHttp"]


class AuthHttp:
    """Sends requests to the auth service (`/token/*`) and the OAuth service (`/oauth/*`).

    Args:
        settings: Connection settings; `auth_url` and `oauth_url` are the origins.
        retry: Retry policy for transient failures (authenticating twice is harmless).
        transport: Only for tests that need byte-level failures.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        retry: RetryPolicy | None = None,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self._client = build_httpx_client(settings, transport=transport, max_connections=4)
        self._observers: list[Callable[[httpx2.Response], None]] = []

    def observe(self, callback: Callable[[httpx2.Response], None]) -> None:
        """Call `callback(response)` for every response (the auth flow reads the Date header)."""
        self._observers.append(callback)

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        json: Any = None,
        data: dict[str, str] | None = None,
        retry: bool = True,
        expect: tuple[int, ...] = (),
        policy: RetryPolicy | None = None,
    ) -> httpx2.Response:
        """Send one auth-service request and raise a typed error for a failure status.

        Args:
            method: HTTP method.
            url: Absolute URL.
            headers: Extra headers (Authorization lives here; never logged).
            json: JSON body.
            data: Form body (OAuth token endpoint).
            retry: Retry 5xx and read errors (429 and connect errors are always retried).
            expect: Error statuses returned to the caller instead of raised (OAuth polling).
            policy: Overrides the retry policy for this request (logout passes NO_RETRY).

        Raises:
            AuthenticationError: 401, or 400/403 from a token endpoint.
            APIError: Any other failure status.
            TransportError: The service could not be reached.
        """

        def build() -> httpx2.Request:
            return self._client.build_request(method, url, headers=headers, json=json, data=data)

        response = send_with_retry(
            self._client,
            build,
            policy=policy or self.retry,
            retry_statuses=retry,
            settings=self.settings,
        )
        for callback in self._observers:
            callback(response)
        if response.status_code >= 400 and response.status_code not in expect:
            error = error_for_response(response)
            if response.status_code in (400, 403) and not isinstance(error, AuthenticationError):
                # Auth-service 400/403 mean a bad header or refused credential (§3.1.6).
                raise AuthenticationError(
                    error.message,
                    status=error.status,
                    code=error.code,
                    request_id=error.request_id,
                    method=error.method,
                    url=error.url,
                ) from None
            raise error
        return response

    def close(self) -> None:
        """Close the underlying connections."""
        self._client.close()
