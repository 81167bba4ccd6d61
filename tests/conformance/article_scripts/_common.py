"""What every article script sets up first: the host, the auth header and the IDs."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import httpx2


@dataclass(frozen=True)
class ScriptSettings:
    """The variables the article's scripts hard-code at their top.

    Attributes:
        host: the origin the scripts call (`https://api.anaplan.com` in the article).
        auth_header: the full `Authorization` value, sent with every request.
        workspace_guid: the article's `wGuid`.
        model_guid: the article's `mGuid`.
    """

    host: str
    auth_header: str
    workspace_guid: str = ""
    model_guid: str = ""

    @property
    def base(self) -> str:
        """`{host}/1/3`, the v1.3 root."""
        return f"{self.host}/1/3"

    @property
    def model_url(self) -> str:
        """The model root every model-scoped script builds its URLs from."""
        return f"{self.base}/workspaces/{self.workspace_guid}/models/{self.model_guid}"

    def headers(self, **extra: str) -> dict[str, str]:
        """The headers the scripts send: auth on every call, JSON content type by default."""
        return {"Authorization": self.auth_header, "Content-Type": "application/json", **extra}


def basic_header(user: str, password: str) -> str:
    """`Basic base64(user:password)`, as the basic-auth scripts build it (api-notes §3.3)."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def certificate_header(user: str, certificate_pem: str) -> str:
    """`AnaplanCertificate base64(user:PEM text)`, as the certificate scripts build it
    (api-notes §3.3)."""
    return "AnaplanCertificate " + base64.b64encode(f"{user}:{certificate_pem}".encode()).decode()


def client() -> httpx2.Client:
    """A plain client: the scripts used no session features beyond a timeout."""
    return httpx2.Client(timeout=30)
