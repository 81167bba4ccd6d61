"""A token obtained elsewhere (ANAPLAN_TOKEN / --token): used as is, never renewed or revoked."""

from __future__ import annotations

from pyanaplan.auth._token import Token, TokenProvider
from pyanaplan.errors import AuthenticationError, ConfigError

__all__ = ["StaticTokenProvider"]


class StaticTokenProvider(TokenProvider):
    """Supplies one fixed token.

    The caller owns the token's lifetime, so it is not refreshed and not logged out on close; a
    401 cannot be fixed by re-authenticating and surfaces as AuthenticationError.
    """

    can_reauthenticate = False
    description = "static token"

    def __init__(self, token: str) -> None:
        token = token.strip()
        for prefix in ("AnaplanAuthToken ", "Bearer "):
            if token.startswith(prefix):
                token = token[len(prefix) :].strip()
        if not token:
            raise ConfigError("The token is empty.", hint="Pass token= or set ANAPLAN_TOKEN.")
        self._token = Token(value=token)

    def __repr__(self) -> str:
        return "StaticTokenProvider()"

    def authenticate(self) -> Token:
        return self._token

    def refresh(self, token: Token) -> Token:
        raise AuthenticationError(
            "A static token cannot be refreshed.",
            status=401,
            hint="Obtain a new token, or use user/password, certificate or OAuth instead.",
        )
