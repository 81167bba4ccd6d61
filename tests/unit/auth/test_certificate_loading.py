"""Certificate/key loading in every supported form, signing, and clear ConfigErrors."""

from __future__ import annotations

import base64
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from certs import CertKit
from pyanaplan.auth import load_credentials, signed_payload
from pyanaplan.errors import ConfigError


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("encoding", "fmt", "password"),
    [
        ("pem", "pkcs8", None),
        ("pem", "pkcs1", None),
        ("der", "pkcs8", None),
        ("der", "pkcs1", None),
        ("pem", "pkcs8", b"s3cret"),
        ("pem", "pkcs1", b"s3cret"),
        ("der", "pkcs8", b"s3cret"),
    ],
)
def test_key_forms(
    tmp_path: Path, kit: CertKit, encoding: str, fmt: str, password: bytes | None
) -> None:
    cert = write(tmp_path, "c.pem", kit.cert_pem)
    key = write(tmp_path, f"k.{encoding}", kit.key_bytes(encoding, fmt, password))
    creds = load_credentials(cert, key, password.decode() if password else None)
    assert creds.certificate == kit.cert
    assert creds.private_key.private_numbers() == kit.key.private_numbers()


def test_der_certificate(tmp_path: Path, kit: CertKit) -> None:
    cert = write(tmp_path, "c.der", kit.cert_der)
    key = write(tmp_path, "k.pem", kit.key_bytes("pem", "pkcs8"))
    creds = load_credentials(str(cert), str(key))
    # The header always carries the PEM text, whatever the input format.
    header = creds.header_value()
    assert header.startswith("CACertificate ")
    assert base64.b64decode(header.split(" ", 1)[1]) == kit.cert_pem


def test_pem_text_and_combined_file(tmp_path: Path, kit: CertKit) -> None:
    combined = write(tmp_path, "both.pem", kit.cert_pem + kit.key_bytes("pem", "pkcs8"))
    assert load_credentials(combined).certificate == kit.cert
    creds = load_credentials(kit.cert_pem.decode(), kit.key_bytes("pem", "pkcs1").decode())
    assert creds.certificate == kit.cert


@pytest.mark.parametrize("suffix", [".p12", ".pfx", ".bin"])
def test_pkcs12(tmp_path: Path, kit: CertKit, suffix: str) -> None:
    data = kit.pkcs12(b"p12pass")
    path = write(tmp_path, f"bundle{suffix}", data)
    creds = load_credentials(path, None, "p12pass")
    assert creds.certificate == kit.cert


def test_pkcs12_wrong_password(tmp_path: Path, kit: CertKit) -> None:
    data = kit.pkcs12(b"right")
    with pytest.raises(ConfigError) as info:
        load_credentials(write(tmp_path, "b.p12", data), None, "wrong")
    assert "wrong password" in str(info.value)
    assert "right" not in str(info.value) and "Traceback" not in str(info.value)


def test_wrong_passphrase(tmp_path: Path, kit: CertKit) -> None:
    cert = write(tmp_path, "c.pem", kit.cert_pem)
    key = write(tmp_path, "k.pem", kit.key_bytes("pem", "pkcs8", b"right-pass"))
    with pytest.raises(ConfigError) as info:
        load_credentials(cert, key, "wrong-pass")
    assert "wrong passphrase" in str(info.value)
    assert "wrong-pass" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_missing_passphrase(tmp_path: Path, kit: CertKit) -> None:
    cert = write(tmp_path, "c.pem", kit.cert_pem)
    key = write(tmp_path, "k.pem", kit.key_bytes("pem", "pkcs8", b"pw"))
    with pytest.raises(ConfigError, match="encrypted and no passphrase"):
        load_credentials(cert, key)


def test_unneeded_passphrase_is_tolerated(tmp_path: Path, kit: CertKit) -> None:
    cert = write(tmp_path, "c.pem", kit.cert_pem)
    key = write(tmp_path, "k.pem", kit.key_bytes("pem", "pkcs8"))
    assert load_credentials(cert, key, "unused").certificate == kit.cert


def test_mismatched_pair(tmp_path: Path, kit: CertKit, other_kit: CertKit) -> None:
    cert = write(tmp_path, "c.pem", kit.cert_pem)
    key = write(tmp_path, "k.pem", other_kit.key_bytes("pem", "pkcs8"))
    with pytest.raises(ConfigError, match="does not belong to the certificate"):
        load_credentials(cert, key)


@pytest.mark.parametrize("which", ["cert", "key"])
def test_corrupt_pem(tmp_path: Path, kit: CertKit, which: str) -> None:
    cert_data = kit.cert_pem
    key_data = kit.key_bytes("pem", "pkcs8")
    if which == "cert":
        cert_data = cert_data[:60] + b"!!garbage!!" + cert_data[80:]
    else:
        key_data = key_data[:60] + b"!!garbage!!" + key_data[80:]
    with pytest.raises(ConfigError) as info:
        load_credentials(write(tmp_path, "c.pem", cert_data), write(tmp_path, "k.pem", key_data))
    assert "not a valid" in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Cannot read the certificate file"):
        load_credentials(tmp_path / "nope.pem", tmp_path / "nope.key")


def test_no_key_given(tmp_path: Path, kit: CertKit) -> None:
    with pytest.raises(ConfigError, match="No private key"):
        load_credentials(write(tmp_path, "c.pem", kit.cert_pem))


def test_v2_payload_is_timestamp_plus_random_and_verifies(kit: CertKit) -> None:
    body = signed_payload(kit.key, now=lambda: 1_750_736_826.9, random_bytes=lambda n: b"\x07" * n)
    assert body["encodedDataFormat"] == "v2"
    data = base64.b64decode(body["encodedData"])
    assert len(data) == 8 + 150
    assert struct.unpack(">Q", data[:8])[0] == 1_750_736_826  # seconds, big-endian
    assert data[8:] == b"\x07" * 150
    signature = base64.b64decode(body["encodedSignedData"])
    # Signed over the raw bytes with SHA-512 PKCS#1 v1.5; verify raises on mismatch.
    kit.key.public_key().verify(signature, data, padding.PKCS1v15(), hashes.SHA512())


def test_v1_payload_is_pure_random(kit: CertKit) -> None:
    body = signed_payload(kit.key, data_format="v1")
    assert "encodedDataFormat" not in body
    data = base64.b64decode(body["encodedData"])
    assert len(data) == 150
    kit.key.public_key().verify(
        base64.b64decode(body["encodedSignedData"]), data, padding.PKCS1v15(), hashes.SHA512()
    )
    assert signed_payload(kit.key)["encodedData"] != signed_payload(kit.key)["encodedData"]


def test_repr_hides_key(tmp_path: Path, kit: CertKit) -> None:
    creds = load_credentials(kit.cert_pem, kit.key_bytes("pem", "pkcs8"))
    assert "private_key" not in repr(creds)
