"""Proactive refresh before expiry (< 5 minutes left) with a short-lived emulator token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pyanaplan import Client


@pytest.fixture(scope="module")
def short_ttl_emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A second emulator whose tokens live 290 s: always inside the 300 s refresh margin."""
    from pyanaplan.emulator import Emulator

    with Emulator(data_dir=tmp_path_factory.mktemp("emu-ttl"), token_ttl_s=290) as emu:
        yield emu


def test_refreshes_before_expiry(short_ttl_emu: Any) -> None:
    emu = short_ttl_emu
    emu.reset()
    user, password = emu.users[0]
    with Client(api_url=emu.api_url, auth_url=emu.auth_url, user=user, password=password) as c:
        c.whoami()
        first = c.auth.token
        assert first is not None and first.expires_at is not None
        remaining = c.auth.remaining_s(first)
        assert remaining is not None and remaining < 300
        emu.advance_clock(60)  # the refreshed token's expiry must move with the server clock
        c.whoami()
        log = emu.requests()
        assert sum(1 for r in log if r["path"].endswith("/token/refresh")) == 1
        assert sum(1 for r in log if r["path"].endswith("/token/authenticate")) == 1
        second = c.auth.token
        assert second is not None and second.expires_at is not None
        assert second.expires_at >= first.expires_at + 59
        # The refreshed token still works for API calls.
        assert c.whoami().email == user


def test_oauth_token_refreshed_with_rotating_refresh_token(
    short_ttl_emu: Any, tmp_path: Any
) -> None:
    from pyanaplan import DeviceCode, FileTokenStore

    emu = short_ttl_emu
    emu.reset()
    emu.set_oauth_interval(0.05)
    store = FileTokenStore(tmp_path / "tokens.json")
    client_id = "0123456789abcdef0123456789abcdef"
    key = f"{emu.oauth_url}|{client_id}"

    def approve(code: DeviceCode) -> None:
        emu.approve_device(code.user_code)

    with Client(
        api_url=emu.api_url,
        auth_url=emu.auth_url,
        oauth_url=emu.oauth_url,
        oauth_client_id=client_id,
        on_device_code=approve,
        token_store=store,
    ) as c:
        c.whoami()
        first_refresh = store.load(key)
        c.whoami()  # 290 s lifetime < 300 s margin: refreshed via the refresh-token grant
        second_refresh = store.load(key)
    assert first_refresh and second_refresh and first_refresh != second_refresh
    token_posts = [r for r in emu.requests() if r["path"].endswith("/oauth/token")]
    assert sum(1 for r in token_posts if r["status"] == 200) == 2
    assert len([r for r in emu.requests() if r["path"].endswith("/oauth/device/code")]) == 1
