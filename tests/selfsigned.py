"""Throwaway self-signed certificates for tests (generated per run, never stored in the repo).

A plain module beside tests/conftest.py, so every test folder imports the one copy.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def self_signed(
    common_name: str, *, valid_days: int = 30
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A 2048-bit RSA key and a certificate for it, valid from yesterday for `valid_days`."""
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
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .sign(key, hashes.SHA256())
    )
    return key, cert


def self_signed_pem(common_name: str, *, valid_days: int = 30) -> str:
    """Only the certificate, as PEM text (what the emulator registers)."""
    return (
        self_signed(common_name, valid_days=valid_days)[1]
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )
