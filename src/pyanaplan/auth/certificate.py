"""CA certificate authentication (reference §3.1.2).

The header carries base64 of the certificate's PEM text (what Anaplan Connect sends); the body
carries random bytes (v2: an 8-byte big-endian timestamp in seconds, then 150 random bytes) and
their SHA512withRSA (PKCS#1 v1.5) signature over the raw decoded bytes.

Inputs accepted: certificate as PEM or DER; key as PEM or DER, PKCS#8 or PKCS#1, encrypted with a
passphrase or not; or one PKCS#12 (.p12/.pfx) file with its password. Loading problems become a
ConfigError with one clear sentence (no cryptography traceback text).
"""

from __future__ import annotations

import base64
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from pyanaplan.auth._token import AnaplanTokenProvider, Token
from pyanaplan.errors import ConfigError
from pyanaplan.http import AuthHttp

__all__ = ["CertificateCredentials", "CertificateProvider", "load_credentials", "signed_payload"]

NONCE_BYTES = 150  # Anaplan Connect and the SDK use 150 (at least 100 required, §3.1.2)
PemOrPath = str | Path | bytes


@dataclass(frozen=True)
class CertificateCredentials:
    """A loaded certificate and its RSA private key (key excluded from repr)."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey = field(repr=False)

    @property
    def pem(self) -> bytes:
        """The certificate as PEM text."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def header_value(self) -> str:
        """`CACertificate <base64 of the PEM text>`."""
        return "CACertificate " + base64.b64encode(self.pem).decode("ascii")


def _read(source: PemOrPath, what: str) -> tuple[bytes, str]:
    """Return (bytes, label) for a path, PEM text or raw bytes."""
    if isinstance(source, bytes):
        return source, what
    text = str(source)
    if text.lstrip().startswith("-----BEGIN"):
        return text.encode("ascii", "replace"), what
    path = Path(text).expanduser()
    try:
        return path.read_bytes(), f"{what} {path}"
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(
            f"Cannot read the {what} file {path}: {reason}.",
            hint="Check the path passed as --cert/--key (or ANAPLAN_CERT/ANAPLAN_KEY).",
        ) from None


def _password(value: str | bytes | None) -> bytes | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, bytes) else value.encode("utf-8")


def _looks_pkcs12(data: bytes, label: str) -> bool:
    lowered = label.lower()
    return lowered.endswith((".p12", ".pfx")) or (
        not data.lstrip().startswith(b"-----") and _is_pkcs12_der(data)
    )


def _is_pkcs12_der(data: bytes) -> bool:
    # A DER certificate is SEQUENCE{SEQUENCE…}; PKCS#12 is SEQUENCE{INTEGER 3, …}.
    try:
        x509.load_der_x509_certificate(data)
        return False
    except ValueError:
        return b"\x02\x01\x03" in data[:8]


def _load_pkcs12(data: bytes, label: str, password: bytes | None) -> CertificateCredentials:
    try:
        key, cert, _extra = pkcs12.load_key_and_certificates(data, password)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ConfigError(
            f"Cannot open the PKCS#12 {label}: wrong password or not a valid .p12/.pfx file.",
            hint="Check the password in ANAPLAN_KEY_PASSWORD (key_password=) and the file.",
        ) from None
    if cert is None or key is None:
        raise ConfigError(f"The PKCS#12 {label} must contain both a certificate and its key.")
    return _pair(cert, key, label)


def _load_certificate(data: bytes, label: str) -> x509.Certificate:
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except (ValueError, UnsupportedAlgorithm):
        raise ConfigError(
            f"The {label} is not a valid PEM or DER certificate.",
            hint="Pass the certificate file Anaplan has registered for the user.",
        ) from None


def _load_key(data: bytes, label: str, password: bytes | None) -> Any:
    pem = b"PRIVATE KEY-----" in data
    try:
        if pem:
            return serialization.load_pem_private_key(data, password)
        return serialization.load_der_private_key(data, password)
    except TypeError:
        if password is None:
            raise ConfigError(
                f"The {label} is encrypted and no passphrase was given.",
                hint="Set ANAPLAN_KEY_PASSWORD to the key's password (library: key_password=).",
            ) from None
        # A passphrase for an unencrypted key is harmless: load without it.
        return _load_key(data, label, None)
    except (ValueError, UnsupportedAlgorithm):
        if password is not None:
            raise ConfigError(
                f"Cannot load the {label}: wrong passphrase or corrupt key.",
                hint="Check the password in ANAPLAN_KEY_PASSWORD (key_password=) and the key file.",
            ) from None
        raise ConfigError(
            f"The {label} is not a valid PEM or DER private key.",
            hint="Pass the RSA private key that belongs to the certificate.",
        ) from None


