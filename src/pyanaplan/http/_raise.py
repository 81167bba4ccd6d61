"""Turn HTTP responses and httpx2 exceptions into pyanaplan errors — the only place that does.

Three error body shapes exist (api-notes §2.4, §3.1.6, §3.2): the Integration API envelope
`{"status": {"code", "message"}, "path", "timestamp"}`, the auth service's
`{"status": "FAILURE_…", "statusMessage"}` and OAuth's `{"error", "error_description"}`. Bodies may
also be empty or not JSON (401 on the Integration API has no documented body).
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx2

from pyanaplan.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    TransportError,
)

__all__ = [
    "error_for_response",
    "proxy_setting_error",
    "raise_for_response",
    "safe_proxy_url",
    "safe_url",
    "transport_error",
]

_REQUEST_ID_HEADERS = ("x-request-id", "x-anaplan-request-id", "x-correlation-id", "x-b3-traceid")


def safe_url(url: httpx2.URL | str) -> str:
    """The URL without userinfo or query string, safe for messages and logs."""
    parsed = httpx2.URL(str(url))
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}{parsed.path}"


def _body_json(response: httpx2.Response) -> Any:
    try:
        if not response.content:
            return None
        return response.json()
    except (ValueError, UnicodeDecodeError, httpx2.ResponseNotRead):
        return None


def _parse_body(response: httpx2.Response) -> tuple[str | None, str | None]:
    """Return (code, message) from any of the three known error shapes."""
    body = _body_json(response)
    if not isinstance(body, dict):
        return None, None
    status = body.get("status")
    if isinstance(status, dict):  # Integration API envelope
        message = status.get("message")
        return None, str(message) if message else None
    if isinstance(status, str):  # auth service
        message = body.get("statusMessage")
        return status, str(message) if message else None
    if "error" in body:  # OAuth
        description = body.get("error_description")
        return str(body["error"]), str(description) if description else None
    message = body.get("message")
    return None, str(message) if isinstance(message, str) else None


def _error_class(status: int) -> type[APIError]:
    if status == 400:
        return BadRequestError
    if status == 401:
        return AuthenticationError
    if status == 403:
        return PermissionDeniedError
    if status in (404, 410):  # api-notes §4.7.1: treat 404 and 410 alike
        return NotFoundError
    if status in (409, 422, 423):
        return ConflictError
    if status == 429:
        return RateLimitedError
    if status >= 500:
        return ServerError
    return APIError


def error_for_response(
    response: httpx2.Response, *, what: str | None = None, hint: str | None = None
) -> APIError:
    """Build the typed error for an error response.

    Args:
        response: The failed response (its body must have been read).
        what: Optional description of the object involved, e.g. "file 'Sales.csv' (113000000003)".
        hint: Optional hint overriding the class default.
    """
    request = response.request
    code, message = _parse_body(response)
    reason = response.reason_phrase or "error"
    summary = f"{request.method} {request.url.path} failed: {response.status_code} {reason}"
    if message and message.lower() != reason.lower():
        summary += f": {message}"
    if what:
        summary = f"{what}: {summary}"
    request_id = next(
        (response.headers[h] for h in _REQUEST_ID_HEADERS if h in response.headers), None
    )
    cls = _error_class(response.status_code)
    return cls(
        summary,
        status=response.status_code,
        code=code,
        request_id=request_id,
        method=request.method,
        url=safe_url(request.url),
        hint=hint,
    )


def raise_for_response(
    response: httpx2.Response, *, expect: tuple[int, ...] = (), what: str | None = None
) -> None:
    """Raise the typed error if the status is >= 400 and not listed in `expect`."""
    if response.status_code >= 400 and response.status_code not in expect:
        raise error_for_response(response, what=what)


def _is_tls_failure(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError):
            return True
        text = str(current)
        if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text:
            return True
        current = current.__cause__ or current.__context__
    return False


# OpenSSL's words for a server that answered in plain text where a TLS handshake was expected
# (1.1/3.0: wrong version number; 3.2+: record layer failure / packet length too long).
_NOT_TLS = (
    "WRONG_VERSION_NUMBER",
    "RECORD_LAYER_FAILURE",
    "PACKET_LENGTH_TOO_LONG",
    "HTTP_REQUEST",
)


def _tls_error(exc: BaseException, *, where: str, url: httpx2.URL | str) -> TransportError:
    text = " ".join(str(e) for e in _chain(exc)).upper().replace(" ", "_")
    if any(marker in text for marker in _NOT_TLS):
        parsed = httpx2.URL(str(url))
        plain = f"http://{parsed.host}" + (f":{parsed.port}" if parsed.port else "")
        return TransportError(
            f"The server at {where} did not speak TLS: https was asked for, but it answered "
            "in plain text.",
            hint=f"If it is a plain-HTTP server (such as a local emulator), use {plain} in "
            "--api-url/--auth-url; otherwise check the port.",
        )
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return TransportError(
            f"TLS verification failed for {where}.",
            hint=(
                "The server certificate is not trusted: pass --ca-bundle PATH (or "
                "ANAPLAN_CA_BUNDLE) with your proxy's or server's CA certificate."
            ),
        )
    return TransportError(
        f"The TLS handshake for {where} failed ({_first_line(exc)}).",
        hint="Check the URL and port, and --ca-bundle / --insecure if a proxy inspects TLS.",
    )


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not e for e in seen) and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def proxy_setting_error(proxy: str | None, exc: Exception) -> ConfigError:
    """A proxy URL httpx2 cannot use (bad scheme, SOCKS without socksio), as a ConfigError.

    Args:
        proxy: The proxy from the settings, or None when it came from the environment.
        exc: httpx2's ValueError or ImportError.
    """
    if proxy is None:
        return ConfigError(
            f"The proxy in the environment cannot be used: {_first_line(exc)}",
            hint="Fix HTTPS_PROXY / HTTP_PROXY / ALL_PROXY: a URL such as http://proxy:3128.",
        )
    shown = proxy.rsplit("@", 1)[-1]  # never show a proxy password
    reason = (
        "SOCKS proxies need the socksio package"
        if isinstance(exc, ImportError)
        else ("use a URL such as http://proxy:3128")
    )
    return ConfigError(
        f"The proxy {shown!r} cannot be used: {reason}.",
        hint="Pass --proxy http://HOST:PORT (or https://…), or fix the proxy setting.",
    )


def safe_proxy_url(proxy: str) -> str:
    """A proxy URL for messages: scheme, host and port only (never its user:password)."""
    parsed = httpx2.URL(proxy if "://" in proxy else f"http://{proxy}")
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}"


def _proxy_failure(exc: httpx2.HTTPError) -> str:
    """A few words on why the proxy failed, e.g. "connection refused"."""
    text = str(exc)
    if isinstance(exc, httpx2.TimeoutException):
        return "timed out"
    if "refused" in text.lower():
        return "connection refused"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def transport_error(
    exc: httpx2.HTTPError,
    *,
    method: str,
    url: httpx2.URL | str,
    proxy: str | None = None,
) -> TransportError:
    """Wrap an httpx2 transport exception (the caller raises it `from exc`).

    Args:
        exc: The httpx2 exception.
        method: The request's method.
        url: The request's URL (query and credentials are dropped from the message).
        proxy: The proxy the request went through, if any: a failure to connect then means the
            proxy could not be reached, and the message must say so rather than blame Anaplan.
    """
    where = f"{method} {safe_url(url)}"
    proxy_hint = "Check that the proxy runs and is reachable, or fix --proxy / HTTPS_PROXY / "
    proxy_hint += "HTTP_PROXY / ALL_PROXY (NO_PROXY lists hosts reached directly)."
    error = _transport_error(exc, where, url, proxy, proxy_hint)
    if isinstance(
        exc, httpx2.ConnectError | httpx2.ConnectTimeout | httpx2.PoolTimeout | httpx2.ProxyError
    ):
        # No connection (or no tunnel), so the request never left: the server cannot have acted
        # on it. A task start that failed this way started nothing (tasks/run.py relies on it).
        error.request_sent = False
    return error


def _transport_error(
    exc: httpx2.HTTPError,
    where: str,
    url: httpx2.URL | str,
    proxy: str | None,
    proxy_hint: str,
) -> TransportError:
    if proxy is not None and isinstance(
        exc, httpx2.ConnectError | httpx2.ConnectTimeout | httpx2.ProxyError
    ):
        # Through a proxy the TCP connection is made to the proxy, so a connect failure is the
        # proxy's; a ProxyError is the proxy refusing the tunnel (e.g. 403/407 to CONNECT).
        return TransportError(
            f"Could not connect through the proxy {safe_proxy_url(proxy)} "
            f"({_proxy_failure(exc)}) to reach {where}.",
            hint=proxy_hint,
        )
    if _is_tls_failure(exc):
        return _tls_error(exc, where=where, url=url)
    if isinstance(exc, httpx2.TimeoutException):
        return TransportError(
            f"Timed out: {where} ({type(exc).__name__}).",
            hint="The model may be busy or dormant; retry later or raise --timeout.",
        )
    if isinstance(exc, httpx2.ProxyError):
        return TransportError(f"Proxy error for {where}: {exc}.", hint=proxy_hint)
    return TransportError(f"Connection failed: {where} ({type(exc).__name__}: {exc}).")
