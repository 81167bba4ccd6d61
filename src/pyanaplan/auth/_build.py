"""Pick the authentication scheme from Settings and build its TokenAuth flow."""

from __future__ import annotations

from collections.abc import Callable

import httpx2

from pyanaplan._config import Settings
from pyanaplan.auth._flow import TokenAuth
from pyanaplan.auth._token_store import TokenStore, default_token_store
from pyanaplan.auth.basic import BasicProvider
from pyanaplan.auth.certificate import CertificateProvider, load_credentials
from pyanaplan.auth.oauth import DeviceCode, DeviceGrantProvider
from pyanaplan.auth.static import StaticTokenProvider
from pyanaplan.errors import ConfigError
from pyanaplan.http import AuthHttp, RetryPolicy

__all__ = ["auth_method", "build_auth"]


def auth_method(settings: Settings) -> str:
    """Which scheme the settings select: token > certificate > basic > oauth.

    Raises:
        ConfigError: No credentials of any kind.
    """
    if settings.token:
        return "token"
    if settings.certificate:
        return "certificate"
    if settings.user and settings.password:
        return "basic"
    if settings.oauth_client_id:
        return "oauth"
    if settings.user:
        raise ConfigError(
            f"No password given for {settings.user}.",
            hint="Set ANAPLAN_PASSWORD (or pass password=), or use a certificate or token.",
        )
    raise ConfigError(
        "No Anaplan credentials were given.",
        hint=(
            "Pass user/password, a certificate and key, a token, or an OAuth client id "
            "(or set ANAPLAN_USER/ANAPLAN_PASSWORD, ANAPLAN_CERT/ANAPLAN_KEY, ANAPLAN_TOKEN, or "
            "use a profile)."
        ),
    )


def build_auth(
    settings: Settings,
    *,
    retry: RetryPolicy | None = None,
    on_device_code: Callable[[DeviceCode], None] | None = None,
    token_store: TokenStore | None = None,
    transport: httpx2.BaseTransport | None = None,
) -> TokenAuth:
    """Build the auth flow for the scheme the settings select (see `auth_method`).

    Args:
        settings: Credentials and connection settings (the auth service uses the same TLS,
            proxy, timeout and User-Agent settings as the API).
        retry: Retry policy for auth-service calls.
        on_device_code: Shows the device code (OAuth device login only).
        token_store: Refresh-token store for OAuth; default from `settings.token_store`.
        transport: Only for tests that need byte-level failures.
    """
    method = auth_method(settings)
    if method == "token":
        assert settings.token is not None
        return TokenAuth(StaticTokenProvider(settings.token), logout_on_close=False)
    if method == "certificate":
        assert settings.certificate is not None
        credentials = load_credentials(
            settings.certificate, settings.private_key, settings.key_password
        )
        http = AuthHttp(settings, retry=retry, transport=transport)
        provider = CertificateProvider(http, credentials, data_format=settings.cert_format)
        auth = TokenAuth(provider)
        # The v2 timestamp is checked against the server's clock: use our estimate of it
        # (from response Date headers) so local clock skew does not fail sign-in.
        provider.set_clock(auth.server_now)
        return auth
    http = AuthHttp(settings, retry=retry, transport=transport)
    if method == "basic":
        assert settings.user is not None and settings.password is not None
        return TokenAuth(BasicProvider(http, settings.user, settings.password))
    assert settings.oauth_client_id is not None
    store = token_store or default_token_store(settings.token_store, settings.cache_dir)
    provider = DeviceGrantProvider(
        http, settings.oauth_client_id, on_device_code=on_device_code, store=store
    )
    # OAuth tokens have no /token/logout; the refresh token stays in the store for next time.
    return TokenAuth(provider, logout_on_close=False)
