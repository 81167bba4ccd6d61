"""Generate test certificates and keys with cryptography (nothing stored in the repo)."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from selfsigned import self_signed


@dataclass
class CertKit:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate


def make_kit(common_name: str) -> CertKit:
    key, cert = self_signed(common_name)
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
