"""Generate test certificates and keys with cryptography (nothing stored in the repo)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@dataclass
class CertKit:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate


def make_kit(common_name: str) -> CertKit:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return CertKit(key, cert)


def pem_cert(kit: CertKit) -> bytes:
    return kit.cert.public_bytes(serialization.Encoding.PEM)


def key_bytes(kit: CertKit, encoding: str, fmt: str, password: bytes | None = None) -> bytes:
    enc = serialization.Encoding.PEM if encoding == "pem" else serialization.Encoding.DER
    form = (
        serialization.PrivateFormat.PKCS8
        if fmt == "pkcs8"
        else serialization.PrivateFormat.TraditionalOpenSSL
    )
    algo = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return kit.key.private_bytes(enc, form, algo)
