"""TokenAuth renewal decisions with a fake clock and a recording provider (no network)."""

from __future__ import annotations

import threading

import httpx2

from pyanaplan.auth import StaticTokenProvider, Token, TokenAuth, TokenProvider
from pyanaplan.errors import AuthenticationError


class RecordingProvider(TokenProvider):
    """A TokenProvider whose tokens expire `ttl_s` after issue on the given clock."""

    def __init__(self, clock: list[float], ttl_s: float = 2100.0) -> None:
        self.clock = clock
        self.ttl_s = ttl_s
        self.calls: list[str] = []
        self.refresh_fails = False

    def authenticate(self) -> Token:
        self.calls.append("authenticate")
        return Token(value=f"t{len(self.calls)}", expires_at=self.clock[0] + self.ttl_s)

    def refresh(self, token: Token) -> Token:
        self.calls.append("refresh")
        if self.refresh_fails:
            raise AuthenticationError("refresh rejected", status=401)
        return Token(value=token.value, expires_at=self.clock[0] + self.ttl_s)

    def logout(self, token: Token) -> None:
        self.calls.append(f"logout:{token.value}")


def make(ttl_s: float = 2100.0) -> tuple[TokenAuth, RecordingProvider, list[float]]:
    clock = [1_000_000.0]
    provider = RecordingProvider(clock, ttl_s)
    return TokenAuth(provider, clock=lambda: clock[0]), provider, clock


def test_reuses_token_until_margin() -> None:
    auth, provider, clock = make()
    first = auth.current_token()
    clock[0] += 2100 - 301
    assert auth.current_token() is first
    assert provider.calls == ["authenticate"]


def test_refreshes_inside_margin_and_keeps_returned_value() -> None:
    auth, provider, clock = make()
    auth.current_token()
    clock[0] += 2100 - 299
    token = auth.current_token()
    assert provider.calls == ["authenticate", "refresh"]
    assert token.expires_at == clock[0] + 2100


def test_reauthenticates_when_expired_or_refresh_rejected() -> None:
    auth, provider, clock = make()
    auth.current_token()
    clock[0] += 5000
    auth.current_token()
    assert provider.calls == ["authenticate", "authenticate"]
    clock[0] += 2000
    provider.refresh_fails = True
    auth.current_token()
    assert provider.calls[-2:] == ["refresh", "authenticate"]


def test_single_flight_under_concurrency() -> None:
    auth, provider, clock = make()
    auth.current_token()
    clock[0] += 2000
    threads = [threading.Thread(target=auth.current_token) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=5)
    assert provider.calls.count("refresh") == 1


def test_server_clock_from_date_header_drives_expiry() -> None:
    auth, provider, clock = make()
    auth.current_token()
    # The server's clock runs 31 minutes ahead of ours: only 4 minutes remain on its clock.
    import email.utils

    ahead = email.utils.formatdate(clock[0] + 31 * 60, usegmt=True)
    auth.observe(httpx2.Response(200, headers={"Date": ahead}))
    auth.current_token()
    assert provider.calls == ["authenticate", "refresh"]


def test_close_logs_out_once() -> None:
    auth, provider, _ = make()
    auth.current_token()
    auth.close()
    auth.close()
    assert provider.calls == ["authenticate", "logout:t1"]


def test_static_token_is_never_renewed() -> None:
    auth = TokenAuth(StaticTokenProvider("AnaplanAuthToken abc"), logout_on_close=False)
    assert auth.current_token().value == "abc"
    assert auth.current_token().value == "abc"
    assert "abc" not in repr(auth) and "abc" not in repr(auth.current_token())
