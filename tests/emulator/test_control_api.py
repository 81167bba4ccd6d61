"""The control API (`/__emulator__/`) checks who calls it and what they send (issue 10 item 7).

* Values: ``{"advance_s": NaN}`` (or ``1e999``) used to poison the clock so that every later
  request answered 500 until a restart; non-finite ``times``/``steps`` were 500s. Every body is
  now checked (finite numbers, ranges, strict types, no unknown fields): a 400 naming the field,
  and nothing changes.
* Callers: a web page the developer has open could POST to a local emulator (any Content-Type,
  no Origin check). Now a browser's ``Origin``/``Sec-Fetch-Site`` is refused, the per-run token
  is required, and changes must be ``application/json``.
"""

from __future__ import annotations

import time
from typing import Any

import httpx2
import pytest
from emu_http import BASE, REGIONS_IMPORT, Api, wait_task

CONTROL_BODIES = [
    ("clock", b'{"advance_s": NaN}', "NaN"),
    ("clock", b'{"advance_s": 1e999}', "out of range"),
    ("clock", b'{"advance_s": -Infinity}', "-Infinity"),
    ("clock", b'{"advance_s": "3600"}', "advance_s"),
    ("clock", b'{"advance_s": null}', "advance_s"),
    ("clock", b'{"advance_s": -1}', "advance_s"),
    ("clock", b'{"advance_s": 1e300}', "advance_s"),
    ("clock", b'{"advance": 5}', "advance"),
    ("clock", b"[1]", "JSON object"),
    ("task-timing", b'{"steps": 1e999}', "out of range"),
    ("task-timing", b'{"steps": 2.5}', "steps"),
    ("task-timing", b'{"steps": "3"}', "steps"),
    ("task-timing", b'{"steps": -1}', "steps"),
    ("task-timing", b'{"steps": 100000000}', "steps"),
    ("task-timing", b'{"step_s": -0.5}', "step_s"),
    ("task-timing", b'{"step_s": 1e12}', "step_s"),
    ("faults", b'{"status": 500, "times": 1e999}', "out of range"),
    ("faults", b'{"status": 500, "times": 0}', "times"),
    ("faults", b'{"status": 500, "times": 2.5}', "times"),
    ("faults", b'{"status": 500, "times": true}', "times"),
    ("faults", b'{"status": 500, "fraction": 2}', "fraction"),
    ("faults", b'{"status": 99}', "status"),
    ("faults", b'{"status": "500"}', "status"),
    ("faults", b'{"delay_s": 1e9}', "delay_s"),
    ("faults", b'{"status": 429, "retry_after": -1}', "retry_after"),
    ("faults", b'{"status": 500, "method": "BREW"}', "method"),
    ("faults", b'{"status": 500, "drop": "yes"}', "drop"),
    ("faults", b'{"path": "*"}', "a fault needs"),
    ("faults", b'{"status": 500, "bogus": 1}', "bogus"),
    ("bandwidth", b'{"request_bps": 0.001}', "request_bps"),
    ("bandwidth", b'{"response_bps": -5}', "response_bps"),
    ("bandwidth", b'{"response_bps": "fast"}', "response_bps"),
    ("oauth", b'{"interval_s": -1}', "interval_s"),
    ("devices/NOPE-NOPE/approve", b'{"email": 5}', "email"),
    ("users/demo@pyanaplan.example/certificates", b'{"pem": 5}', "pem"),
    ("users/demo@pyanaplan.example/certificates", b"{}", "pem"),
    ("crash-points", b'{"point": "nowhere"}', "point"),
    ("crash-points", b'{"point": 1}', "point"),
    ("crash-points", b"{}", "point"),
]


def _state(emu: Any) -> dict[str, Any]:
    platform = emu.app.state.platform
    return {
        "offset_s": platform.clock.offset_s,
        "faults": emu.app.state.platform.control.faults(),
        "timing": (platform.tasks.timing.steps, platform.tasks.timing.step_s),
        "bandwidth": (platform.bandwidth.request_bps, platform.bandwidth.response_bps),
        "oauth_interval_s": platform.auth.oauth_interval_s,
    }


