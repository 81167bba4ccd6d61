"""Retries over real HTTP: 429 with Retry-After (seconds and HTTP date), 503, drops, task POSTs."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from faultcheck import fired
from pyanaplan import Client, ConflictError, RateLimitedError, ServerError, TransportError


def calls(emu: Any, method: str, suffix: str) -> list[int]:
    return [
        r["status"] for r in emu.requests() if r["method"] == method and r["path"].endswith(suffix)
    ]


def test_429_retry_after_seconds(
    client: Client, emu: Any, caplog: pytest.LogCaptureFixture
) -> None:
    expected = client.files()  # warm up: auth and name lookups done
    emu.inject(path="*/files", method="GET", status=429, retry_after=1, times=1)
    caplog.set_level(logging.WARNING, logger="pyanaplan")
    started = time.monotonic()
    assert client.files() == expected
    assert time.monotonic() - started >= 0.9  # honoured the server's 1 s, not the tiny backoff
    assert calls(emu, "GET", "/files")[-2:] == [429, 200]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "429" in warnings[0].getMessage()


def test_429_retry_after_http_date(client: Client, emu: Any) -> None:
    expected = client.files()
    emu.inject(
        path="*/files", method="GET", status=429, retry_after=1, retry_after_http_date=True, times=1
    )
    assert client.files() == expected
    assert calls(emu, "GET", "/files")[-2:] == [429, 200]
    assert fired(emu) == [1]


def test_503_is_retried(client: Client, emu: Any) -> None:
    expected = client.imports()
    emu.inject(path="*/imports", method="GET", status=503, times=2)
    assert client.imports() == expected
    assert calls(emu, "GET", "/imports")[-3:] == [503, 503, 200]
    assert fired(emu) == [2]


def test_409_busy_is_retried_on_idempotent_requests_only(client: Client, emu: Any) -> None:
    # A busy model answers 409 (api-notes §10.19): a GET may simply be asked again, a task
    # start may not (the server may already have queued it).
    expected = client.imports()
    emu.inject(path="*/imports", method="GET", status=409, times=2)
    assert client.imports() == expected
    assert calls(emu, "GET", "/imports")[-3:] == [409, 409, 200]
    ref = client.model_ref()
    emu.inject(path="*/imports/112000000001/tasks", method="POST", status=409, times=1)
    with pytest.raises(ConflictError):
        client.session.request(
            "POST", f"{ref.path}/imports/112000000001/tasks", json={"localeName": "en_US"}
        )
    assert calls(emu, "POST", "/tasks") == [409]
    assert fired(emu) == [2, 1]


def test_persistent_503_becomes_server_error(client: Client, emu: Any) -> None:
    client.imports()
    emu.inject(path="*/imports", method="GET", status=503, times=None)
    with pytest.raises(ServerError) as info:
        client.imports()
    assert info.value.status == 503 and info.value.method == "GET"
    assert calls(emu, "GET", "/imports").count(503) == 5  # the policy's 5 attempts
    assert fired(emu) == [5]


def test_persistent_429_becomes_rate_limited(client: Client, emu: Any) -> None:
    client.exports()
    emu.inject(path="*/exports", method="GET", status=429, times=None)
    with pytest.raises(RateLimitedError):
        client.exports()
    assert fired(emu) == [calls(emu, "GET", "/exports").count(429)] == [5]


def test_task_start_post_is_not_retried_on_5xx(client: Client, emu: Any) -> None:
    ref = client.model_ref()
    path = f"{ref.path}/imports/112000000001/tasks"
    emu.inject(path="*/imports/112000000001/tasks", method="POST", status=503, times=1)
    with pytest.raises(ServerError):
        client.session.request("POST", path, json={"localeName": "en_US"})
    assert calls(emu, "POST", "/tasks") == [503]


def test_task_start_post_is_retried_on_429(client: Client, emu: Any) -> None:
    # A 429 means the server refused the request before acting on it, so resending is safe.
    ref = client.model_ref()
    path = f"{ref.path}/imports/112000000001/tasks"
    emu.inject(
        path="*/imports/112000000001/tasks", method="POST", status=429, retry_after=0, times=1
    )
    response = client.session.request("POST", path, json={"localeName": "en_US"})
    assert response.json()["task"]["taskId"]
    assert calls(emu, "POST", "/tasks") == [429, 200]


def test_dropped_connection_on_get_is_retried(client: Client, emu: Any) -> None:
    expected = client.processes()
    emu.inject(path="*/processes", method="GET", drop=True, times=1)
    assert client.processes() == expected
    assert len(calls(emu, "GET", "/processes")) == 3  # warm-up, dropped, retried


def test_connection_refused_is_transport_error(make_client: Any, emu: Any) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    user, password = emu.users[0]
    c = make_client(
        api_url=f"http://127.0.0.1:{port}", auth_url=f"http://127.0.0.1:{port}", user=user,
        password=password,
    )  # fmt: skip
    with pytest.raises(TransportError) as info:
        c.whoami()
    assert password not in str(info.value)
    assert str(port) in str(info.value)


def test_task_start_post_not_retried_after_dropped_connection(client: Client, emu: Any) -> None:
    # The server may have started the task before the connection dropped: never resend blindly.
    ref = client.model_ref()
    path = f"{ref.path}/imports/112000000001/tasks"
    emu.inject(path="*/imports/112000000001/tasks", method="POST", drop=True, times=1)
    with pytest.raises(TransportError):
        client.session.request("POST", path, json={"localeName": "en_US"})
    assert len(calls(emu, "POST", "/tasks")) == 1
