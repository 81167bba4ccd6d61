"""Tokens (auth service api-notes §3.1), CA-certificate sign-in, and the OAuth device grant
(api-notes §3.2).

The legacy /1/3 tree has no tokens: each of its requests is signed in here too, with Basic
credentials or an ``AnaplanCertificate`` header (api-notes §3.3), and refused in v1.3's words.

Errors carry the auth service's codes (``FAILURE_BAD_CREDENTIAL``/``FAILURE_BAD_HEADER``) or OAuth's
(``authorization_pending`` …); `render.py` picks the envelope by path. Token values, passwords and
refresh tokens never appear in error messages.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import uuid
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from pyanaplan.emulator.engine.clock import Clock
from pyanaplan.emulator.engine.directory import Directory, User
from pyanaplan.emulator.engine.errors import EmulatorError
from pyanaplan.emulator.storage.platform_store import (
    DeviceRecord,
    PlatformStore,
    RefreshRecord,
    TokenRecord,
)

BAD_CREDENTIAL = "FAILURE_BAD_CREDENTIAL"
BAD_HEADER = "FAILURE_BAD_HEADER"
LEGACY_CERT_REJECTED = "Auth scheme not supported - AnaplanCertificate"
LEGACY_CREDENTIALS_REJECTED = "The user credentials supplied were not valid"
V2_WINDOW_S = 300.0  # ±5 min freshness for encodedDataFormat v2 (api-notes §3.1.2)
DEVICE_CODE_TTL_S = 900
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"


def bad_credential(
    message: str = "Invalid credentials. Verify your user name and password.",
) -> EmulatorError:
    return EmulatorError(401, BAD_CREDENTIAL, message)


def bad_header(status: int = 401) -> EmulatorError:
    return EmulatorError(status, BAD_HEADER, "Invalid header. Verify the header.")


def legacy_rejected(message: str = LEGACY_CREDENTIALS_REJECTED) -> EmulatorError:
    """A /1/3 request that does not sign in: 401 with the platform's envelope (api-notes §3.3)."""
    return EmulatorError(401, "UNAUTHORIZED", message)


def _b64(nbytes: int) -> str:
    return base64.b64encode(secrets.token_bytes(nbytes)).decode()


