"""OAuth device grant over HTTP (api-notes §3.2): pending, slow_down, approval,
denial, expiry, rotation."""

from __future__ import annotations

import httpx2
from emu_http import ANALYST

GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CLIENT = "0123456789abcdef0123456789abcdef"


def device(raw: httpx2.Client, *, form: bool = False) -> dict:
    data = {"client_id": CLIENT, "scope": "openid profile email offline_access"}
    r = (
        raw.post("/oauth/device/code", data=data)
        if form
        else raw.post("/oauth/device/code", json=data)
    )
    assert r.status_code == 200, r.text
    return r.json()


def poll(raw: httpx2.Client, device_code: str, *, form: bool = False) -> httpx2.Response:
    data = {"grant_type": GRANT, "device_code": device_code, "client_id": CLIENT}
    return raw.post("/oauth/token", data=data) if form else raw.post("/oauth/token", json=data)


def test_device_grant_pending_then_approved(emu, raw: httpx2.Client) -> None:
    emu.set_oauth_interval(0)
    code = device(raw)
    assert set(code) >= {
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
    }
    assert code["verification_uri"].endswith("/activate")
    r = poll(raw, code["device_code"])
    assert r.status_code == 400 and r.json()["error"] == "authorization_pending"
    emu.approve_device(code["user_code"])
    r = poll(raw, code["device_code"], form=True)
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 2100
    assert "profile" not in tokens["scope"].split()
    assert {"access_token", "refresh_token", "id_token"} <= set(tokens)
    # The access token works on /2/0 (AnaplanAuthToken and Bearer) and on /token/validate.
    for scheme in ("AnaplanAuthToken", "Bearer"):
        me = raw.get(
            "/2/0/users/me", headers={"Authorization": f"{scheme} {tokens['access_token']}"}
        )
        assert me.status_code == 200
    r = raw.get(
        "/token/validate", headers={"Authorization": f"AnaplanAuthToken {tokens['access_token']}"}
    )
    assert r.status_code == 200
    # The device code is single use.
    assert poll(raw, code["device_code"]).json()["error"] == "invalid_grant"


def test_slow_down_when_polling_too_fast(emu, raw: httpx2.Client) -> None:
    emu.set_oauth_interval(30)
    code = device(raw, form=True)
    assert code["interval"] == 30
    assert poll(raw, code["device_code"]).json()["error"] == "authorization_pending"
    r = poll(raw, code["device_code"])
    assert r.status_code == 400 and r.json()["error"] == "slow_down"


def test_denied_and_expired(emu, raw: httpx2.Client) -> None:
    emu.set_oauth_interval(0)
    code = device(raw)
    emu.deny_device(code["user_code"])
    r = poll(raw, code["device_code"])
    assert r.status_code in (400, 403) and r.json()["error"] == "access_denied"
    code = device(raw)
    emu.advance_clock(901)
    assert poll(raw, code["device_code"]).json()["error"] == "expired_token"


def test_refresh_token_rotates(emu, raw: httpx2.Client) -> None:
    emu.set_oauth_interval(0)
    code = device(raw)
    emu.approve_device(code["user_code"])
    tokens = poll(raw, code["device_code"]).json()
    r = raw.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": CLIENT,
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert r.status_code == 200
    fresh = r.json()
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert fresh["access_token"] != tokens["access_token"]
    r = raw.post(
        "/oauth/token",
        json={
            "grant_type": "refresh_token",
            "client_id": CLIENT,
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert tokens["refresh_token"] not in r.text


def test_bad_token_requests(raw: httpx2.Client) -> None:
    assert (
        raw.post("/oauth/token", json={"grant_type": "password"}).json()["error"]
        == "unsupported_grant_type"
    )
    assert raw.post("/oauth/token", json={}).json()["error"] == "invalid_request"
    r = raw.post("/oauth/token", content=b"{broken", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    assert raw.post("/oauth/device/code", json={}).status_code == 400


def test_activate_page_approves_with_password(emu, raw: httpx2.Client) -> None:
    emu.set_oauth_interval(0)
    code = device(raw)
    page = raw.get("/activate", params={"user_code": code["user_code"]})
    assert page.status_code == 200 and code["user_code"] in page.text and "<form" in page.text
    bad = raw.post(
        "/activate",
        data={
            "user_code": code["user_code"],
            "email": ANALYST[0],
            "password": "nope",
            "action": "approve",
        },
    )
    assert bad.status_code == 401
    ok = raw.post(
        "/activate",
        data={
            "user_code": code["user_code"],
            "email": ANALYST[0],
            "password": ANALYST[1],
            "action": "approve",
        },
    )
    assert ok.status_code == 200 and "approved" in ok.text
    tokens = poll(raw, code["device_code"]).json()
    me = raw.get("/2/0/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json()["user"]["email"] == ANALYST[0]


def test_auto_approve_from_spec() -> None:
    from pyanaplan.emulator import Emulator
    from pyanaplan.emulator.spec import load_spec

    spec = load_spec()
    spec = type(spec)(
        **{
            **spec.__dict__,
            "settings": type(spec.settings)(
                **{**spec.settings.__dict__, "oauth_auto_approve": True}
            ),
        }
    )
    with Emulator(spec=spec) as emu2, httpx2.Client(base_url=emu2.oauth_url) as client:
        code = device(client)
        assert poll(client, code["device_code"]).status_code == 200
