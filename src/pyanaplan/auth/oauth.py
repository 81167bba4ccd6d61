"""OAuth 2.0 device authorization grant with rotating refresh tokens (reference §3.2).

The library never prints: the verification URL and user code go to the `on_device_code`
callback (the CLI shows them). Polling follows the server's `interval`, adds 5 s on
`slow_down` (RFC 8628), and ends on `expired_token`, `access_denied` or the code's expiry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2

from pyanaplan.auth._token import Token, TokenProvider, server_time
from pyanaplan.auth._token_store import MemoryTokenStore, TokenStore
from pyanaplan.errors import AuthenticationError, ConfigError
from pyanaplan.http import AuthHttp

__all__ = ["DeviceCode", "DeviceGrantProvider"]

logger = logging.getLogger("pyanaplan.auth")

DEFAULT_SCOPE = "openid profile email offline_access"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
MAX_POLLS = 1000


@dataclass(frozen=True)
class DeviceCode:
    """What the user needs to approve this device (nothing secret here)."""

    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in_s: float
    interval_s: float


class DeviceGrantProvider(TokenProvider):
    """Obtains tokens with the device grant and renews them with the refresh-token grant.

    Args:
        http: Auth/OAuth service client (its settings give `oauth_url`).
        client_id: The device-grant OAuth client registered in Anaplan.
        on_device_code: Called once per device login with the code to show the user.
        store: Keeps the rotating refresh token between runs (memory only when None).
        scope: Requested scopes; `offline_access` is what yields a refresh token.
        sleep, clock: Injectable for tests (seconds; monotonic clock).
    """

    description = "OAuth device login"

    def __init__(
        self,
        http: AuthHttp,
        client_id: str,
        *,
        on_device_code: Callable[[DeviceCode], None] | None = None,
        store: TokenStore | None = None,
        scope: str = DEFAULT_SCOPE,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not client_id:
            raise ConfigError(
                "OAuth device login needs an OAuth client id.",
                hint="Pass oauth_client_id= or set ANAPLAN_OAUTH_CLIENT_ID.",
            )
        self.http = http
        self.client_id = client_id
        self.on_device_code = on_device_code
        self.store = store if store is not None else MemoryTokenStore()
        self.scope = scope
        self._sleep = sleep
        self._clock = clock
        self._base = http.settings.oauth_url.rstrip("/")
        self.store_key = f"{self._base}|{client_id}"

    def __repr__(self) -> str:
        return f"DeviceGrantProvider(client_id={self.client_id!r})"

    # -- grants --------------------------------------------------------------------------------

    def _token_request(
        self, form: dict[str, str], *, expect: tuple[int, ...] = ()
    ) -> httpx2.Response:
        return self.http.send("POST", f"{self._base}/oauth/token", data=form, expect=expect)

    def _parse(self, response: httpx2.Response, previous_refresh: str | None = None) -> Token:
        body = _json(response)
        access = body.get("access_token")
        if not access:
            raise AuthenticationError(
                "The OAuth service returned no access token.",
                status=response.status_code,
                method="POST",
            )
        expires_in = body.get("expires_in")
        try:
            expires_at = server_time(response) + float(expires_in) if expires_in else None
        except (TypeError, ValueError):
            expires_at = None
        refresh = body.get("refresh_token") or previous_refresh
        if refresh:
            # Refresh tokens rotate: the old one is dead once a new one is issued (§3.2).
            self.store.save(self.store_key, str(refresh))
        return Token(
            value=str(access),
            expires_at=expires_at,
            refresh_token=str(refresh) if refresh else None,
        )

    def authenticate(self) -> Token:
        """Use a stored refresh token if it still works, else run the device login."""
        stored = self.store.load(self.store_key)
        if stored:
            try:
                return self._refresh_with(stored)
            except AuthenticationError:
                logger.debug("stored refresh token rejected; starting a device login")
                self.store.delete(self.store_key)
        return self.device_login()

    def refresh(self, token: Token) -> Token:
        """Refresh-token grant; falls back to `authenticate` when there is no refresh token."""
        refresh = token.refresh_token or self.store.load(self.store_key)
        if not refresh:
            return self.authenticate()
        return self._refresh_with(refresh)

    def _refresh_with(self, refresh_token: str) -> Token:
        response = self._token_request(
            {
                "grant_type": "refresh_token",
                "client_id": self.client_id,
                "refresh_token": refresh_token,
            }
        )
        return self._parse(response, previous_refresh=None)

    def request_device_code(self) -> tuple[str, DeviceCode]:
        """POST /oauth/device/code; returns (device_code, what to show the user)."""
        response = self.http.send(
            "POST",
            f"{self._base}/oauth/device/code",
            json={"client_id": self.client_id, "scope": self.scope},
        )
        body = _json(response)
        try:
            device_code = str(body["device_code"])
            code = DeviceCode(
                user_code=str(body["user_code"]),
                verification_uri=str(body.get("verification_uri") or ""),
                verification_uri_complete=body.get("verification_uri_complete"),
                expires_in_s=float(body.get("expires_in") or 900),
                interval_s=float(body.get("interval") or 5),
            )
        except (KeyError, TypeError, ValueError):
            raise AuthenticationError(
                "The OAuth service returned an incomplete device code.",
                status=response.status_code,
                method="POST",
            ) from None
        return device_code, code

    def device_login(self) -> Token:
        """Run the device grant: show the code via the callback, then poll until approved.

        Raises:
            ConfigError: No `on_device_code` callback to show the code with.
            AuthenticationError: Denied, expired, or the OAuth service rejected the client.
        """
        if self.on_device_code is None:
            raise ConfigError(
                "OAuth device login needs a way to show the verification code.",
                hint="Pass on_device_code=callback (the CLI does this for you).",
            )
        device_code, code = self.request_device_code()
        self.on_device_code(code)
        interval = max(code.interval_s, 0.0)
        deadline = self._clock() + code.expires_in_s
        form = {"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": self.client_id}
        for _ in range(MAX_POLLS):
            if self._clock() >= deadline:
                break
            self._sleep(interval)
            response = self._token_request(form, expect=(400, 401, 403))
            if response.status_code < 400:
                return self._parse(response)
            error = str(_json(response).get("error") or "")
            if error == "authorization_pending":
                continue
            if error == "slow_down":
                interval += 5.0  # RFC 8628 §3.5
                continue
            if error == "access_denied":
                raise AuthenticationError(
                    "The device login was denied.",
                    status=response.status_code,
                    code=error,
                    method="POST",
                    hint="Approve the request in the browser, then run the login again.",
                )
            if error == "expired_token":
                break
            raise AuthenticationError(
                f"The OAuth service refused the device login ({error or response.status_code}).",
                status=response.status_code,
                code=error or None,
                method="POST",
                hint="Check the OAuth client id and that it is registered for the device grant.",
            )
        raise AuthenticationError(
            "The device code expired before it was approved.",
            status=400,
            code="expired_token",
            method="POST",
            hint="Run the login again and approve it within the time shown.",
        )

    def close(self) -> None:
        self.http.close()


def _json(response: httpx2.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