def new_token_value() -> str:
    """Three base64 segments joined by dots, like the service's (clients treat it as opaque)."""
    return f"{_b64(16)}.{_b64(48)}.{_b64(32)}"


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the DER encoding: how a presented certificate is matched to a registered one."""
    return cert.fingerprint(hashes.SHA256()).hex()


def load_certificate_text(text_or_path: str) -> x509.Certificate:
    """A spec ``certificates`` entry: PEM text, or a path to a PEM/DER file."""
    raw: bytes
    if "-----BEGIN" in text_or_path:
        raw = text_or_path.encode()
    else:
        raw = Path(text_or_path).expanduser().read_bytes()
    if b"-----BEGIN" in raw:
        return x509.load_pem_x509_certificate(raw)
    return x509.load_der_x509_certificate(raw)


def parse_certificate_header(value: str) -> x509.Certificate:
    """``CACertificate`` header value: base64 of PEM text, or base64 DER
    (api-notes §3.1.2 — accept both)."""
    try:
        decoded = base64.b64decode(value.strip(), validate=False)
        if decoded.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(decoded.strip())
        return x509.load_der_x509_certificate(decoded)
    except (binascii.Error, ValueError) as exc:
        raise bad_header() from exc


class AuthService:
    """Issues, refreshes, validates and revokes tokens; runs the device grant.

    Args:
        store: the platform database (tokens, devices, refresh tokens, certificates).
        directory: users.
        clock: the engine clock (expiry).
        token_ttl_s: token lifetime (2100 s like the service).
        oauth_auto_approve: approve every device grant for the first user at once.
        oauth_interval_s: device-grant polling interval told to clients.
        legacy_certificates: accept the /1/3 ``AnaplanCertificate`` scheme (spec
            ``settings.legacy_certificate_auth``); production now refuses it.
    """

    def __init__(
        self,
        store: PlatformStore,
        directory: Directory,
        clock: Clock,
        *,
        token_ttl_s: int,
        oauth_auto_approve: bool = False,
        oauth_interval_s: float = 5.0,
        legacy_certificates: bool = True,
    ) -> None:
        self.store = store
        self.directory = directory
        self.clock = clock
        self.token_ttl_s = token_ttl_s
        self.oauth_auto_approve = oauth_auto_approve
        self.oauth_interval_s = oauth_interval_s
        self._default_interval_s = oauth_interval_s
        self.legacy_certificates = legacy_certificates
        self._spec_certs: dict[str, str] = {}
        for user in directory.spec.users:
            for entry in user.certificates:
                try:
                    self._spec_certs[fingerprint(load_certificate_text(entry))] = user.id
                except (OSError, ValueError):
                    continue  # an unreadable spec entry simply registers nothing

    # ---- issuing ------------------------------------------------------------------------------
    def _issue(self, user: User, kind: str = "auth") -> dict[str, Any]:
        expires_at_ms = self.clock.now_ms() + self.token_ttl_s * 1000
        token_id, token_value = str(uuid.uuid4()), new_token_value()
        refresh_token_id = str(uuid.uuid4())
        self.store.insert_token(
            TokenRecord(
                token_value=token_value,
                token_id=token_id,
                refresh_token_id=refresh_token_id,
                user_id=user.id,
                kind=kind,
                expires_at_ms=expires_at_ms,
                revoked=False,
            )
        )
        return {
            "expiresAt": expires_at_ms,
            "tokenId": token_id,
            "tokenValue": token_value,
            "refreshTokenId": refresh_token_id,
        }

    def authenticate_basic(self, credentials_b64: str) -> dict[str, Any]:
        """Basic sign-in → ``tokenInfo``. Bad header or bad credentials → 401."""
        return self._issue(self.verify_basic(credentials_b64))

    def verify_basic(self, credentials_b64: str) -> User:
        """The user named by ``base64(email:password)``, checked in constant time; no token issued.

        The legacy /1/3 tree authenticates every request this way (api-notes §3.3).
        """
        try:
            decoded = base64.b64decode(credentials_b64.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise bad_header() from exc
        email, sep, password = decoded.partition(":")
        if not sep:
            raise bad_header()
        user = self.directory.user_by_email(email)
        if user is None or not secrets.compare_digest(user.password.encode(), password.encode()):
            raise bad_credential()
        return user

    def authenticate_certificate(self, header_value: str, body: Any) -> dict[str, Any]:
        """CA-certificate sign-in (api-notes §3.1.2): SHA512withRSA over decoded ``encodedData``."""
        cert = parse_certificate_header(header_value)
        if not isinstance(body, dict):
            raise bad_credential("Invalid request body.")
        try:
            data = base64.b64decode(str(body.get("encodedData", "")), validate=False)
            signature = base64.b64decode(str(body.get("encodedSignedData", "")), validate=False)
        except (binascii.Error, ValueError) as exc:
            raise bad_credential("Invalid encoded data.") from exc
        if not data or not signature:
            raise bad_credential("Invalid encoded data.")
        now_s = self.clock.now_s()
        if (
            cert.not_valid_after_utc.timestamp() < now_s
            or cert.not_valid_before_utc.timestamp() > now_s
        ):
            raise bad_credential("Certificate is expired or not yet valid.")
        key = cert.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise bad_credential("Unsupported certificate key.")
        try:
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA512())
        except InvalidSignature as exc:
            raise bad_credential("Signature verification failed.") from exc
        fmt = str(body.get("encodedDataFormat") or "v1").lower()
        if fmt == "v2":
            self._check_v2_timestamp(data, now_s)
        elif fmt != "v1":
            raise bad_credential("Unsupported encodedDataFormat.")
        user = self.certificate_user(cert)
        if user is None:
            raise bad_credential("Certificate is not registered for any user.")
        return self._issue(user)

    def _check_v2_timestamp(self, data: bytes, now_s: float) -> None:
        # The 8-byte big-endian prefix is seconds in the official example and ms in one client
        # (api-notes §3.1.2 "Timestamp unit disagreement"), so accept either within the window.
        if len(data) < 9:
            raise bad_credential("Invalid v2 encoded data.")
        stamp = int.from_bytes(data[:8], "big")
        if abs(stamp - now_s) <= V2_WINDOW_S or abs(stamp / 1000.0 - now_s) <= V2_WINDOW_S:
            return
        raise bad_credential("Encoded data timestamp is outside the allowed window.")

    def certificate_user(self, cert: x509.Certificate) -> User | None:
        """The user a certificate is registered for (spec or control API), or None."""
        fp = fingerprint(cert)
        user_id = self._spec_certs.get(fp) or self.store.certificate_owner(fp)
        return self.directory.user_by_id(user_id) if user_id else None

    # ---- the legacy /1/3 tree: credentials on every request (api-notes §3.3) ---------------------
    def legacy_basic_user(self, credentials_b64: str) -> User:
        """``Authorization: Basic base64(email:password)`` on a /1/3 request.

        Raises:
            EmulatorError: 401 `legacy_rejected` for a malformed header or bad credentials.
        """
        try:
            return self.verify_basic(credentials_b64)
        except EmulatorError as exc:
            raise legacy_rejected() from exc

    def legacy_certificate_user(self, value: str) -> User:
        """``Authorization: AnaplanCertificate base64(email:PEM)`` on a /1/3 request.

        The certificate must be valid now and registered (spec or control API) for that email.

        Raises:
            EmulatorError: 401 `legacy_rejected`; with the message production sends when the
                scheme is turned off (``legacy_certificates=False``).
        """
        if not self.legacy_certificates:
            raise legacy_rejected(LEGACY_CERT_REJECTED)
        try:
            decoded = base64.b64decode(value, validate=False).decode("utf-8")
            email, sep, pem = decoded.partition(":")
            cert = x509.load_pem_x509_certificate(pem.strip().encode()) if sep else None
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise legacy_rejected() from exc
        if cert is None:
            raise legacy_rejected()
        now_s = self.clock.now_s()
        valid_from = cert.not_valid_before_utc.timestamp()
        if not valid_from <= now_s <= cert.not_valid_after_utc.timestamp():
            raise legacy_rejected()
        owner = self.certificate_user(cert)
        if owner is None or owner.email.lower() != email.strip().lower():
            raise legacy_rejected()
        return owner

    def register_certificate(self, email: str, pem: str) -> str:
        """Register a PEM certificate for a user (control API); returns its fingerprint."""
        user = self.directory.user_by_email(email)
        if user is None:
            raise EmulatorError(404, "NOT_FOUND", "Unknown user")
        try:
            cert = x509.load_pem_x509_certificate(pem.encode())
        except ValueError as exc:
            raise EmulatorError(400, "BAD_REQUEST", "Not a PEM certificate") from exc
        fp = fingerprint(cert)
        text = cert.public_bytes(serialization.Encoding.PEM).decode()
        self.store.insert_certificate(user.id, fp, text)
        return fp

    # ---- token lifecycle ----------------------------------------------------------------------
    def _live_token(self, token_value: str) -> TokenRecord | None:
        token = self.store.token(token_value)
        if token is None or token.revoked or token.expires_at_ms <= self.clock.now_ms():
            return None
        return token

    def user_for_token(self, token_value: str) -> User | None:
        """The user a live token belongs to, or None (unknown, expired or revoked)."""
        token = self._live_token(token_value)
        return self.directory.user_by_id(token.user_id) if token else None

    def refresh(self, token_value: str) -> dict[str, Any]:
        """Same token value, later expiry (live behaviour, api-notes §3.1.3)."""
        token = self._live_token(token_value)
        if token is None:
            raise bad_credential("Token is invalid or expired.")
        expires = self.clock.now_ms() + self.token_ttl_s * 1000
        self.store.set_token_expiry(token_value, expires)
        return {
            "expiresAt": expires,
            "tokenId": token.token_id,
            "tokenValue": token_value,
            "refreshTokenId": token.refresh_token_id,
        }

    def validate(self, token_value: str) -> dict[str, Any]:
        """``tokenInfo`` + ``userInfo`` for a live token (api-notes §3.1.4);
        OAuth access tokens too."""
        token = self._live_token(token_value)
        user = self.directory.user_by_id(token.user_id) if token else None
        if token is None or user is None:
            raise bad_credential("Token is invalid or expired.")
        return {
            "tokenInfo": {"expiresAt": token.expires_at_ms, "tokenId": token.token_id},
            "userInfo": {
                "userGuid": user.id,
                "userId": user.email,
                "customerGuid": self.directory.customer_id,
            },
        }

    def logout(self, token_value: str) -> None:
        """Kill the token at once (api-notes §3.1.5)."""
        if self._live_token(token_value) is None:
            raise bad_credential("Token is invalid or expired.")
        self.store.revoke_token(token_value)

    def expire(self, token_value: str) -> None:
        """Fault injection: the token dies as if it had expired."""
        self.store.revoke_token(token_value)

    # ---- OAuth device grant (api-notes §3.2) -----------------------------------------------------
    def device_code(self, client_id: str, scope: str, origin: str) -> dict[str, Any]:
        """Start a device grant; auto-approved for the first user when the spec says so."""
        if not client_id:
            raise EmulatorError(400, "invalid_request", "client_id is required")
        device_code = secrets.token_urlsafe(32)
        letters = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
        user_code = f"{letters[:4]}-{letters[4:]}"
        self.store.insert_device(
            DeviceRecord(
                device_code=device_code,
                user_code=user_code,
                client_id=client_id,
                scope=scope,
                expires_at_ms=self.clock.now_ms() + DEVICE_CODE_TTL_S * 1000,
                state="pending",
                user_id=None,
                last_poll_ms=None,
            )
        )
        if self.oauth_auto_approve and self.directory.users:
            self.store.set_device_state(device_code, "approved", self.directory.users[0].id)
        return {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": f"{origin}/activate",
            "verification_uri_complete": f"{origin}/activate?user_code={user_code}",
            "expires_in": DEVICE_CODE_TTL_S,
            "interval": _whole(self.oauth_interval_s),
        }

    def decide_device(
        self,
        user_code: str,
        *,
        approve: bool,
        email: str | None = None,
        password: str | None = None,
    ) -> None:
        """Approve or deny a pending device; with a password, the user must sign in (/activate)."""
        device = self.store.device_by_user_code(user_code.strip().upper())
        if (
            device is None
            or device.state != "pending"
            or device.expires_at_ms <= self.clock.now_ms()
        ):
            raise EmulatorError(404, "NOT_FOUND", "Unknown or expired code")
        user = (
            self.directory.user_by_email(email)
            if email
            else (self.directory.users[0] if self.directory.users else None)
        )
        if user is None:
            raise EmulatorError(400, "BAD_REQUEST", "Unknown user")
        if password is not None and not secrets.compare_digest(
            user.password.encode(), password.encode()
        ):
            raise EmulatorError(401, "BAD_CREDENTIAL", "Invalid credentials")
        self.store.set_device_state(
            device.device_code, "approved" if approve else "denied", user.id
        )

    def token_grant(self, params: dict[str, Any]) -> dict[str, Any]:
        """``POST /oauth/token`` for the device_code and refresh_token grants."""
        grant = str(params.get("grant_type") or "")
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            return self._device_grant(str(params.get("device_code") or ""))
        if grant == "refresh_token":
            return self._refresh_grant(str(params.get("refresh_token") or ""))
        if not grant:
            raise EmulatorError(400, "invalid_request", "grant_type is required")
        raise EmulatorError(400, "unsupported_grant_type", "This grant type is not supported")

    def _device_grant(self, device_code: str) -> dict[str, Any]:
        device = self.store.device(device_code)
        if device is None or device.state == "used":
            raise EmulatorError(400, "invalid_grant", "Invalid or already used device code")
        now = self.clock.now_ms()
        if device.expires_at_ms <= now:
            raise EmulatorError(400, "expired_token", "The device code has expired")
        if device.state == "denied":
            raise EmulatorError(403, "access_denied", "The user denied the request")
        last = device.last_poll_ms
        self.store.set_device_poll(device_code, now)
        if device.state == "pending":
            if last is not None and now - last < self.oauth_interval_s * 1000:
                raise EmulatorError(400, "slow_down", "Polling too fast")
            raise EmulatorError(400, "authorization_pending", "The user has not approved yet")
        self.store.set_device_state(device_code, "used")
        user = self.directory.user_by_id(device.user_id) if device.user_id else None
        if user is None:
            raise EmulatorError(400, "invalid_grant", "Unknown user")
        return self._oauth_tokens(user, device.client_id, device.scope)

    def _refresh_grant(self, refresh_token: str) -> dict[str, Any]:
        found = self.store.refresh_token(refresh_token) if refresh_token else None
        if found is None or found.revoked:
            raise EmulatorError(400, "invalid_grant", "Invalid refresh token")
        # rotation: the old refresh token dies (api-notes §3.2)
        self.store.revoke_refresh(refresh_token)
        user = self.directory.user_by_id(found.user_id)
        if user is None:
            raise EmulatorError(400, "invalid_grant", "Unknown user")
        return self._oauth_tokens(user, found.client_id, found.scope)

    def _oauth_tokens(self, user: User, client_id: str, scope: str) -> dict[str, Any]:
        info = self._issue(user, kind="oauth")
        refresh = secrets.token_urlsafe(48)
        # Live drops the `profile` scope silently (api-notes §3.2).
        kept = " ".join(s for s in scope.split() if s != "profile") or "openid email offline_access"
        self.store.insert_refresh(
            RefreshRecord(
                refresh_token=refresh,
                user_id=user.id,
                client_id=client_id,
                scope=kept,
                revoked=False,
            )
        )
        return {
            "access_token": info["tokenValue"],
            "id_token": _id_token(user, client_id, self.clock.now_s(), self.token_ttl_s),
            "refresh_token": refresh,
            "scope": kept,
            "expires_in": self.token_ttl_s,
            "token_type": "Bearer",
        }

    def reset(self) -> None:
        """Back to the spec's OAuth settings."""
        self.oauth_interval_s = self._default_interval_s


def _whole(value: float) -> int | float:
    """5.0 → 5: the service sends whole seconds as integers."""
    return int(value) if float(value).is_integer() else value


def _id_token(user: User, client_id: str, now_s: float, ttl_s: int) -> str:
    """An unsigned JWT-shaped id token; clients do not verify it against the emulator."""

    def seg(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    claims = {
        "sub": user.id,
        "email": user.email,
        "aud": client_id,
        "iat": int(now_s),
        "exp": int(now_s) + ttl_s,
        "iss": "pyanaplan-emulator",
    }
    sig = base64.urlsafe_b64encode(hashlib.sha256(seg(claims).encode()).digest()).rstrip(b"=")
    return f"{seg({'alg': 'none', 'typ': 'JWT'})}.{seg(claims)}.{sig.decode()}"
