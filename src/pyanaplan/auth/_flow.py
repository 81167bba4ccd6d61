"""TokenAuth: the httpx2 auth flow shared by every scheme.

It adds `Authorization: AnaplanAuthToken …`, refreshes proactively when under 5 minutes remain
(single-flight under a lock), re-authenticates once on a 401 and replays the request, and logs
out on close. Expiry is judged on the server's clock, estimated from response Date headers, so
client clock skew does not make tokens die unexpectedly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator

import httpx2

from pyanaplan.auth._token import Token, TokenProvider, server_time
from pyanaplan.errors import AuthenticationError

__all__ = ["TokenAuth"]

logger = logging.getLogger("pyanaplan.auth")

REFRESH_MARGIN_S = 300.0  # reference §3.1.7: Anaplan Connect refreshes with < 5 min left


def _replayable(request: httpx2.Request) -> bool:
    # Bytes bodies can be sent again; a generator body has been consumed and must be rebuilt by
    # the caller (issue item 1: "a streamed body is re-created, never replayed half-read").
    return isinstance(request.stream, httpx2.ByteStream)


class TokenAuth(httpx2.Auth):
    """httpx2 auth flow around a TokenProvider.

    Args:
        provider: Obtains, refreshes and revokes tokens.
        refresh_margin_s: Refresh when fewer seconds than this remain.
        clock: Local wall clock (epoch seconds), injectable for tests.
        logout_on_close: Revoke the token in `close()`.
    """

    requires_request_body = False
    requires_response_body = False

    def __init__(
        self,
        provider: TokenProvider,
        *,
        refresh_margin_s: float = REFRESH_MARGIN_S,
        clock: Callable[[], float] = time.time,
        logout_on_close: bool = True,
    ) -> None:
        self.provider = provider
        self.refresh_margin_s = refresh_margin_s
        self._clock = clock
        self._lock = threading.Lock()
        self._token: Token | None = None
        self._offset_s = 0.0  # server clock minus local clock
        self._logout_on_close = logout_on_close
        http = getattr(provider, "http", None)
        if http is not None and hasattr(http, "observe"):
            http.observe(self.observe)

    def __repr__(self) -> str:
        return f"TokenAuth(provider={type(self.provider).__name__})"

    # -- clock ---------------------------------------------------------------------------------

    def observe(self, response: httpx2.Response) -> None:
        """Track the server clock from a response's Date header."""
        if "Date" in response.headers:
            self._offset_s = server_time(response) - self._clock()

    def server_now(self) -> float:
        """Estimated server time in epoch seconds."""
        return self._clock() + self._offset_s

    def remaining_s(self, token: Token) -> float | None:
        """Seconds until `token` expires on the server's clock, or None when unknown."""
        if token.expires_at is None:
            return None
        return token.expires_at - self.server_now()

    # -- token lifecycle -----------------------------------------------------------------------

    @property
    def token(self) -> Token | None:
        """The current token (None before the first request)."""
        return self._token

    def current_token(self) -> Token:
        """Return a token that is valid for at least `refresh_margin_s`, renewing if needed.

        Single-flight: the lock makes concurrent callers wait for one renewal and reuse it.
        """
        with self._lock:
            token = self._token
            if token is None:
                logger.debug("authenticating (%s)", self.provider.description)
                token = self.provider.authenticate()
            else:
                remaining = self.remaining_s(token)
                if remaining is not None and remaining < self.refresh_margin_s:
                    token = self._renew(token, remaining)
            self._token = token
            return token

    def _renew(self, token: Token, remaining: float) -> Token:
        if remaining <= 0 or not self.provider.can_reauthenticate:
            if not self.provider.can_reauthenticate:
                return token
            logger.debug("token expired; authenticating again")
            return self.provider.authenticate()
        logger.debug("token expires in %.0fs; refreshing", remaining)
        try:
            return self.provider.refresh(token)
        except AuthenticationError:
            logger.debug("refresh rejected; authenticating again")
            return self.provider.authenticate()

    def _after_401(self, failed: Token) -> Token | None:
        """Replace a rejected token once; None when the scheme cannot re-authenticate."""
        if not self.provider.can_reauthenticate:
            return None
        with self._lock:
            if self._token is not None and self._token.value != failed.value:
                return self._token  # another thread already replaced it
            logger.debug("401 received; authenticating again")
            self._token = None
            self._token = self.provider.authenticate()
            return self._token

    def invalidate(self) -> None:
        """Forget the current token so the next request authenticates again."""
        with self._lock:
            self._token = None

    # -- httpx2 flow ---------------------------------------------------------------------------

    def sync_auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response]:
        token = self.current_token()
        request.headers["Authorization"] = f"AnaplanAuthToken {token.value}"
        response = yield request
        self.observe(response)
        if response.status_code != 401:
            return
        if not _replayable(request):
            # The caller must rebuild the body; make sure its next attempt gets a new token.
            with self._lock:
                if self._token is not None and self._token.value == token.value:
                    self._token = None
            return
        replacement = self._after_401(token)
        if replacement is None:
            return
        request.headers["Authorization"] = f"AnaplanAuthToken {replacement.value}"
        response = yield request
        self.observe(response)
        # A second 401 is returned as is; http/_raise.py turns it into AuthenticationError.

    # -- shutdown ------------------------------------------------------------------------------

    def close(self) -> None:
        """Log out (if a token was obtained and the scheme supports it) and release resources."""
        with self._lock:
            token, self._token = self._token, None
        try:
            if token is not None and self._logout_on_close:
                self.provider.logout(token)
        finally:
            self.provider.close()
