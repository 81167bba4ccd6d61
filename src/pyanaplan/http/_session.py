"""ApiSession: the one object that sends Integration API requests (architecture §2.2)."""

from __future__ import annotations

import mmap
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx2

from pyanaplan._config import Settings
from pyanaplan.errors import TransportError
from pyanaplan.http._paging import iter_paged
from pyanaplan.http._raise import raise_for_response, transport_error
from pyanaplan.http._retry import RetryPolicy
from pyanaplan.http._transport import build_httpx_client, send_with_retry, timeout_for

__all__ = ["ApiSession", "BodyFactory", "is_idempotent", "iter_body"]

#: Makes a fresh request body (an iterable of bytes) for each attempt.
BodyFactory = Callable[[], Iterable[bytes]]

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# POST …/files/{fileId} sets the chunk count: repeating it leaves the same state (§4.5.1).
_CHUNK_COUNT_POST = re.compile(r"/files/[^/]+/?$")


def is_idempotent(method: str, path: str) -> bool:
    """True when repeating the request cannot duplicate work.

    GET/PUT/DELETE, the chunk-count POST and `/complete` are safe; task-start POSTs are not
    (reference §10.27) and are never retried blindly.
    """
    method = method.upper()
    if method in _IDEMPOTENT_METHODS:
        return True
    if method == "POST":
        bare = path.split("?", 1)[0].rstrip("/")
        return bare.endswith("/complete") or bool(_CHUNK_COUNT_POST.search(bare))
    return False


def iter_body(response: httpx2.Response, chunk_size: int | None = None) -> Iterator[bytes]:
    """Iterate a streamed response's bytes, turning httpx2 failures into TransportError."""
    try:
        yield from response.iter_bytes(chunk_size)
    except httpx2.HTTPError as exc:
        raise transport_error(
            exc, method=response.request.method, url=response.request.url
        ) from exc


_MAPPED_BODY_MIN = 1024 * 1024
# Pre-fault the pages in one call (Linux): page by page, the faults cost a third of the speed.
_MAP_FLAGS = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | getattr(mmap, "MAP_POPULATE", 0)


def _read_into_buffer(response: httpx2.Response) -> bytearray | memoryview:
    length = response.headers.get("Content-Length")
    encoded = response.headers.get("Content-Encoding", "identity").lower() != "identity"
    if length is None or encoded or not length.isdigit():
        buffer = bytearray()
        for piece in iter_body(response):
            buffer += piece
        return buffer
    size = int(length)
    # Large bodies go into their own anonymous mapping, returned to the OS when the last
    # reference goes: parallel 10 MiB heap buffers fragment glibc's arenas and RSS creeps up
    # with the file's size (measured in docs/benchmarks.md, download RSS).
    buffer: bytearray | mmap.mmap = (
        mmap.mmap(-1, size, flags=_MAP_FLAGS) if size >= _MAPPED_BODY_MIN else bytearray(size)
    )
    view = memoryview(buffer)
    filled = 0
    for piece in iter_body(response):
        end = filled + len(piece)
        if end > size:
            raise TransportError(
                f"GET {response.request.url.path}: more bytes than its Content-Length ({size})."
            )
        view[filled:end] = piece
        filled = end
    if filled != size:
        raise TransportError(
            f"GET {response.request.url.path}: the body ended after {filled} of {size} bytes."
        )
    return view


