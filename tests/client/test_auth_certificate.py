"""CA certificate sign-in against the emulator: v1/v2, PEM/DER, encrypted keys, PKCS#1, .p12."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pyanaplan import AuthenticationError, ConfigError

DEMO_USER_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


@pytest.fixture
def registered(emu: Any, cert_kit: Any) -> Any:
    emu.register_certificate(emu.users[0][0], cert_kit.cert_pem)
    return cert_kit


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("cert_form", "key_enc", "key_fmt", "password", "data_format"),
    [
        ("pem", "pem", "pkcs8", None, "v2"),
        ("pem", "pem", "pkcs8", None, "v1"),
        ("der", "pem", "pkcs8", None, "v2"),
        ("pem", "pem", "pkcs8", b"key-pass", "v2"),
        ("pem", "der", "pkcs8", b"key-pass", "v2"),
        ("pem", "pem", "pkcs1", None, "v2"),
        ("der", "der", "pkcs1", None, "v1"),
    ],
)
def test_certificate_forms(
    emu: Any,
    registered: Any,
    make_client: Any,
    tmp_path: Path,
    cert_form: str,
    key_enc: str,
    key_fmt: str,
    password: bytes | None,
    data_format: str,
) -> None:
    cert = write(
        tmp_path,
        f"c.{cert_form}",
        registered.cert_pem if cert_form == "pem" else registered.cert_der,
    )
    key = write(tmp_path, f"k.{key_enc}", registered.key_bytes(key_enc, key_fmt, password))
    c = make_client(
        certificate=cert,
        private_key=key,
        key_password=password.decode() if password else None,
        cert_format=data_format,
    )
    assert c.whoami().id == DEMO_USER_ID
    auths = [r for r in emu.requests() if r["path"].endswith("/token/authenticate")]
    assert [r["status"] for r in auths] == [201] or [r["status"] for r in auths] == [200]


def test_pkcs12_bundle(emu: Any, registered: Any, make_client: Any, tmp_path: Path) -> None:
    bundle = write(tmp_path, "demo.p12", registered.pkcs12(b"p12-pass"))
    c = make_client(certificate=bundle, key_password="p12-pass")
    assert c.whoami().id == DEMO_USER_ID


def test_unregistered_certificate_is_rejected(
    emu: Any, stray_cert_kit: Any, make_client: Any, tmp_path: Path
) -> None:
    cert = write(tmp_path, "c.pem", stray_cert_kit.cert_pem)
    key = write(tmp_path, "k.pem", stray_cert_kit.key_bytes())
    c = make_client(certificate=cert, private_key=key)
    with pytest.raises(AuthenticationError) as info:
        c.whoami()
    assert info.value.status == 401
    assert "registered" in info.value.hint


def test_wrong_passphrase_fails_before_any_request(
    emu: Any, registered: Any, make_client: Any, tmp_path: Path
) -> None:
    cert = write(tmp_path, "c.pem", registered.cert_pem)
    key = write(tmp_path, "k.pem", registered.key_bytes("pem", "pkcs8", b"right"))
    with pytest.raises(ConfigError, match="wrong passphrase"):
        make_client(certificate=cert, private_key=key, key_password="wrong")
    assert emu.requests() == []


def test_certificate_refresh_and_reauth(
    emu: Any, registered: Any, make_client: Any, tmp_path: Path
) -> None:
    cert = write(tmp_path, "c.pem", registered.cert_pem)
    key = write(tmp_path, "k.pem", registered.key_bytes())
    c = make_client(certificate=cert, private_key=key)
    c.whoami()
    emu.inject(path="*/users/me", method="GET", expire_token=True, times=1)
    assert c.whoami().id == DEMO_USER_ID  # a fresh signed nonce, not a replayed payload
    auths = [r for r in emu.requests() if r["path"].endswith("/token/authenticate")]
    assert len(auths) == 2
