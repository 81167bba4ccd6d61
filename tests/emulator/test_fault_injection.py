"""Fault injection, bandwidth caps, clock, request log and the /__emulator__/ control API."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import httpx2
import pytest
from emu_http import BASE, REGIONS_FILE, Api

from faultcheck import fired, missed_rules

OCTET = {"Content-Type": "application/octet-stream"}


def test_429_with_retry_after_seconds_then_recovers(emu, api: Api) -> None:
    rule = emu.inject(path="*/chunks/*", method="PUT", status=429, retry_after=2, times=1)
    assert [(f["id"], f["active"], f["fired"]) for f in emu.faults()] == [(rule, True, 0)]
    r = api.put(f"{BASE}/files/{REGIONS_FILE}/chunks/0", content=b"abc", headers=OCTET)
    assert r.status_code == 429 and r.headers["retry-after"] == "2"
    assert r.json()["status"]["code"] == 429 and r.json()["path"].endswith("/chunks/0")
    r = api.put(f"{BASE}/files/{REGIONS_FILE}/chunks/0", content=b"abc", headers=OCTET)
    assert r.status_code == 204
    statuses = [e["status"] for e in emu.requests() if e["method"] == "PUT"]
    assert statuses == [429, 204]
    # Spent, the rule stays listed with its counts (the second PUT never reached it).
    (listed,) = emu.faults()
    assert (listed["id"], listed["active"], listed["matched"], listed["fired"]) == (
        rule,
        False,
        1,
        1,
    )


def test_retry_after_http_date(emu, api: Api) -> None:
    emu.inject(path="/2/0/users/me", status=503, retry_after=30, retry_after_http_date=True)
    r = api.get("/2/0/users/me")
    assert r.status_code == 503
    when = parsedate_to_datetime(r.headers["retry-after"]).timestamp()
    assert 20 < when - time.time() < 40
    assert fired(emu) == [1]


@pytest.mark.parametrize("status", [500, 502, 409])
def test_status_faults_count_down(emu, api: Api, status: int) -> None:
    emu.inject(path=f"{BASE}/files", method="GET", status=status, times=2)
    assert api.get(f"{BASE}/imports").status_code == 200  # other paths are untouched
    assert [api.get(f"{BASE}/files").status_code for _ in range(3)] == [status, status, 200]
    assert [(f["matched"], f["fired"]) for f in emu.faults()] == [(2, 2)]


def test_fraction_zero_and_one(emu, api: Api) -> None:
    emu.inject(path="*/imports", status=500, fraction=0.0)
    assert all(api.get(f"{BASE}/imports").status_code == 200 for _ in range(5))
    emu.clear_faults()
    emu.inject(path="*/imports", status=500, fraction=1.0)
    assert all(api.get(f"{BASE}/imports").status_code == 500 for _ in range(5))
    assert [(f["matched"], f["fired"]) for f in emu.faults()] == [(5, 0), (5, 5)]


def test_drop_connection_mid_body(emu, api: Api) -> None:
    api.put(f"{BASE}/files/{REGIONS_FILE}", content=b"x" * 5000, headers=OCTET)
    emu.inject(path="*/files/*", method="GET", drop=True)
    with pytest.raises(httpx2.RemoteProtocolError):
        api.get(f"{BASE}/files/{REGIONS_FILE}")
    assert api.get(f"{BASE}/files/{REGIONS_FILE}").content == b"x" * 5000
    # A 204 answer is dropped too: the request ran, the client sees a broken connection.
    emu.inject(path="*/chunks/*", method="PUT", drop=True)
    with pytest.raises(httpx2.RemoteProtocolError):
        api.put(f"{BASE}/files/{REGIONS_FILE}/chunks/0", content=b"dropped", headers=OCTET)
    assert api.get(f"{BASE}/files/{REGIONS_FILE}/chunks/0").content == b"dropped"
    assert fired(emu) == [1, 1]


def test_delay(emu, api: Api) -> None:
    emu.inject(path="/2/0/users/me", delay_s=0.3)
    t0 = time.monotonic()
    assert api.get("/2/0/users/me").status_code == 200
    assert time.monotonic() - t0 >= 0.3
    t0 = time.monotonic()
    api.get("/2/0/users/me")
    assert time.monotonic() - t0 < 0.3
    assert fired(emu) == [1]


def test_expire_token(emu, api: Api) -> None:
    emu.inject(path="*/files", expire_token=True)
    assert api.get(f"{BASE}/files").status_code == 401
    assert api.get("/2/0/users/me").status_code == 401
    assert fired(emu) == [1]


def test_bandwidth_caps(emu, api: Api) -> None:
    api.put(f"{BASE}/files/{REGIONS_FILE}", content=b"y" * 40_000, headers=OCTET)
    emu.set_bandwidth(response_bps=100_000)
    t0 = time.monotonic()
    assert len(api.get(f"{BASE}/files/{REGIONS_FILE}").content) == 40_000
    assert time.monotonic() - t0 >= 0.3
    emu.set_bandwidth(request_bps=100_000)
    t0 = time.monotonic()
    assert (
        api.put(f"{BASE}/files/{REGIONS_FILE}", content=b"z" * 40_000, headers=OCTET).status_code
        == 204
    )
    assert time.monotonic() - t0 >= 0.3
    emu.set_bandwidth()
    t0 = time.monotonic()
    api.get(f"{BASE}/files/{REGIONS_FILE}")
    assert time.monotonic() - t0 < 0.3


def test_reset_clears_faults_and_state(emu, api: Api) -> None:
    emu.inject(path="*", status=500, times=100)
    emu.advance_clock(10)
    emu.reset()
    assert emu.faults() == []
    assert api.get("/2/0/users/me").status_code == 401  # tokens are gone with the reset
    assert emu.requests()[-1]["status"] == 401


def test_a_rule_aimed_at_the_wrong_path_shows_as_missed(emu, api: Api) -> None:
    """The hole the counts close: a typo in the glob used to leave a fault test green."""
    typo = emu.inject(path="*/chunk/*", method="PUT", status=503, times=1)  # not "chunks"
    unused = emu.inject(path="*/chunks/*", method="GET", status=503, fraction=0.5)
    r = api.put(f"{BASE}/files/{REGIONS_FILE}/chunks/0", content=b"abc", headers=OCTET)
    assert r.status_code == 204
    assert [(f["matched"], f["fired"], f["active"]) for f in emu.faults()] == [
        (0, 0, True),
        (0, 0, True),
    ]
    assert missed_rules(emu.faults()) == [
        f"rule {typo} (PUT */chunk/* status=503 times=1) never fired (matched 0)",
        f"rule {unused} (GET */chunks/* status=503 fraction=0.5) matched no request",
    ]
    emu.reset()  # else the emu fixture would fail this test for exactly these rules


def test_an_earlier_rule_shadows_a_later_one_and_clear_keeps_the_counts(emu, api: Api) -> None:
    emu.inject(path="*/imports", method="GET", status=503, times=2)
    emu.inject(path="*/imports", status=500, times=None)  # every request that reaches it
    assert [api.get(f"{BASE}/imports").status_code for _ in range(3)] == [503, 503, 500]
    emu.clear_faults()
    assert api.get(f"{BASE}/imports").status_code == 200
    assert [(f["matched"], f["fired"], f["active"]) for f in emu.faults()] == [
        (2, 2, False),
        (1, 1, False),
    ]


@pytest.mark.parametrize(
    ("rule", "missed"),
    [
        ({"times": 1, "fraction": None, "matched": 3, "fired": 1}, False),
        ({"times": None, "fraction": None, "matched": 2, "fired": 0}, True),
        ({"times": 5, "fraction": None, "matched": 0, "fired": 0}, True),
        ({"times": None, "fraction": 1.0, "matched": 4, "fired": 0}, True),
        ({"times": None, "fraction": 0.2, "matched": 4, "fired": 0}, False),
        ({"times": None, "fraction": 0.0, "matched": 0, "fired": 0}, True),
    ],
)
def test_missed_rules_rules(rule: dict, missed: bool) -> None:
    """Counted and every-time rules must fire; a random share need only be reached."""
    full = {"id": 7, "path": "*/x", "method": None, "status": 500, **rule}
    assert bool(missed_rules([full])) is missed


def test_inject_validation(emu) -> None:
    with pytest.raises(ValueError):
        emu.inject(path="*")
    with pytest.raises(ValueError):
        emu.inject(path="*", status=429, fraction=2.0)


def test_control_api_over_http(emu, control: httpx2.Client, api: Api) -> None:
    r = control.post(
        "/__emulator__/faults",
        json={"path": "/2/0/users/me", "status": 429, "retry_after": 1, "times": 1},
    )
    assert r.status_code == 201 and isinstance(r.json()["id"], int)
    assert control.get("/__emulator__/faults").json()["faults"][0]["status"] == 429
    assert api.get("/2/0/users/me").status_code == 429
    assert control.post("/__emulator__/faults", json={"bogus": 1}).status_code == 400
    assert control.delete("/__emulator__/faults").status_code == 204
    assert control.post("/__emulator__/clock", json={"advance_s": 30}).json()["offset_s"] == 30
    timing = control.post("/__emulator__/task-timing", json={"steps": 1, "step_s": 0})
    assert timing.status_code == 204
    assert control.post("/__emulator__/bandwidth", json={"response_bps": None}).status_code == 204
    log = control.get("/__emulator__/requests").json()["requests"]
    assert any(e["path"] == "/2/0/users/me" and e["status"] == 429 for e in log)
    assert not any(e["path"].startswith("/__emulator__") for e in log)
    assert control.post("/__emulator__/devices/NOPE-NOPE/approve").status_code == 404
    assert control.post("/__emulator__/reset").status_code == 204
    assert control.get("/__emulator__/clock").json()["offset_s"] == 0


def test_control_api_refuses_non_loopback_clients(emu) -> None:
    import asyncio
    import json

    async def call(client_host: str) -> tuple[int, dict]:
        sent: list[dict] = []
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/__emulator__/requests",
            "raw_path": b"/__emulator__/requests",
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"emulator"),
                (b"x-emulator-token", emu.control_token.encode()),
            ],
            "client": (client_host, 40000),
            "server": ("127.0.0.1", emu.port),
        }

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        await emu.app(scope, receive, send)
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return sent[0]["status"], json.loads(body)

    status, body = asyncio.run(call("192.0.2.10"))
    assert status == 403 and body["status"]["code"] == 403
    status, body = asyncio.run(call("127.0.0.1"))
    assert status == 200 and "requests" in body