class ApiSession:
    """Integration API v2 requests with auth, retries, timeouts and typed errors.

    Args:
        settings: Connection settings (api_url origin, TLS, proxy, timeouts).
        auth: The httpx2 auth flow that adds and renews the token.
        retry: Retry policy; defaults to RetryPolicy().
        transport: Only for tests that need byte-level failures.
        max_connections: Connection pool size (raise for parallel transfers).

    Attributes:
        base_url: `{api_url}/2/0`; request paths are relative to it.
        http: The underlying httpx2.Client (thread-safe; shared by transfer workers).
    """

    def __init__(
        self,
        settings: Settings,
        auth: httpx2.Auth,
        *,
        retry: RetryPolicy | None = None,
        transport: httpx2.BaseTransport | None = None,
        max_connections: int = 20,
    ) -> None:
        self.settings = settings
        self.auth = auth
        self.retry = retry or RetryPolicy()
        self.base_url = f"{settings.api_url.rstrip('/')}/2/0"
        self.http = build_httpx_client(
            settings,
            auth=auth,
            base_url=self.base_url,
            transport=transport,
            max_connections=max_connections,
        )
        self._closed = False

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | BodyFactory | None = None,
        headers: Mapping[str, str] | None = None,
        timeout_s: float | None = None,
        retry: bool | None = None,
        expect: tuple[int, ...] = (),
    ) -> httpx2.Response:
        """Send one request and return the (read) response.

        Args:
            method: HTTP method.
            path: Path relative to /2/0, e.g. "/workspaces/{ws}/models/{m}/files".
            params: Query parameters.
            json: JSON body.
            content: Raw body bytes (re-sent unchanged on a retry or a 401 replay), or a
                zero-argument callable returning an iterable of bytes for bodies too large to
                hold: it is called again for every attempt, so a streamed body is re-created
                after a 401 or a retry, never replayed half-read.
            headers: Extra headers.
            timeout_s: Read/write timeout for this call (chunk PUT, complete, dumps need more).
            retry: None = retry when idempotent (see `is_idempotent`); False = only 429 and
                connection-establishment failures; True = retry like an idempotent call.
            expect: Error statuses to return instead of raising (e.g. (404,)).

        Returns:
            The response, body read.

        Raises:
            AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError,
            RateLimitedError, ServerError, APIError: For statuses >= 400 not in `expect`.
            TransportError: Connection failure, timeout or TLS error.
        """
        idempotent = is_idempotent(method, path) if retry is None else retry
        response = self._send(
            method, path, params, json, content, headers, timeout_s, idempotent, stream=False
        )
        raise_for_response(response, expect=expect)
        return response

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        content: bytes | BodyFactory | None,
        headers: Mapping[str, str] | None,
        timeout_s: float | None,
        idempotent: bool,
        *,
        stream: bool,
    ) -> httpx2.Response:
        url = self._url(path)
        timeout = timeout_for(self.settings, timeout_s) if timeout_s is not None else None

        def build() -> httpx2.Request:
            kwargs: dict[str, Any] = {
                "params": dict(params) if params else None,
                "json": json,
                "content": content() if callable(content) else content,
                "headers": dict(headers) if headers else None,
            }
            if timeout is not None:
                kwargs["timeout"] = timeout
            return self.http.build_request(method.upper(), url, **kwargs)

        return send_with_retry(
            self.http,
            build,
            policy=self.retry,
            retry_statuses=idempotent,
            stream=stream,
            rebuild_on_401=callable(content),
            settings=self.settings,
        )

    def get_json(self, path: str, *, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET a JSON document (errors raised as in `request`)."""
        response = self.request("GET", path, params=params)
        if not response.content:
            return {}
        body = response.json()
        return body if isinstance(body, dict) else {"items": body}

    def paged(
        self, path: str, key: str, *, params: Mapping[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield every item of a paged listing under payload `key`, trusting `meta.paging`."""
        return iter_paged(lambda p: self.get_json(path, params=p), key, params=params)

    def get_body(self, path: str, *, timeout_s: float | None = None) -> bytearray | memoryview:
        """GET a binary body into one buffer, retrying a body cut off part-way.

        Unlike `request(...).content`, which holds the body twice while httpx2 joins its pieces,
        the body is read into a buffer sized from Content-Length (measured in docs/benchmarks.md:
        it is what keeps parallel chunk downloads within their memory budget). A connection
        dropped mid-body is retried under the session's RetryPolicy, like any idempotent GET.

        Raises:
            As `request`; TransportError once the retry budget is spent.
        """
        started = self.retry.clock()
        attempt = 0
        while True:
            attempt += 1
            # Failures before the body (refused, 5xx, 429) were retried inside stream_get;
            # only a body cut off part-way is retried here.
            with self.stream_get(path, timeout_s=timeout_s) as response:
                try:
                    return _read_into_buffer(response)
                except TransportError:
                    delay = self.retry.delay_s(attempt, started_at=started)
                    if delay is None:
                        raise
            self.retry.sleep(delay)

    @contextmanager
    def stream_get(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        timeout_s: float | None = None,
        expect: tuple[int, ...] = (),
        headers: Mapping[str, str] | None = None,
    ) -> Iterator[httpx2.Response]:
        """GET with a streamed body; retries happen before any body byte is handed out.

        Yields:
            The open response (iterate `iter_bytes()`); closed on exit.

        Raises:
            As `request`. Read the body through `iter_body(response)` so that a failure
            mid-body is raised as TransportError too.
        """
        response = self._send(
            "GET", path, params, None, None, headers, timeout_s, True, stream=True
        )
        try:
            if response.status_code >= 400 and response.status_code not in expect:
                response.read()
                raise_for_response(response, expect=expect)
            yield response
        finally:
            response.close()

    def close(self) -> None:
        """Log out (when the auth flow supports it) and close connections. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            close_auth = getattr(self.auth, "close", None)
            if callable(close_auth):
                close_auth()
        finally:
            self.http.close()

    def __enter__(self) -> ApiSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
