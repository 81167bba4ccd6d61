"""Basic authentication against the auth service (reference §3.1.1)."""

from __future__ import annotations

import base64

from pyanaplan.auth._token import AnaplanTokenProvider, Token
from pyanaplan.errors import ConfigError
from pyanaplan.http import AuthHttp

__all__ = ["BasicProvider"]


class BasicProvider(AnaplanTokenProvider):
    """Exchanges an email and password for a token via `POST /token/authenticate`.

    Args:
        http: Auth-service client.
        user: The user's email.
        password: The password (kept only in memory; never logged or shown in repr).
    """

    description = "basic authentication"
    rejected_hint = (
        "Check the user and password (ANAPLAN_USER/ANAPLAN_PASSWORD); on SSO workspaces basic "
        "authentication works only for exception users."
    )

    def __init__(self, http: AuthHttp, user: str, password: str) -> None:
        if not user or not password:
            raise ConfigError(
                "Basic authentication needs both a user and a password.",
                hint="Pass user= and password=, or set ANAPLAN_USER and ANAPLAN_PASSWORD.",
            )
        super().__init__(http)
        self.user = user
        self.principal = user
        self._credential = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")

    def __repr__(self) -> str:
        return f"BasicProvider(user={self.user!r})"

    def authenticate(self) -> Token:
        """POST /token/authenticate with `Authorization: Basic …`."""
        return self._authenticate({"Authorization": f"Basic {self._credential}"})
