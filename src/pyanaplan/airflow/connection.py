"""An Airflow connection of type `anaplan`, read into the settings of a pyanaplan `Client`.

Pure: it takes the connection's fields (login, password, host, extra) and returns what the hook
passes to `load_settings(isolated=True, …)`, so the mapping is tested without Airflow and a
worker's ANAPLAN_* variables or pyanaplan profile never mix in. Three kinds of sign-in:

| `auth`          | fields used                                                              |
| --------------- | ------------------------------------------------------------------------ |
| `basic`         | login, password                                                          |
| `certificate`   | `certificate` (PEM text, or a .p12 as base64) or `certificate_path`;     |
|                 | `private_key` (PEM) or `private_key_path` unless the certificate holds it;|
|                 | `key_password` (else the connection password)                            |
| `refresh_token` | `oauth_client_id`, `refresh_token` (else the connection password)        |

Without `auth`, it follows from the fields set: a refresh token, else a certificate, else basic.
Where Anaplan is: `region`, or `api_url`/`auth_url`/`oauth_url` (explicit origins win; the
emulator is addressed this way). Extras may carry the `extra__anaplan__` prefix older forms
wrote. An unknown extra is an error naming it, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pyanaplan import ConfigError

__all__ = ["AUTH_KINDS", "EXTRA_KEYS", "AnaplanConnection", "parse_connection"]

AUTH_KINDS = ("basic", "certificate", "refresh_token")
_PREFIX = "extra__anaplan__"
_LOCATION = ("region", "api_url", "auth_url", "oauth_url")
_CERTIFICATE = (
    "certificate",
    "certificate_path",
    "private_key",
    "private_key_path",
    "key_password",
    "cert_format",
)
_OAUTH = ("oauth_client_id", "refresh_token", "refresh_token_variable")
_OTHER = ("auth", "workspace", "model", "verify", "ca_bundle", "proxy", "timeout_s")
#: Every extra key the connection may carry (the form's fields in `provider_info`).
EXTRA_KEYS = frozenset(_LOCATION + _CERTIFICATE + _OAUTH + _OTHER)


@dataclass(frozen=True)
class AnaplanConnection:
    """What a connection says, ready for the hook.

    Attributes:
        conn_id: The Airflow connection id (for messages).
        auth: "basic", "certificate" or "refresh_token".
        settings: Keyword arguments for `pyanaplan.load_settings(isolated=True, …)`; secret
            values are in it, so it is left out of repr.
        refresh_token: The refresh token the connection holds (refresh_token auth only).
        refresh_token_variable: The Airflow Variable that keeps rotated refresh tokens.
        secrets: Every secret value read, for the hook to register with Airflow's log masker.
    """

    conn_id: str
    auth: str
    settings: dict[str, Any] = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    refresh_token_variable: str | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def describe(self) -> str:
        """For logs: "Anaplan connection 'x' (basic, user a@b, https://api…)"; no secrets."""
        who = self.settings.get("user") or self.settings.get("oauth_client_id") or "certificate"
        where = self.settings.get("api_url") or self.settings.get("region") or "US1"
        return f"Anaplan connection {self.conn_id!r} ({self.auth}, {who}, {where})"


def parse_connection(
    conn_id: str,
    *,
    login: str | None = None,
    password: str | None = None,
    host: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> AnaplanConnection:
    """Read an `anaplan` connection.

    Args:
        conn_id: Connection id (named in every error).
        login: The connection's login (basic auth user).
        password: Its password (basic password; else the key password or refresh token).
        host: Must be empty: origins go in `api_url`/`auth_url`/`oauth_url` or `region`.
        extra: The connection's extra, as a dict.

    Raises:
        ConfigError: One sentence naming the connection and what to change.
    """
    extras = _extras(conn_id, extra or {})
    where = f"Anaplan connection {conn_id!r}"
    if host:
        raise ConfigError(
            f"{where} sets host {host!r}, which is not used.",
            hint="Put the origin in extra api_url (and auth_url, oauth_url), or set extra region.",
        )
    auth = _auth_kind(where, extras)
    settings: dict[str, Any] = {k: extras[k] for k in _LOCATION if extras.get(k)}
    for key in ("workspace", "model", "ca_bundle", "proxy", "cert_format"):
        if extras.get(key):
            settings[key] = str(extras[key])
    if "verify" in extras:
        settings["verify"] = _boolean(where, "verify", extras["verify"])
    if extras.get("timeout_s") not in (None, ""):
        settings["timeout_s"] = _number(where, "timeout_s", extras["timeout_s"])
    secrets = [str(extras[k]) for k in ("proxy",) if extras.get(k)]
    refresh_token = None
    variable = None
    if auth == "basic":
        if not login or not password:
            raise ConfigError(
                f"{where} uses basic authentication but has no "
                + ("login." if not login else "password."),
                hint="Set the connection's login and password, or extra auth=certificate or "
                "auth=refresh_token with their fields.",
            )
        settings.update(user=login, password=password)
        secrets.append(password)
    elif auth == "certificate":
        settings.update(_certificate(where, extras, password))
        key_password = extras.get("key_password") or password or ""
        secrets += [str(extras.get("certificate") or ""), str(key_password)]
        key = str(settings.get("private_key") or "")
        secrets += [key] if key.lstrip().startswith("-----BEGIN") else []
    else:
        client_id = extras.get("oauth_client_id")
        refresh_token = extras.get("refresh_token") or password
        if not client_id or not refresh_token:
            missing = "oauth_client_id" if not client_id else "refresh_token"
            raise ConfigError(
                f"{where} uses a refresh token but has no {missing}.",
                hint="Sign in once with `pyanaplan login --client-id ID`, then put the client id "
                "and the refresh token it stored in the connection's extras.",
            )
        settings["oauth_client_id"] = str(client_id)
        refresh_token = str(refresh_token)
        variable = str(extras.get("refresh_token_variable") or f"anaplan_refresh_token_{conn_id}")
        secrets.append(refresh_token)
    return AnaplanConnection(
        conn_id=conn_id,
        auth=auth,
        settings=settings,
        refresh_token=refresh_token,
        refresh_token_variable=variable,
        secrets=tuple(s for s in secrets if s),
    )


def _extras(conn_id: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in extra.items():
        name = key[len(_PREFIX) :] if key.startswith(_PREFIX) else key
        if value is None or value == "":
            continue
        out[name] = value
    unknown = sorted(set(out) - EXTRA_KEYS)
    if unknown:
        raise ConfigError(
            f"Anaplan connection {conn_id!r} has unknown extra field(s): {', '.join(unknown)}.",
            hint=f"Known fields: {', '.join(sorted(EXTRA_KEYS))}.",
        )
    return out


def _auth_kind(where: str, extras: Mapping[str, Any]) -> str:
    auth = extras.get("auth")
    if auth is not None:
        kind = str(auth).strip().lower().replace("-", "_")
        if kind not in AUTH_KINDS:
            raise ConfigError(
                f"{where} has auth={auth!r}.", hint=f"Use one of: {', '.join(AUTH_KINDS)}."
            )
        return kind
    if extras.get("refresh_token") or extras.get("oauth_client_id"):
        return "refresh_token"
    if extras.get("certificate") or extras.get("certificate_path"):
        return "certificate"
    return "basic"


def _certificate(where: str, extras: Mapping[str, Any], password: str | None) -> dict[str, Any]:
    text, path = extras.get("certificate"), extras.get("certificate_path")
    key_text, key_path = extras.get("private_key"), extras.get("private_key_path")
    if bool(text) == bool(path):
        raise ConfigError(
            f"{where} uses a certificate: set exactly one of certificate and certificate_path.",
            hint="certificate holds PEM text or a base64 .p12; certificate_path names a file.",
        )
    if key_text and key_path:
        raise ConfigError(f"{where} sets both private_key and private_key_path; keep one.")
    key_password = extras.get("key_password") or password or None
    out: dict[str, Any] = {"key_password": key_password}
    if path:
        out["certificate"] = str(path)
    elif str(text).lstrip().startswith("-----BEGIN"):
        out["certificate"] = str(text)
    else:
        # Not PEM: a .p12/.pfx as base64. Opened here, in memory, into PEM text for the client,
        # so the key never touches a file.
        out["certificate"], out["private_key"] = _pkcs12_to_pem(where, str(text), key_password)
        out["key_password"] = None
        return out
    if key_text or key_path:
        out["private_key"] = str(key_text or key_path)
    return out


def _pkcs12_to_pem(where: str, text: str, password: str | None) -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        data = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(
            f"{where}: the certificate field is neither PEM text nor a base64 .p12 file.",
            hint="Paste the PEM text, or the output of `base64 -w0 cert.p12`.",
        ) from None
    try:
        key, cert, _chain = pkcs12.load_key_and_certificates(
            data, password.encode() if password else None
        )
    except (ValueError, TypeError):
        raise ConfigError(
            f"{where}: cannot open the .p12 in the certificate field: wrong key password or "
            "not a PKCS#12 file.",
            hint="Check extra key_password (or the connection password).",
        ) from None
    if cert is None or key is None:
        raise ConfigError(f"{where}: the .p12 must hold both the certificate and its key.")
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return cert_pem, key_pem


def _boolean(where: str, name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"{where} has {name}={value!r}; use true or false.")


def _number(where: str, name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where} has {name}={value!r}; use a number of seconds.") from None
    if number <= 0:
        raise ConfigError(f"{where} has {name}={value!r}; use a positive number of seconds.")
    return number
