"""Reading an Airflow `anaplan` connection into client settings (`pyanaplan.airflow.connection`).

Pure: no Airflow needed. Every sign-in kind, where Anaplan is, and every mistake a connection
can hold, each answered with one sentence naming the connection.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from certs import issue
from pyanaplan import ConfigError, load_settings
from pyanaplan._config import lookup_region
from pyanaplan.airflow.connection import EXTRA_KEYS, parse_connection
from pyanaplan.auth.certificate import load_credentials

USER, PASSWORD = "etl@example.com", "s3cret-pw"


def parse(**kwargs: Any) -> Any:
    return parse_connection("anaplan_prod", **kwargs)


def test_basic_with_region_and_defaults() -> None:
    spec = parse(
        login=USER,
        password=PASSWORD,
        extra={"region": "EU1", "workspace": "FP&A", "model": "Revenue Plan", "verify": "false"},
    )
    assert spec.auth == "basic"
    settings = load_settings(isolated=True, **spec.settings)
    assert (settings.user, settings.password) == (USER, PASSWORD)
    assert settings.api_url == lookup_region("EU1").api_url
    assert (settings.workspace, settings.model, settings.verify) == ("FP&A", "Revenue Plan", False)
    assert spec.secrets == (PASSWORD,)
    assert PASSWORD not in repr(spec) and PASSWORD not in spec.describe()
    assert "anaplan_prod" in spec.describe() and USER in spec.describe()


def test_explicit_origins_timeouts_and_the_old_form_prefix() -> None:
    spec = parse(
        login=USER,
        password=PASSWORD,
        extra={
            "extra__anaplan__api_url": "http://127.0.0.1:8080",
            "extra__anaplan__auth_url": "http://127.0.0.1:8080",
            "oauth_url": "http://127.0.0.1:8080",
            "timeout_s": "12.5",
            "ca_bundle": "/etc/ssl/corp.pem",
            "proxy": "http://user:pw@proxy:3128",
            "extra__anaplan__workspace": "",  # an empty form field is "not set"
        },
    )
    settings = load_settings(isolated=True, **spec.settings)
    assert settings.api_url == settings.auth_url == "http://127.0.0.1:8080"
    assert settings.timeout_s == 12.5 and settings.ca_bundle == "/etc/ssl/corp.pem"
    assert settings.workspace is None
    assert "http://user:pw@proxy:3128" in spec.secrets  # a proxy URL may carry credentials


def test_certificate_as_pem_text_with_a_separate_key() -> None:
    kit = issue("etl@example.com")
    key_pem = kit.key_bytes(password=b"keypass").decode()
    spec = parse(
        password="keypass",  # the connection password is the key's passphrase
        extra={"certificate": kit.cert_pem.decode(), "private_key": key_pem},
    )
    assert spec.auth == "certificate"
    creds = load_credentials(
        spec.settings["certificate"], spec.settings["private_key"], spec.settings["key_password"]
    )
    assert creds.certificate == kit.cert
    assert key_pem in spec.secrets and "keypass" in spec.secrets
    assert key_pem not in repr(load_settings(isolated=True, **spec.settings))


def test_certificate_pem_holding_the_key_too() -> None:
    kit = issue("etl@example.com")
    both = (kit.cert_pem + kit.key_bytes()).decode()
    spec = parse(extra={"certificate": both})
    assert "private_key" not in spec.settings
    assert load_credentials(spec.settings["certificate"]).certificate == kit.cert


def test_certificate_p12_as_base64_is_opened_in_memory() -> None:
    kit = issue("etl@example.com")
    p12 = base64.b64encode(kit.pkcs12(b"p12-pass")).decode()
    spec = parse(extra={"certificate": p12, "key_password": "p12-pass"})
    assert spec.settings["certificate"].startswith("-----BEGIN CERTIFICATE-----")
    assert spec.settings["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    creds = load_credentials(spec.settings["certificate"], spec.settings["private_key"])
    assert creds.certificate == kit.cert
    assert p12 in spec.secrets and "p12-pass" in spec.secrets


def test_certificate_paths(tmp_path: Any) -> None:
    kit = issue("etl@example.com")
    (tmp_path / "c.p12").write_bytes(kit.pkcs12(b"pw"))
    spec = parse(password="pw", extra={"certificate_path": str(tmp_path / "c.p12")})
    assert spec.auth == "certificate"
    creds = load_credentials(spec.settings["certificate"], None, spec.settings["key_password"])
    assert creds.certificate == kit.cert
    assert str(tmp_path) not in " ".join(spec.secrets)  # paths are not secrets


@pytest.mark.parametrize(
    ("extra", "password", "says"),
    [
        ({"auth": "certificate"}, None, "exactly one of certificate and certificate_path"),
        ({"certificate": "x", "certificate_path": "/c.pem"}, None, "exactly one of"),
        ({"certificate": "not base64 !!"}, None, "neither PEM text nor a base64 .p12"),
        (
            {"certificate": base64.b64encode(b"junk").decode()},
            "pw",
            "wrong key password or not a PKCS#12",
        ),
        (
            {"certificate_path": "/c.pem", "private_key": "k", "private_key_path": "/k"},
            None,
            "both private_key and private_key_path",
        ),
    ],
)
def test_certificate_mistakes(extra: dict[str, Any], password: str | None, says: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse(password=password, extra=extra)
    assert "'anaplan_prod'" in info.value.message and says in info.value.message


def test_p12_with_the_wrong_password() -> None:
    p12 = base64.b64encode(issue("etl@example.com").pkcs12(b"right")).decode()
    with pytest.raises(ConfigError) as info:
        parse(extra={"certificate": p12, "key_password": "wrong"})
    assert "wrong key password" in info.value.message
    assert "wrong" not in info.value.hint


def test_refresh_token_from_extras_or_the_password_field() -> None:
    spec = parse(extra={"oauth_client_id": "client-1", "refresh_token": "rt-123"})
    assert spec.auth == "refresh_token"
    assert spec.settings == {"oauth_client_id": "client-1"}
    assert spec.refresh_token == "rt-123" and spec.secrets == ("rt-123",)
    assert spec.refresh_token_variable == "anaplan_refresh_token_anaplan_prod"
    assert "rt-123" not in repr(spec)
    spec = parse(
        password="rt-from-password",
        extra={"auth": "refresh-token", "oauth_client_id": "c", "refresh_token_variable": "v"},
    )
    assert spec.refresh_token == "rt-from-password" and spec.refresh_token_variable == "v"


BASIC = {"login": USER, "password": PASSWORD}


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"login": USER}, "has no password"),
        ({"password": PASSWORD}, "has no login"),
        ({"extra": {"oauth_client_id": "c"}}, "has no refresh_token"),
        ({"extra": {"refresh_token": "t"}}, "has no oauth_client_id"),
        ({**BASIC, "extra": {"auth": "saml"}}, "auth='saml'"),
        ({**BASIC, "extra": {"regoin": "EU1"}}, "unknown extra field(s): regoin"),
        ({**BASIC, "host": "api.anaplan.com"}, "sets host 'api.anaplan.com', which is not used"),
        ({**BASIC, "extra": {"verify": "maybe"}}, "verify='maybe'; use true or false"),
        ({**BASIC, "extra": {"timeout_s": "-1"}}, "use a positive number"),
        ({**BASIC, "extra": {"timeout_s": "soon"}}, "use a number of seconds"),
    ],
)
def test_connection_mistakes_name_the_connection(kwargs: dict[str, Any], says: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse(**kwargs)
    assert "'anaplan_prod'" in info.value.message
    assert says in info.value.message
    assert PASSWORD not in info.value.message + info.value.hint


def test_extra_keys_are_the_form_fields() -> None:
    from pyanaplan.airflow.provider_info import CONN_FIELDS, get_provider_info

    assert set(CONN_FIELDS) == EXTRA_KEYS
    (conn_type,) = get_provider_info()["connection-types"]
    assert conn_type["connection-type"] == "anaplan"
    secret = {k for k, v in conn_type["conn-fields"].items() if v["schema"].get("format")}
    assert secret == {"certificate", "private_key", "key_password", "refresh_token", "proxy"}


def test_provider_info_imports_no_airflow() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from pyanaplan.airflow import get_provider_info; get_provider_info(); "
        "print(sorted(m for m in sys.modules if m == 'airflow' or m.startswith('airflow.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
