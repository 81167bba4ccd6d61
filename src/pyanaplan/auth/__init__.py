"""Authentication: httpx2 auth flows and token providers (re-exports only)."""

from pyanaplan.auth._build import auth_method, build_auth
from pyanaplan.auth._flow import TokenAuth
from pyanaplan.auth._token import Token, TokenProvider
from pyanaplan.auth._token_store import (
    FileTokenStore,
    KeyringTokenStore,
    MemoryTokenStore,
    TokenStore,
    default_token_store,
)
from pyanaplan.auth.basic import BasicProvider
from pyanaplan.auth.certificate import (
    CertificateCredentials,
    CertificateProvider,
    load_credentials,
    signed_payload,
)
from pyanaplan.auth.oauth import DeviceCode, DeviceGrantProvider
from pyanaplan.auth.static import StaticTokenProvider

__all__ = [
    "BasicProvider",
    "CertificateCredentials",
    "CertificateProvider",
    "DeviceCode",
    "DeviceGrantProvider",
    "FileTokenStore",
    "KeyringTokenStore",
    "MemoryTokenStore",
    "StaticTokenProvider",
    "Token",
    "TokenAuth",
    "TokenProvider",
    "TokenStore",
    "auth_method",
    "build_auth",
    "default_token_store",
    "load_credentials",
    "signed_payload",
]
