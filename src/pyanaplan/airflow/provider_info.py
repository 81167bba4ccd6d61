"""`get_provider_info()`: what Airflow learns about this provider without importing it.

Airflow calls this through the `apache_airflow_provider` entry point in every process that lists
providers (webserver, scheduler, workers), so it imports nothing: the connection form is
declared here (`conn-fields`, Airflow 3.2+), not built by the hook.
"""

from __future__ import annotations

from typing import Any

__all__ = ["get_provider_info"]

_PKG = "pyanaplan.airflow"


def _field(label: str, description: str, *, secret: bool = False, **schema: Any) -> dict[str, Any]:
    kind = schema.pop("type", "string")
    spec: dict[str, Any] = {"type": [kind, "null"], **schema}
    if secret:
        spec["format"] = "password"  # Airflow masks the field in the form and in logs
    return {"label": label, "description": description, "schema": spec}


#: Connection extras, as the form shows them. `pyanaplan.airflow.connection` reads the same keys.
CONN_FIELDS: dict[str, dict[str, Any]] = {
    "auth": _field(
        "Authentication",
        "basic (login/password), certificate, or refresh_token (OAuth device grant). "
        "Left empty, it follows from the fields that are set.",
        enum=["basic", "certificate", "refresh_token", None],
    ),
    "region": _field("Region", "Anaplan region such as US1, EU1, AU1 (sets all three origins)."),
    "api_url": _field("API origin", "e.g. https://api.anaplan.com (instead of a region)."),
    "auth_url": _field("Auth origin", "e.g. https://auth.anaplan.com (instead of a region)."),
    "oauth_url": _field("OAuth origin", "e.g. https://us1a.app.anaplan.com (device grant)."),
    "workspace": _field("Default workspace", "Name or ID, for operators that do not name one."),
    "model": _field("Default model", "Name or ID, for operators that do not name one."),
    "certificate": _field(
        "Certificate (PEM or base64 .p12)",
        "The CA certificate as PEM text (may include the key), or a .p12/.pfx file as base64.",
        secret=True,
    ),
    "certificate_path": _field(
        "Certificate path", "A PEM, DER or .p12/.pfx file on every worker and triggerer."
    ),
    "private_key": _field("Private key (PEM)", "The certificate's RSA key as PEM.", secret=True),
    "private_key_path": _field("Private key path", "The key file on every worker and triggerer."),
    "key_password": _field(
        "Key password",
        "Passphrase of the key or password of the .p12 (defaults to the connection password).",
        secret=True,
    ),
    "cert_format": _field(
        "Certificate payload format", "v2 (default) or v1, as Anaplan expects for the tenant."
    ),
    "oauth_client_id": _field("OAuth client ID", "The device-grant client registered in Anaplan."),
    "refresh_token": _field(
        "Refresh token",
        "From `pyanaplan login` (device grant). It rotates on use: the newest one is kept in the "
        "Airflow Variable named below.",
        secret=True,
    ),
    "refresh_token_variable": _field(
        "Refresh token Variable",
        "Airflow Variable that keeps the rotated refresh token "
        "(default anaplan_refresh_token_<conn id>).",
    ),
    "verify": _field("Verify TLS", "Verify server certificates.", type="boolean", default=True),
    "ca_bundle": _field("CA bundle path", "PEM file of CA certificates to trust (proxies)."),
    "proxy": _field("Proxy URL", "HTTP(S) proxy for Anaplan calls.", secret=True),
    "timeout_s": _field("Read timeout (s)", "Per-request read timeout.", type="number"),
}


def get_provider_info() -> dict[str, Any]:
    """The provider description Airflow reads (`provider_info.schema.json`)."""
    from pyanaplan import __version__

    return {
        "package-name": "pyanaplan",
        "name": "Anaplan (pyanaplan)",
        "description": "Anaplan imports, exports, processes and files from Airflow, with "
        "deferrable operators that never start a task twice.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "Anaplan",
                "external-doc-url": "https://help.anaplan.com/",
                "tags": ["service"],
            }
        ],
        "hooks": [{"integration-name": "Anaplan", "python-modules": [f"{_PKG}.hooks"]}],
        "operators": [{"integration-name": "Anaplan", "python-modules": [f"{_PKG}.operators"]}],
        "sensors": [{"integration-name": "Anaplan", "python-modules": [f"{_PKG}.sensors"]}],
        "triggers": [{"integration-name": "Anaplan", "python-modules": [f"{_PKG}.triggers"]}],
        "connection-types": [
            {
                "connection-type": "anaplan",
                "hook-class-name": f"{_PKG}.hooks.AnaplanHook",
                "hook-name": "Anaplan",
                "conn-fields": CONN_FIELDS,
                "ui-field-behaviour": {
                    "hidden-fields": ["host", "schema", "port"],
                    "relabeling": {"login": "User (basic)", "password": "Password"},
                    "placeholders": {
                        "login": "you@example.com",
                        "region": "US1",
                        "workspace": "FP&A",
                        "model": "Revenue Plan",
                    },
                },
            }
        ],
    }
