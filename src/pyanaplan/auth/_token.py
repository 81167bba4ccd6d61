"""Token value object, the TokenProvider interface, and auth-service response parsing."""

from __future__ import annotations

import email.utils
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx2

from pyanaplan.errors import AuthenticationError
from pyanaplan.http import AuthHttp
from pyanaplan.http._retry import NO_RETRY

__all__ = ["AnaplanTokenProvider", "Token", "TokenProvider", "server_time"]

logger = logging.getLogger("pyanaplan.auth")


@dataclass(frozen=True)
class Token:
    """An access token. Secret fields are excluded from repr.

    Attributes:
        value: The token sent as `Authorization: AnaplanAuthToken <value>`.
        expires_at: Expiry in the *server's* epoch seconds, or None when unknown.
        refresh_token: OAuth refresh token (rotating), if any.
        token_id: The auth service's tokenId (not secret), if any.
    """

    value: str = field(repr=False)
    expires_at: float | None = None
    refresh_token: str | None = field(default=None, repr=False)
    token_id: str | None = None


def server_time(response: httpx2.Response | None) -> float:
    """The server's clock from the Date header (epoch seconds), or local time without one."""
    if response is not None:
        header = response.headers.get("Date")
        if header:
            try:
                parsed = email.utils.parsedate_to_datetime(header)
            except (TypeError, ValueError, IndexError):
                parsed = None
            if parsed is not None:
                return parsed.timestamp()
    return time.time()


class TokenProvider:
    """Obtains, renews and revokes tokens for one authentication scheme.

    Subclasses implement `authenticate`; `refresh` defaults to authenticating again.
    """

    #: False when a rejected token cannot be replaced (a static token).
    can_reauthenticate: bool = True
    #: Human name for messages, e.g. "basic authentication".
    description: str = "authentication"

    def authenticate(self) -> Token:
        """Obtain a fresh token (may hit the network or wait for a user)."""
        raise NotImplementedError

    def refresh(self, token: Token) -> Token:
        """Extend or replace a still-valid token."""
        return self.authenticate()

    def logout(self, token: Token) -> None:
        """Revoke the token, best effort."""

    def close(self) -> None:
        """Release network resources."""


def _parse_token_response(response: httpx2.Response, action: str) -> Token:
    """Parse the auth service's `tokenInfo` envelope (reference §3.1.1)."""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise AuthenticationError(
            f"{action} returned no token (unexpected response body).",
            status=response.status_code,
            method=response.request.method,
        )
    status = body.get("status")
    info = body.get("tokenInfo")
    if (isinstance(status, str) and status.startswith("FAILURE")) or not isinstance(info, dict):
        message = body.get("statusMessage") or "no token in response"
        raise AuthenticationError(
            f"{action} failed: {message}.",
            status=response.status_code,
            code=status if isinstance(status, str) else None,
            method=response.request.method,
        )
    value = info.get("tokenValue")
    if not value:
        raise AuthenticationError(
            f"{action} returned no tokenValue.", status=response.status_code, method="POST"
        )
    expires_ms = info.get("expiresAt")
    try:
        expires_at = float(expires_ms) / 1000.0 if expires_ms is not None else None
    except (TypeError, ValueError):
        expires_at = None
    # §3.1.1: a new optional refreshToken may appear at top level or inside tokenInfo.
    refresh = info.get("refreshToken") or body.get("refreshToken")
    token_id = info.get("tokenId")
    return Token(
        value=str(value),
        expires_at=expires_at,
        refresh_token=str(refresh) if refresh else None,
        token_id=str(token_id) if token_id else None,
    )


class AnaplanTokenProvider(TokenProvider):
    """Base for schemes that use the auth service's /token/* endpoints (basic, certificate)."""

    def __init__(self, http: AuthHttp) -> None:
        self.http = http
        self._auth_base = f"{http.settings.auth_url.rstrip('/')}/token"

    #: Who is signing in, for messages (e.g. "demo@example.com"); never a secret.
    principal: str = ""

    def _authenticate(self, headers: dict[str, str], json: Any = None) -> Token:
        try:
            response = self.http.send(
                "POST", f"{self._auth_base}/authenticate", headers=headers, json=json
            )
        except AuthenticationError as exc:
            who = f" as {self.principal}" if self.principal else ""
            raise AuthenticationError(
                f"{self.description.capitalize()}{who} was rejected: {exc.message}",
                status=exc.status,
                code=exc.code,
                request_id=exc.request_id,
                method=exc.method,
                url=exc.url,
                hint=self.rejected_hint,
            ) from exc
        return _parse_token_response(response, self.description.capitalize())

    #: What to do when the auth service rejects the credentials.
    rejected_hint: str = AuthenticationError.default_hint

    def refresh(self, token: Token) -> Token:
        """POST /token/refresh; always keep the returned value (reference §3.1.3, §10.10)."""
        response = self.http.send(
            "POST",
            f"{self._auth_base}/refresh",
            headers={"Authorization": f"AnaplanAuthToken {token.value}"},
        )
        return _parse_token_response(response, "Token refresh")

    def logout(self, token: Token) -> None:
        """POST /token/logout (204) once; failures are logged, never raised, on the way out.

        Never retried: logging out is a courtesy (the token expires by itself), and after a
        fatal error, typically a server that went away, retries would only delay the exit and
        print the same failure again.
        """
        try:
            self.http.send(
                "POST",
                f"{self._auth_base}/logout",
                headers={"Authorization": f"AnaplanAuthToken {token.value}"},
                retry=False,
                policy=NO_RETRY,
            )
        except Exception as exc:  # logout is best effort on close
            logger.debug("logout failed: %s", type(exc).__name__)

    def close(self) -> None:
        self.http.close()
