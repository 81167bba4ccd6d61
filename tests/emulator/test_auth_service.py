"""Auth service over HTTP (api-notes §3.1): Basic, CA certificate v1/v2, refresh,
validate, logout, expiry."""

from __future__ import annotations

import base64
import os
import time

import httpx2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from emu_http import BASE, DEMO, basic

from certs import issue

ME = "/2/0/users/me"


def make_cert(*, expired: bool = False) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A fresh key and certificate for the demo user (certs.py; expired: until yesterday)."""
    kit = issue(DEMO[0], expired=expired)
    return kit.key, kit.cert


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def cert_body(
    key: rsa.RSAPrivateKey, *, v2: bool = False, stamp: int | None = None
) -> dict[str, str]:
    data = os.urandom(150)
    if v2:
        data = (stamp if stamp is not None else int(time.time())).to_bytes(8, "big") + os.urandom(
            100
        )
    sig = key.sign(data, padding.PKCS1v15(), hashes.SHA512())
    body = {
        "encodedData": base64.b64encode(data).decode(),
        "encodedSignedData": base64.b64encode(sig).decode(),
    }
    if v2:
        body["encodedDataFormat"] = "v2"
    return body


def cert_header(cert: x509.Certificate, *, der: bool = False) -> dict[str, str]:
    raw = cert.public_bytes(serialization.Encoding.DER) if der else pem(cert)
    return {"Authorization": "CACertificate " + base64.b64encode(raw).decode()}


def token_of(r: httpx2.Response) -> str:
    return r.json()["tokenInfo"]["tokenValue"]


def test_basic_authenticate_is_201_with_token_info(raw: httpx2.Client) -> None:
    r = raw.post("/token/authenticate", headers={"AUTHORIZATION": basic(DEMO)})
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "SUCCESS" and body["statusMessage"] == "Login successful"
    assert body["meta"]["validationUrl"].endswith("/token/validate")
    info = body["tokenInfo"]
    assert set(info) >= {"expiresAt", "tokenId", "tokenValue", "refreshTokenId"}
    assert len(info["tokenValue"].split(".")) == 3
    assert abs(info["expiresAt"] - (time.time() * 1000 + 2_100_000)) < 60_000
    assert len(info["tokenId"]) == 36 and info["tokenId"].count("-") == 4


def test_bad_credentials_and_bad_headers(raw: httpx2.Client) -> None:
    r = raw.post("/token/authenticate", headers={"Authorization": basic((DEMO[0], "wrong"))})
    assert r.status_code == 401 and r.json()["status"] == "FAILURE_BAD_CREDENTIAL"
    assert "wrong" not in r.text
    for header in ["Bearer x", "InvalidScheme x", "xyz", "Basic !!!notbase64"]:
        r = raw.post("/token/authenticate", headers={"Authorization": header})
        assert r.status_code == 401, header
        assert r.json()["status"].startswith("FAILURE_")
    assert raw.post("/token/authenticate").status_code == 401
    for header in ["Bearer x", "xyz"]:
        assert raw.post("/token/refresh", headers={"Authorization": header}).status_code == 400
        r = raw.get("/token/validate", headers={"Authorization": header})
        assert r.status_code == 400 and r.json()["status"] == "FAILURE_BAD_HEADER"
        assert raw.post("/token/logout", headers={"Authorization": header}).status_code == 401


def test_refresh_validate_logout(emu, raw: httpx2.Client) -> None:
    r = raw.post("/token/authenticate", headers={"Authorization": basic(DEMO)})
    info = r.json()["tokenInfo"]
    auth = {"Authorization": f"AnaplanAuthToken {info['tokenValue']}"}
    emu.advance_clock(60)
    r = raw.post("/token/refresh", headers=auth)
    assert r.status_code == 200 and r.json()["statusMessage"] == "Token refreshed"
    new = r.json()["tokenInfo"]
    assert new["tokenValue"] == info["tokenValue"] and new["expiresAt"] > info["expiresAt"]
    r = raw.get("/token/validate", headers=auth)
    assert r.status_code == 200 and r.json()["statusMessage"] == "Token validated"
    user_info = r.json()["userInfo"]
    assert user_info["userId"] == DEMO[0] and len(user_info["userGuid"]) == 32
    assert raw.get(ME, headers=auth).status_code == 200
    assert raw.post("/token/logout", headers=auth).status_code == 204
    assert raw.get(ME, headers=auth).status_code == 401
    assert raw.get("/token/validate", headers=auth).status_code == 401
    assert raw.post("/token/refresh", headers=auth).status_code == 401


def test_bearer_and_scheme_case_on_api(raw: httpx2.Client) -> None:
    token = token_of(raw.post("/token/authenticate", headers={"Authorization": basic(DEMO)}))
    assert raw.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert raw.get(ME, headers={"authorization": f"anaplanauthtoken {token}"}).status_code == 200
    assert raw.get(ME, headers={"Authorization": f"Basic {token}"}).status_code == 401


def test_token_expires_on_the_emulated_clock(raw: httpx2.Client) -> None:
    from pyanaplan.emulator import Emulator

    with Emulator(token_ttl_s=120) as short, httpx2.Client(base_url=short.api_url) as client:
        r = client.post("/token/authenticate", headers={"Authorization": basic(DEMO)})
        info = r.json()["tokenInfo"]
        assert abs(info["expiresAt"] - (time.time() * 1000 + 120_000)) < 10_000
        auth = {"Authorization": f"AnaplanAuthToken {info['tokenValue']}"}
        assert client.get(ME, headers=auth).status_code == 200
        short.advance_clock(121)
        assert client.get(ME, headers=auth).status_code == 401
        assert client.get(f"{BASE}/files", headers=auth).status_code == 401


@pytest.mark.parametrize("der", [False, True])
def test_certificate_v1_pem_or_der(emu, raw: httpx2.Client, der: bool) -> None:
    key, cert = make_cert()
    emu.register_certificate(DEMO[0], pem(cert))
    r = raw.post("/token/authenticate", headers=cert_header(cert, der=der), json=cert_body(key))
    assert r.status_code == 201, r.text
    token = token_of(r)
    me = raw.get(ME, headers={"Authorization": f"AnaplanAuthToken {token}"}).json()["user"]
    assert me["email"] == DEMO[0]


def test_certificate_v2_seconds_ms_and_stale(emu, raw: httpx2.Client) -> None:
    key, cert = make_cert()
    emu.register_certificate(DEMO[0], pem(cert))
    now = int(time.time())
    for stamp in (now, now * 1000):
        r = raw.post(
            "/token/authenticate",
            headers=cert_header(cert),
            json=cert_body(key, v2=True, stamp=stamp),
        )
        assert r.status_code == 201, r.text
    r = raw.post(
        "/token/authenticate",
        headers=cert_header(cert),
        json=cert_body(key, v2=True, stamp=now - 3600),
    )
    assert r.status_code == 401 and r.json()["status"] == "FAILURE_BAD_CREDENTIAL"


def test_certificate_rejections(emu, raw: httpx2.Client) -> None:
    key, cert = make_cert()
    other_key, _ = make_cert()
    # Not registered.
    r = raw.post("/token/authenticate", headers=cert_header(cert), json=cert_body(key))
    assert r.status_code == 401
    emu.register_certificate(DEMO[0], pem(cert))
    # Signed by the wrong key.
    r = raw.post("/token/authenticate", headers=cert_header(cert), json=cert_body(other_key))
    assert r.status_code == 401 and r.json()["status"] == "FAILURE_BAD_CREDENTIAL"
    # Signature over the base64 text instead of the raw bytes.
    body = cert_body(key)
    body["encodedSignedData"] = base64.b64encode(
        key.sign(body["encodedData"].encode(), padding.PKCS1v15(), hashes.SHA512())
    ).decode()
    assert raw.post("/token/authenticate", headers=cert_header(cert), json=body).status_code == 401
    # Malformed JSON and garbage headers.
    r = raw.post("/token/authenticate", headers=cert_header(cert), content=b"{oops")
    assert r.status_code == 401
    r = raw.post(
        "/token/authenticate",
        headers={"Authorization": "CACertificate bm90IGEgY2VydA=="},
        json=body,
    )
    assert r.status_code == 401 and r.json()["status"] == "FAILURE_BAD_HEADER"
    # Expired certificate.
    old_key, old_cert = make_cert(expired=True)
    emu.register_certificate(DEMO[0], pem(old_cert))
    r = raw.post("/token/authenticate", headers=cert_header(old_cert), json=cert_body(old_key))
    assert r.status_code == 401


def test_certificate_registered_through_control_api(
    raw: httpx2.Client, control: httpx2.Client
) -> None:
    key, cert = make_cert()
    path = f"/__emulator__/users/{DEMO[0]}/certificates"
    r = control.post(path, json={"pem": pem(cert).decode()})
    assert r.status_code == 201
    assert control.post(path, json={"pem": "junk"}).status_code == 400
    # A bare PEM body is not JSON: refused rather than guessed at.
    assert control.post(path, content=pem(cert)).status_code == 400
    r = raw.post("/token/authenticate", headers=cert_header(cert), json=cert_body(key, v2=True))
    assert r.status_code == 201


def test_spec_registered_certificate(tmp_path) -> None:
    from pyanaplan.emulator import Emulator
    from pyanaplan.emulator.spec import load_spec

    key, cert = make_cert()
    cert_file = tmp_path / "user.pem"
    cert_file.write_bytes(pem(cert))
    spec = load_spec()
    users = list(spec.users)
    users[0] = type(users[0])(**{**users[0].__dict__, "certificates": (str(cert_file),)})
    spec = type(spec)(**{**spec.__dict__, "users": tuple(users)})
    with Emulator(spec=spec) as emu2, httpx2.Client(base_url=emu2.api_url) as client:
        r = client.post("/token/authenticate", headers=cert_header(cert), json=cert_body(key))
        assert r.status_code == 201