@pytest.mark.parametrize(("name", "body", "fragment"), CONTROL_BODIES)
def test_bad_control_values_are_400_and_change_nothing(
    emu: Any, control: httpx2.Client, api: Api, name: str, body: bytes, fragment: str
) -> None:
    before = _state(emu)
    response = control.post(f"/__emulator__/{name}", content=body)
    assert response.status_code == 400, (response.status_code, response.text)
    assert fragment in response.json()["status"]["message"], response.json()
    assert _state(emu) == before
    # The emulator keeps answering: before the fix a NaN clock made every request a 500.
    assert api.get("/2/0/users/me").status_code == 200
    assert api.get(f"{BASE}/files").status_code == 200
    assert control.get("/__emulator__/clock").status_code == 200


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        ("advance_clock", {"seconds": float("nan")}),
        ("advance_clock", {"seconds": float("inf")}),
        ("advance_clock", {"seconds": -1}),
        ("set_task_timing", {"steps": 3, "step_s": float("nan")}),
        ("set_task_timing", {"steps": 10**9}),
        ("inject", {"status": 500, "times": float("inf")}),
        ("inject", {"status": 500, "delay_s": float("nan")}),
        ("set_bandwidth", {"request_bps": float("inf")}),
        ("set_oauth_interval", {"seconds": float("nan")}),
    ],
)
def test_the_python_controls_check_the_same_values(
    emu: Any, api: Api, call: str, kwargs: dict[str, Any]
) -> None:
    before = _state(emu)
    with pytest.raises(ValueError):
        getattr(emu, call)(**kwargs)
    assert _state(emu) == before
    assert api.get("/2/0/users/me").status_code == 200


def test_the_clock_stays_within_a_century(emu: Any) -> None:
    emu.advance_clock(50 * 365 * 86400)
    with pytest.raises(ValueError, match="100 years"):
        emu.advance_clock(60 * 365 * 86400)
    assert emu.app.state.platform.clock.offset_s == 50 * 365 * 86400


def test_good_control_values_still_work(emu: Any, control: httpx2.Client) -> None:
    assert control.post("/__emulator__/clock", json={"advance_s": 1.5}).json()["offset_s"] == 1.5
    assert control.post("/__emulator__/clock", json={"advance_s": 2}).json()["offset_s"] == 3.5
    assert control.post("/__emulator__/task-timing", json={"steps": 0}).status_code == 204
    assert control.post("/__emulator__/bandwidth", json={"request_bps": 0}).status_code == 204
    rule = control.post(
        "/__emulator__/faults", json={"status": 503, "method": "get", "fraction": 0.5}
    )
    assert rule.status_code == 201, rule.text
    listed = control.get("/__emulator__/faults").json()["faults"]
    assert listed[0]["method"] == "GET" and listed[0]["times"] is None
    # The rule is live: an API GET reaches it (and gets its 503 or, unfaulted, its own 401).
    assert httpx2.get(f"{emu.api_url}/2/0/users/me", timeout=10).status_code in (401, 503)
    assert control.get("/__emulator__/faults").json()["faults"][0]["matched"] == 1
    assert control.post("/__emulator__/oauth", json={"interval_s": 0}).status_code == 204


# ---- who may call ----------------------------------------------------------------------------
def _armed(emu: Any) -> None:
    """Something a reset, a DELETE of the faults or a clock change would undo, so a test can
    tell whether a refused request ran. The rule is a marker, never meant to fire."""
    emu.inject(path="/never/matches", status=500, times=5)
    emu.advance_clock(60)


