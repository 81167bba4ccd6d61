"""Basic auth, static tokens, 401 re-authentication, expiry, and logout against the emulator."""

from __future__ import annotations

import base64
import logging
from typing import Any

import httpx2
import pytest

from faultcheck import fired
from pyanaplan import AuthenticationError, Client

DEMO_USER_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def raw_token(emu: Any) -> str:
    user, password = emu.users[0]
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    response = httpx2.post(
        f"{emu.auth_url}/token/authenticate", headers={"Authorization": f"Basic {basic}"}
    )
    assert response.status_code in (200, 201)
    return response.json()["tokenInfo"]["tokenValue"]


def paths(emu: Any, method: str, suffix: str) -> list[dict[str, Any]]:
    return [r for r in emu.requests() if r["method"] == method and r["path"].endswith(suffix)]


def test_basic_whoami(client: Client, emu: Any) -> None:
    me = client.whoami()
    assert me.email == emu.users[0][0]
    assert me.id == DEMO_USER_ID
    assert len(paths(emu, "POST", "/token/authenticate")) == 1
    client.whoami()
    assert len(paths(emu, "POST", "/token/authenticate")) == 1  # token reused


def test_bad_password(emu: Any, connect: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="pyanaplan")
    user, _ = emu.users[0]
    with (
        Client(**connect, user=user, password="wrong-pw-123") as c,
        pytest.raises(AuthenticationError) as info,
    ):
        c.whoami()
    error = info.value
    assert error.status == 401
    assert "wrong-pw-123" not in str(error) and "wrong-pw-123" not in repr(error)
    assert "wrong-pw-123" not in caplog.text
    assert error.hint


def test_logout_on_close_kills_token(emu: Any, connect: dict[str, Any]) -> None:
    user, password = emu.users[0]
    c = Client(**connect, user=user, password=password)
    c.whoami()
    token = c.auth.token
    assert token is not None
    c.close()
    c.close()
    assert len(paths(emu, "POST", "/token/logout")) == 1
    check = httpx2.get(
        f"{emu.api_url}/2/0/users/me", headers={"Authorization": f"AnaplanAuthToken {token.value}"}
    )
    assert check.status_code == 401


def test_logout_is_sent_once_never_retried(emu: Any, connect: dict[str, Any]) -> None:
    user, password = emu.users[0]
    c = Client(**connect, user=user, password=password)
    c.whoami()
    emu.inject(path="*/token/logout", method="POST", status=429, retry_after=0, times=5)
    c.close()
    assert [r["status"] for r in paths(emu, "POST", "/token/logout")] == [429]


def test_logout_to_a_server_that_went_away_is_not_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from pyanaplan.emulator import Emulator

    with Emulator() as gone:
        user, password = gone.users[0]
        c = Client(api_url=gone.api_url, auth_url=gone.auth_url, user=user, password=password)
        c.whoami()
    caplog.set_level(logging.DEBUG, logger="pyanaplan")
    c.close()  # the server is down: one refused logout, logged at debug, and no retry
    assert [r for r in caplog.records if r.name.endswith(".retry")] == []
    assert any("logout failed" in r.getMessage() for r in caplog.records)


def test_static_token(emu: Any, connect: dict[str, Any]) -> None:
    token = raw_token(emu)
    with Client(**connect, token=token) as c:
        assert c.whoami().id == DEMO_USER_ID
    # A static token belongs to the caller: no logout, still usable.
    assert paths(emu, "POST", "/token/logout") == []
    again = httpx2.get(
        f"{emu.api_url}/2/0/users/me", headers={"Authorization": f"AnaplanAuthToken {token}"}
    )
    assert again.status_code == 200


def test_static_token_rejected_is_authentication_error(emu: Any, connect: dict[str, Any]) -> None:
    with (
        Client(**connect, token="not-a-real-token") as c,
        pytest.raises(AuthenticationError) as info,
    ):
        c.whoami()
    assert "not-a-real-token" not in str(info.value)
    assert len(paths(emu, "GET", "/users/me")) == 1  # no pointless replay


def test_401_reauthenticates_once_and_replays(client: Client, emu: Any) -> None:
    client.whoami()
    emu.inject(path="*/users/me", method="GET", expire_token=True, times=1)
    assert client.whoami().id == DEMO_USER_ID
    assert len(paths(emu, "POST", "/token/authenticate")) == 2
    me_calls = paths(emu, "GET", "/users/me")
    assert [r["status"] for r in me_calls][-2:] == [401, 200]


def test_expired_on_server_clock_recovers(client: Client, emu: Any) -> None:
    client.whoami()
    emu.advance_clock(36 * 60)  # past the 35-minute lifetime on the server's clock
    assert client.whoami().id == DEMO_USER_ID
    assert len(paths(emu, "POST", "/token/authenticate")) == 2


def test_json_body_replayed_after_401(client: Client, emu: Any) -> None:
    ref = client.model_ref()
    client.whoami()
    emu.inject(path="*/files/*", method="POST", expire_token=True, times=1)
    # Chunk-count POST with a JSON body: the same bytes are sent again after re-authenticating.
    response = client.session.request(
        "POST", f"{ref.path}/files/113000000001", json={"chunkCount": 1}
    )
    assert response.json()["file"]["id"] == "113000000001"
    statuses = [r["status"] for r in paths(emu, "POST", "/files/113000000001")]
    assert statuses == [401, 200]


def test_no_secrets_in_debug_logs(
    emu: Any, connect: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user, password = emu.users[0]
    with Client(**connect, user=user, password=password) as c:
        c.whoami()
        token = c.auth.token
        assert token is not None
        value = token.value
    assert "GET /2/0/users/me" in caplog.text or "/users/me" in caplog.text
    for secret in (password, value, "AnaplanAuthToken", "Authorization"):
        assert secret not in caplog.text


def test_streamed_body_is_recreated_after_401(client: Client, emu: Any) -> None:
    ref = client.model_ref()
    client.whoami()
    made: list[int] = []

    def body() -> Any:
        made.append(1)
        yield b"Name,Code\n"
        yield b"North,N\n"

    emu.inject(path="*/files/113000000001", method="PUT", expire_token=True, times=1)
    client.session.request(
        "PUT",
        f"{ref.path}/files/113000000001",
        content=body,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert len(made) == 2  # the generator was rebuilt, not replayed half-read
    statuses = [r["status"] for r in paths(emu, "PUT", "/files/113000000001")]
    assert statuses == [401, 204]
    got = client.session.request("GET", f"{ref.path}/files/113000000001")
    assert got.content == b"Name,Code\nNorth,N\n"


def test_second_401_is_authentication_error(client: Client, emu: Any) -> None:
    client.whoami()
    emu.inject(path="*/users/me", method="GET", expire_token=True, times=2)
    with pytest.raises(AuthenticationError) as info:
        client.whoami()
    assert info.value.status == 401
    assert [r["status"] for r in paths(emu, "GET", "/users/me")][-2:] == [401, 401]
    assert len(paths(emu, "POST", "/token/authenticate")) == 2  # re-authenticated exactly once
    assert fired(emu) == [2]
