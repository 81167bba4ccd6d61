"""Test certificates, issued per run by one trustme CA (nothing is stored in the repo).

trustme issues the client certificates: RSA, because Anaplan's CA-certificate sign-in is
SHA512withRSA, with the user's email as subject common name. The emulator maps a certificate to
its user by fingerprint, so being CA-issued rather than self-signed changes nothing there. This
module adds only the forms trustme does not write: the certificate as DER, the key as PKCS#1,
DER or passphrase-encrypted PKCS#8, and PKCS#12 bundles.

A plain module beside tests/conftest.py, so every test folder imports the one copy.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Literal

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

__all__ = ["CertKit", "issue", "issue_pem", "run_ca"]


@functools.cache
def run_ca() -> trustme.CA:
    """The run's certificate authority (RSA, like the client certificates it issues)."""
    return trustme.CA(key_type=trustme.KeyType.RSA)


@dataclass(frozen=True)
class CertKit:
    """A client certificate and its RSA key, in whichever file form a test needs."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    def key_bytes(
        self,
        encoding: Literal["pem", "der"] = "pem",
        fmt: Literal["pkcs8", "pkcs1"] = "pkcs8",
        password: bytes | None = None,
    ) -> bytes:
        """The key as PEM or DER, PKCS#8 or PKCS#1 ("traditional"), encrypted when a password
        is given."""
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
        return self.key.private_bytes(enc, form, algo)

    def pkcs12(self, password: bytes, *, name: bytes = b"demo") -> bytes:
        """A .p12 bundle of key and certificate, encrypted with `password`."""
        return pkcs12.serialize_key_and_certificates(
            name, self.key, self.cert, None, serialization.BestAvailableEncryption(password)
        )


def issue(common_name: str, *, valid_days: int = 30, expired: bool = False) -> CertKit:
    """A fresh key and a certificate for `common_name` from the run's CA.

    Valid from yesterday for `valid_days`; with `expired`, valid from ten days ago until
    yesterday.
    """
    now = dt.datetime.now(dt.UTC)
    not_before = now - dt.timedelta(days=10 if expired else 1)
    not_after = now - dt.timedelta(days=1) if expired else now + dt.timedelta(days=valid_days)
    leaf = run_ca().issue_cert(
        common_name,
        common_name=common_name,
        key_type=trustme.KeyType.RSA,
        not_before=not_before,
        not_after=not_after,
    )
    key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    return CertKit(key, cert)


def issue_pem(common_name: str, *, valid_days: int = 30) -> str:
    """Only the certificate, as PEM text (what the emulator registers)."""
    return issue(common_name, valid_days=valid_days).cert_pem.decode()