def _untouched(emu: Any) -> bool:
    platform = emu.app.state.platform
    marker = [(f["path"], f["active"]) for f in platform.control.faults()]
    return marker == [("/never/matches", True)] and platform.clock.offset_s == 60


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({"Origin": "https://evil.example"}, 403, id="origin"),
        pytest.param({"Origin": "null"}, 403, id="origin-null"),
        pytest.param({"Sec-Fetch-Site": "cross-site"}, 403, id="sec-fetch-cross-site"),
        pytest.param({"Sec-Fetch-Site": "same-site"}, 403, id="sec-fetch-same-site"),
        pytest.param({"Content-Type": "text/plain"}, 415, id="text-plain"),
        pytest.param(
            {"Content-Type": "application/x-www-form-urlencoded"}, 415, id="form-urlencoded"
        ),
        pytest.param({"Content-Type": "multipart/form-data; boundary=x"}, 415, id="multipart"),
        pytest.param({"Content-Type": None}, 415, id="no-content-type"),
        pytest.param({"X-Emulator-Token": None}, 401, id="no-token"),
        pytest.param({"X-Emulator-Token": "guess"}, 401, id="wrong-token"),
    ],
)
def test_control_requests_a_web_page_could_send_are_refused(
    emu: Any, headers: dict[str, str | None], status: int
) -> None:
    _armed(emu)
    sent = {k: v for k, v in {**emu.control_headers, **headers}.items() if v is not None}
    for method, path, body in [
        ("POST", "/__emulator__/reset", b"{}"),
        ("DELETE", "/__emulator__/faults", b""),
        ("POST", "/__emulator__/faults", b'{"status": 500, "times": 100}'),
        ("POST", "/__emulator__/clock", b'{"advance_s": 3600}'),
    ]:
        response = httpx2.request(
            method, f"{emu.api_url}{path}", content=body, headers=sent, timeout=10
        )
        assert response.status_code == status, (method, path, response.text)
        assert response.json()["status"]["code"] == status
        assert emu.control_token not in response.text
    assert _untouched(emu)
    emu.reset()  # the marker rule was never meant to fire (the emu fixture checks that faults did)


def test_reads_need_the_token_too(emu: Any) -> None:
    url = f"{emu.api_url}/__emulator__/requests"
    assert httpx2.get(url, timeout=10).status_code == 401
    page = {"Origin": "http://localhost:3000"}
    assert httpx2.get(url, headers=page, timeout=10).status_code == 403
    token = {"X-Emulator-Token": emu.control_token}
    assert httpx2.get(url, headers=token, timeout=10).status_code == 200


def test_each_run_has_its_own_token_and_a_chosen_one_is_used() -> None:
    from pyanaplan.emulator import Emulator

    with Emulator() as a, Emulator() as b, Emulator(control_token="chosen-token-123") as c:
        assert a.control_token != b.control_token and len(a.control_token) >= 24
        assert c.control_token == "chosen-token-123"
        ok = httpx2.post(f"{c.api_url}/__emulator__/reset", headers=c.control_headers, timeout=10)
        assert ok.status_code == 204
        wrong = httpx2.post(
            f"{c.api_url}/__emulator__/reset", headers=a.control_headers, timeout=10
        )
        assert wrong.status_code == 401


def test_a_crash_point_parks_the_worker_until_disarmed(
    emu: Any, control: httpx2.Client, api: Api
) -> None:
    """The hook the crash-window tests kill the emulator at (tests/reliability): armed over HTTP,
    reached by the next task, visible in GET, and harmless once disarmed."""
    armed = control.post("/__emulator__/crash-points", json={"point": "task-after-model-commit"})
    assert armed.json() == {"points": {"task-after-model-commit": "armed"}}
    path = f"{BASE}/imports/{REGIONS_IMPORT}/tasks"
    task_id = api.json_ok("POST", path, json={"localeName": "en_US"})["task"]["taskId"]
    deadline = time.monotonic() + 20
    while control.get("/__emulator__/crash-points").json()["points"] != {
        "task-after-model-commit": "reached"
    }:
        assert time.monotonic() < deadline, "the worker never reached the point"
        time.sleep(0.02)
    # Parked after the model commit: the platform still says IN_PROGRESS.
    assert api.json_ok("GET", f"{path}/{task_id}")["task"]["taskState"] == "IN_PROGRESS"
    assert control.delete("/__emulator__/crash-points").json() == {"points": {}}
    task = wait_task(api, "imports", REGIONS_IMPORT, task_id)
    assert task["taskState"] == "COMPLETE" and task["result"]["successful"] is True


def test_a_reset_releases_a_parked_worker(emu: Any, api: Api) -> None:
    emu.arm_crash_point("task-before-model-commit")
    api.post(f"{BASE}/imports/{REGIONS_IMPORT}/tasks", json={"localeName": "en_US"})
    deadline = time.monotonic() + 20
    while emu.crash_points() != {"task-before-model-commit": "reached"}:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    emu.reset()  # bounded: it would wait ~10 s for a worker that never went idle
    assert emu.crash_points() == {}
    with pytest.raises(ValueError, match="point"):
        emu.arm_crash_point("nowhere")
