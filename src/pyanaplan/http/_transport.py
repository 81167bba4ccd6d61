"""Build httpx2 clients from Settings, and send requests under a RetryPolicy.

The API session and the auth-service client are both built here, so TLS verification, CA
bundle, proxies, timeouts and User-Agent are identical for the first login and every later call.
"""

from __future__ import annotations

import logging
import platform
import ssl
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import httpx2

from pyanaplan import __version__
from pyanaplan._config import Settings
from pyanaplan.errors import ConfigError
from pyanaplan.http._raise import proxy_setting_error, safe_url, transport_error
from pyanaplan.http._retry import RetryPolicy, parse_retry_after

__all__ = ["USER_AGENT", "build_httpx_client", "proxy_for", "send_with_retry", "timeout_for"]

logger = logging.getLogger("pyanaplan.http")
#: Each retry is logged here, one warning per retry; the CLI shows these only with -v.
retry_logger = logging.getLogger("pyanaplan.http.retry")

USER_AGENT = f"pyanaplan/{__version__} python/{platform.python_version()}"


def _verify(settings: Settings) -> ssl.SSLContext | bool:
    if not settings.verify:
        return False
    if settings.ca_bundle:
        path = Path(settings.ca_bundle).expanduser()
        try:
            if path.is_dir():
                return ssl.create_default_context(capath=str(path))
            return ssl.create_default_context(cafile=str(path))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"Cannot load CA bundle {path}: {exc.__class__.__name__}.",
                hint="Pass a readable PEM file with the CA certificates to trust.",
            ) from None
    return True


def timeout_for(settings: Settings, read_s: float | None = None) -> httpx2.Timeout:
    """Timeouts: connect from settings, read/write from `read_s` or settings (seconds)."""
    read = read_s if read_s is not None else settings.timeout_s
    return httpx2.Timeout(
        connect=settings.connect_timeout_s, read=read, write=read, pool=settings.connect_timeout_s
    )


def build_httpx_client(
    settings: Settings,
    *,
    auth: httpx2.Auth | None = None,
    base_url: str = "",
    transport: httpx2.BaseTransport | None = None,
    max_connections: int = 20,
) -> httpx2.Client:
    """An httpx2.Client honouring the connection settings.

    Args:
        settings: Verify/CA bundle, proxy, trust_env (HTTP(S)_PROXY, NO_PROXY), timeouts.
        auth: Auth flow for API calls; None for the auth service itself.
        base_url: Prefix for relative request URLs.
        transport: Only for tests that need byte-level failures.
        max_connections: Connection pool size (transfers run chunks in parallel).
    """
    try:
        return httpx2.Client(
            auth=auth,
            base_url=base_url,
            verify=_verify(settings),
            proxy=settings.proxy or None,
            trust_env=settings.trust_env,
            timeout=timeout_for(settings),
            headers={"User-Agent": USER_AGENT},
            transport=transport,
            limits=httpx2.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            follow_redirects=False,
        )
    except (ValueError, ImportError) as exc:
        # httpx2 checks proxy URLs (given or from HTTP(S)_PROXY) here, with a ValueError.
        raise proxy_setting_error(settings.proxy or None, exc) from exc


def proxy_for(settings: Settings, url: httpx2.URL | str) -> str | None:
    """The proxy a request to `url` goes through (as configured, maybe with credentials).

    Only used to word error messages. It mirrors httpx2's choice: an explicit proxy for every
    request; otherwise, when the environment is trusted, HTTP(S)_PROXY / ALL_PROXY by scheme
    unless NO_PROXY lists the host (the standard library reads the same variables; exotic
    NO_PROXY forms such as CIDR ranges may be judged differently).
    """
    if settings.proxy:
        return settings.proxy
    if not settings.trust_env:
        return None
    parsed = httpx2.URL(str(url))
    proxies = urllib.request.getproxies()
    chosen = proxies.get(parsed.scheme) or proxies.get("all")
    if not chosen:
        return None
    host = f"{parsed.host}:{parsed.port}" if parsed.port else parsed.host
    if urllib.request.proxy_bypass_environment(host, proxies):
        return None
    return chosen


def send_with_retry(
    client: httpx2.Client,
    build: Callable[[], httpx2.Request],
    *,
    policy: RetryPolicy,
    retry_statuses: bool,
    stream: bool = False,
    rebuild_on_401: bool = False,
    settings: Settings | None = None,
) -> httpx2.Response:
    """Send a request, retrying transient failures as the policy allows.

    Args:
        client: The httpx2 client.
        build: Makes a fresh request each attempt (bodies are bytes, so every attempt sends the
            same bytes).
        policy: Backoff, attempts and deadline.
        retry_statuses: True for idempotent requests: retry 5xx and read/write errors too. When
            False only failures where the server cannot have acted are retried: 429 and
            connection-establishment errors (reference §10.27).
        stream: Return an unread streaming response (caller closes it).
        rebuild_on_401: The body is a generator the auth flow cannot replay; on a 401 build
            the request once more (the flow has dropped the rejected token by then).
        settings: The settings the client was built from, so a connection error can name the
            proxy that failed (`proxy_for`) instead of blaming the server.

    Returns:
        The final response, which may still be an error status.

    Raises:
        TransportError: Connection errors that persisted, or were not safe to retry.
    """
    started = policy.clock()
    attempt = 0
    rebuilt = False
    while True:
        request = build()
        attempt += 1
        t0 = time.monotonic()
        try:
            response = client.send(request, stream=stream)
        except httpx2.HTTPError as exc:
            safe = isinstance(exc, httpx2.ConnectError | httpx2.ConnectTimeout | httpx2.PoolTimeout)
            transient = isinstance(exc, httpx2.TransportError)
            delay = None
            if transient and (safe or retry_statuses) and not _is_tls(exc):
                delay = policy.delay_s(attempt, started_at=started)
            if delay is None:
                proxy = proxy_for(settings, request.url) if settings is not None else None
                raise transport_error(
                    exc, method=request.method, url=request.url, proxy=proxy
                ) from exc
            retry_logger.warning(
                "%s %s: %s; retry %d in %.2fs",
                request.method,
                safe_url(request.url),
                type(exc).__name__,
                attempt,
                delay,
            )
            policy.sleep(delay)
            continue
        elapsed = time.monotonic() - t0
        logger.debug(
            "%s %s -> %d (%.3fs)",
            request.method,
            request.url.path,
            response.status_code,
            elapsed,
        )
        status = response.status_code
        if status == 401 and rebuild_on_401 and not rebuilt:
            rebuilt = True
            response.close()
            continue
        if status == 429 or (retry_statuses and policy.is_retryable_status(status)):
            retry_after = parse_retry_after(
                response.headers.get("Retry-After"), cap_s=policy.max_retry_after_s
            )
            delay = policy.delay_s(attempt, started_at=started, retry_after_s=retry_after)
            if delay is not None:
                retry_logger.warning(
                    "%s %s -> %d; retry %d in %.2fs",
                    request.method,
                    safe_url(request.url),
                    status,
                    attempt,
                    delay,
                )
                response.close()
                policy.sleep(delay)
                continue
        return response


def _is_tls(exc: BaseException) -> bool:
    # A certificate problem will not fix itself; retrying only delays the clear error.
    current: BaseException | None = exc
    for _ in range(10):
        if current is None:
            return False
        if isinstance(current, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False
