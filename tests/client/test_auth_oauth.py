"""OAuth device grant: approval via the emulator, rotating refresh tokens in the store."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from pyanaplan import AuthenticationError, ConfigError, DeviceCode, FileTokenStore

CLIENT_ID = "0123456789abcdef0123456789abcdef"
DEMO_USER_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


@pytest.fixture
def quick_oauth(emu: Any) -> Any:
    emu.set_oauth_interval(0.05)
    return emu


def test_device_login_then_stored_refresh_token(
    quick_oauth: Any, make_client: Any, tmp_path: Path
) -> None:
    emu = quick_oauth
    shown: list[DeviceCode] = []

    def approve(code: DeviceCode) -> None:
        shown.append(code)
        emu.approve_device(code.user_code)

    store = FileTokenStore(tmp_path / "tokens.json")
    c = make_client(oauth_client_id=CLIENT_ID, on_device_code=approve, token_store=store)
    assert c.whoami().id == DEMO_USER_ID
    assert len(shown) == 1 and shown[0].user_code and shown[0].verification_uri
    key = f"{emu.oauth_url}|{CLIENT_ID}"
    first_refresh = store.load(key)
    assert first_refresh
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    c.close()

    # A second client reuses the stored refresh token: no device login, and the token rotates.
    def must_not_be_called(code: DeviceCode) -> None:
        raise AssertionError("device login should not be needed")

    c2 = make_client(
        oauth_client_id=CLIENT_ID, on_device_code=must_not_be_called, token_store=store
    )
    assert c2.whoami().id == DEMO_USER_ID
    assert store.load(key) not in (None, first_refresh)
    device_posts = [r for r in emu.requests() if r["path"].endswith("/oauth/device/code")]
    assert len(device_posts) == 1


def test_denied_device_login(quick_oauth: Any, make_client: Any, tmp_path: Path) -> None:
    emu = quick_oauth
    c = make_client(
        oauth_client_id=CLIENT_ID,
        on_device_code=lambda code: emu.deny_device(code.user_code),
        token_store=FileTokenStore(tmp_path / "t.json"),
    )
    with pytest.raises(AuthenticationError, match="denied"):
        c.whoami()


def test_device_login_needs_a_callback(quick_oauth: Any, make_client: Any, tmp_path: Path) -> None:
    c = make_client(oauth_client_id=CLIENT_ID, token_store=FileTokenStore(tmp_path / "t.json"))
    with pytest.raises(ConfigError, match="verification code"):
        c.whoami()


def test_stale_stored_refresh_token_falls_back_to_device_login(
    quick_oauth: Any, make_client: Any, tmp_path: Path
) -> None:
    emu = quick_oauth
    store = FileTokenStore(tmp_path / "tokens.json")
    store.save(f"{emu.oauth_url}|{CLIENT_ID}", "revoked-or-made-up")
    codes: list[str] = []

    def approve(code: DeviceCode) -> None:
        codes.append(code.user_code)
        emu.approve_device(code.user_code)

    c = make_client(oauth_client_id=CLIENT_ID, on_device_code=approve, token_store=store)
    assert c.whoami().id == DEMO_USER_ID
    assert len(codes) == 1
    assert store.load(f"{emu.oauth_url}|{CLIENT_ID}") != "revoked-or-made-up"


def test_slow_down_adds_five_seconds(quick_oauth: Any) -> None:
    import time

    from pyanaplan import load_settings
    from pyanaplan.auth import DeviceGrantProvider
    from pyanaplan.http import AuthHttp

    emu = quick_oauth
    settings = load_settings(api_url=emu.api_url, auth_url=emu.auth_url, oauth_url=emu.oauth_url)
    codes: list[DeviceCode] = []
    slept: list[float] = []

    def on_code(code: DeviceCode) -> None:
        codes.append(code)
        emu.set_oauth_interval(0.25)  # the server now wants slower polling than it announced

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(min(seconds, 0.3))  # record the requested wait, keep the test fast
        if len(slept) == 3:
            emu.approve_device(codes[0].user_code)

    http = AuthHttp(settings)
    try:
        provider = DeviceGrantProvider(http, CLIENT_ID, on_device_code=on_code, sleep=sleep)
        token = provider.authenticate()
    finally:
        http.close()
    assert token.value and token.refresh_token
    assert slept[:2] == [pytest.approx(0.05), pytest.approx(0.05)]
    assert slept[2] == pytest.approx(5.05)  # pending, then slow_down → interval + 5 s
