"""Responses become typed errors: the three body shapes, empty and non-JSON bodies."""

from __future__ import annotations

import httpx2
import pytest

from pyanaplan.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
)
from pyanaplan.http._raise import (
    error_for_response,
    raise_for_response,
    safe_url,
    transport_error,
)


def response(
    status: int, body: bytes | None = None, *, json: object = None, **headers: str
) -> httpx2.Response:
    request = httpx2.Request("GET", "http://127.0.0.1:1/2/0/workspaces/w/models/m/files?x=1")
    if json is not None:
        return httpx2.Response(status, json=json, headers=headers, request=request)
    return httpx2.Response(status, content=body or b"", headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (410, NotFoundError),
        (409, ConflictError),
        (422, ConflictError),
        (423, ConflictError),
        (429, RateLimitedError),
        (500, ServerError),
        (503, ServerError),
        (400, BadRequestError),
        (418, APIError),
    ],
)
def test_status_to_class(status: int, cls: type[APIError]) -> None:
    error = error_for_response(response(status))
    assert type(error) is cls
    assert error.status == status
    assert error.hint


def test_integration_envelope_message() -> None:
    body = {"status": {"code": 400, "message": "Failed to parse sort parameter"}, "path": "/2/0/x"}
    error = error_for_response(response(400, json=body))
    assert "Failed to parse sort parameter" in error.message
    assert error.method == "GET"
    assert error.url == "http://127.0.0.1:1/2/0/workspaces/w/models/m/files"


def test_auth_service_envelope() -> None:
    body = {"status": "FAILURE_BAD_CREDENTIAL", "statusMessage": "Bad credentials"}
    error = error_for_response(response(401, json=body))
    assert isinstance(error, AuthenticationError)
    assert error.code == "FAILURE_BAD_CREDENTIAL"
    assert "Bad credentials" in error.message


def test_oauth_error_json() -> None:
    body = {"error": "invalid_grant", "error_description": "Refresh token revoked"}
    error = error_for_response(response(400, json=body))
    assert error.code == "invalid_grant"
    assert "Refresh token revoked" in error.message


@pytest.mark.parametrize("body", [b"", b"<html>oops</html>", b"\xff\xfe\x00", b"[1,2]"])
def test_tolerates_odd_bodies(body: bytes) -> None:
    error = error_for_response(response(502, body))
    assert isinstance(error, ServerError)
    assert "502" in error.message


def test_request_id_header_is_kept() -> None:
    error = error_for_response(response(500, **{"X-Request-Id": "abc-123"}))
    assert error.request_id == "abc-123"


def test_raise_honours_expect() -> None:
    raise_for_response(response(404), expect=(404,))
    raise_for_response(response(204))
    with pytest.raises(NotFoundError):
        raise_for_response(response(404))


def test_safe_url_strips_userinfo_and_query() -> None:
    assert safe_url("https://u:pw@h.example:8443/p/a?token=abc") == "https://h.example:8443/p/a"


def test_connect_failure_through_a_proxy_names_the_proxy_without_credentials() -> None:
    refused = httpx2.ConnectError("[Errno 111] Connection refused")
    url = "https://api.anaplan.com/2/0/workspaces"
    error = transport_error(refused, method="GET", url=url, proxy="http://alice:s3cret@127.0.0.1:9")
    assert str(error.message).startswith("Could not connect through the proxy http://127.0.0.1:9")
    assert "connection refused" in error.message and "api.anaplan.com" in error.message
    assert "s3cret" not in error.message and "alice" not in error.message
    assert "proxy" in error.hint.lower()
    # Without a proxy the same failure is the server's.
    direct = transport_error(refused, method="GET", url=url)
    assert "proxy" not in direct.message.lower()
    # A read error through a proxy happened after the connection: not the proxy's fault.
    read = transport_error(httpx2.ReadError("reset"), method="GET", url=url, proxy="http://p:1")
    assert "proxy" not in read.message.lower()


def _ssl_connect_error(reason: str) -> httpx2.ConnectError:
    import ssl

    try:
        raise ssl.SSLError(1, reason)
    except ssl.SSLError as cause:
        try:
            raise httpx2.ConnectError(reason) from cause
        except httpx2.ConnectError as exc:
            return exc


def test_a_plain_http_server_on_an_https_url_did_not_speak_tls() -> None:
    exc = _ssl_connect_error("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)")
    error = transport_error(exc, method="POST", url="https://127.0.0.1:8650/token/authenticate")
    assert "did not speak TLS" in error.message
    assert "http://127.0.0.1:8650" in error.hint
    assert "--ca-bundle" not in error.hint  # the certificate is not the problem


def test_an_untrusted_certificate_is_still_a_verification_failure() -> None:
    exc = _ssl_connect_error("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    error = transport_error(exc, method="GET", url="https://api.anaplan.com/2/0/users/me")
    assert error.message.startswith("TLS verification failed")
    assert "--ca-bundle" in error.hint


@pytest.mark.parametrize("proxy", ["not a url::", "localhost:3128", "ftp://user:secret@p:21"])
def test_an_unusable_proxy_is_a_config_error(proxy: str) -> None:
    from pyanaplan._config import Settings
    from pyanaplan.errors import ConfigError
    from pyanaplan.http._transport import build_httpx_client

    with pytest.raises(ConfigError) as info:
        build_httpx_client(Settings(proxy=proxy))
    assert "proxy" in info.value.message and "secret" not in info.value.message
    assert "--proxy" in info.value.hint


def test_only_failures_before_sending_say_the_request_never_left() -> None:
    # tasks/start.py adopts no task after a start that certainly never reached the server.
    url = "https://api.anaplan.com/2/0/x"
    for exc in (httpx2.ConnectError("refused"), httpx2.ConnectTimeout("slow")):
        assert transport_error(exc, method="POST", url=url).request_sent is False
    for exc in (httpx2.ReadTimeout("late"), httpx2.RemoteProtocolError("cut")):
        assert transport_error(exc, method="POST", url=url).request_sent is None