def _pair(cert: x509.Certificate, key: Any, label: str) -> CertificateCredentials:
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError(f"The key for {label} is not an RSA key; Anaplan needs RSA.")
    if cert.public_key().public_numbers() != key.public_key().public_numbers():  # type: ignore[union-attr]
        raise ConfigError(
            f"The private key does not belong to the certificate ({label}).",
            hint="Pass the key file that was generated together with this certificate.",
        )
    return CertificateCredentials(certificate=cert, private_key=key)


def load_credentials(
    certificate: PemOrPath,
    private_key: PemOrPath | None = None,
    key_password: str | bytes | None = None,
) -> CertificateCredentials:
    """Load a certificate and its private key from paths, PEM text or bytes.

    Args:
        certificate: Certificate (PEM/DER), or a PKCS#12 .p12/.pfx holding both.
        private_key: Key (PEM/DER, PKCS#8/PKCS#1); None when the certificate file is PKCS#12 or a
            PEM that also contains the key.
        key_password: Passphrase of the key or password of the PKCS#12 file.

    Raises:
        ConfigError: Unreadable file, wrong passphrase, corrupt data, non-RSA key, or a key
            that does not match the certificate.
    """
    password = _password(key_password)
    cert_data, cert_label = _read(certificate, "certificate")
    if private_key is None and _looks_pkcs12(cert_data, cert_label):
        return _load_pkcs12(cert_data, cert_label, password)
    cert = _load_certificate(cert_data, cert_label)
    if private_key is None:
        if b"PRIVATE KEY-----" not in cert_data:
            raise ConfigError(
                f"No private key given for the {cert_label}.",
                hint="Pass private_key= (--key or ANAPLAN_KEY), or use a .p12 file.",
            )
        key_data, key_label = cert_data, cert_label
    else:
        key_data, key_label = _read(private_key, "private key")
    key = _load_key(key_data, key_label, password)
    return _pair(cert, key, cert_label)


def signed_payload(
    key: rsa.RSAPrivateKey,
    *,
    data_format: str = "v2",
    now: Callable[[], float] = time.time,
    random_bytes: Callable[[int], bytes] = os.urandom,
) -> dict[str, str]:
    """Build the authenticate body: fresh random data and its SHA512withRSA signature.

    Args:
        key: The RSA private key.
        data_format: "v2" (8-byte big-endian seconds timestamp + 150 random bytes) or "v1"
            (150 random bytes).
        now: Clock for the v2 timestamp (epoch seconds).
        random_bytes: Source of random bytes.
    """
    if data_format not in ("v1", "v2"):
        raise ConfigError("cert_format must be 'v1' or 'v2'.")
    nonce = random_bytes(NONCE_BYTES)
    data = struct.pack(">Q", int(now())) + nonce if data_format == "v2" else nonce
    # Sign the raw bytes, not their base64 text (§3.1.2, §10.12).
    signature = key.sign(data, padding.PKCS1v15(), hashes.SHA512())
    body = {
        "encodedData": base64.b64encode(data).decode("ascii"),
        "encodedSignedData": base64.b64encode(signature).decode("ascii"),
    }
    if data_format == "v2":
        body = {"encodedDataFormat": "v2", **body}
    return body


class CertificateProvider(AnaplanTokenProvider):
    """Authenticates with a CA certificate and its private key.

    Args:
        http: Auth-service client.
        credentials: Loaded certificate and key (see `load_credentials`).
        data_format: "v2" (default) or "v1".
        now: Clock for the v2 timestamp; defaults to the local wall clock.
    """

    description = "certificate authentication"
    rejected_hint = (
        "The certificate was not accepted: make sure it is registered for the user in Anaplan "
        "(Administration > Security > Certificates) and has not expired."
    )

    def __init__(
        self,
        http: AuthHttp,
        credentials: CertificateCredentials,
        *,
        data_format: str = "v2",
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(http)
        if data_format not in ("v1", "v2"):
            raise ConfigError("cert_format must be 'v1' or 'v2'.")
        self.credentials = credentials
        self.data_format = data_format
        self.principal = credentials.certificate.subject.rfc4514_string()
        self._now = now

    def __repr__(self) -> str:
        subject = self.credentials.certificate.subject.rfc4514_string()
        return f"CertificateProvider(subject={subject!r}, data_format={self.data_format!r})"

    def set_clock(self, now: Callable[[], float]) -> None:
        """Use `now` (epoch seconds) for the v2 timestamp."""
        self._now = now

    def authenticate(self) -> Token:
        """POST /token/authenticate with a fresh signed nonce (never reused, §10.12)."""
        body = signed_payload(
            self.credentials.private_key, data_format=self.data_format, now=self._now
        )
        return self._authenticate({"Authorization": self.credentials.header_value()}, json=body)
