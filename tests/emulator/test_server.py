"""Running emulators: side by side, restart with the same data dir (also after SIGKILL), serve(),
TLS."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx2
from emu_http import BASE, SALES_FILE, SALES_IMPORT, make_api, wait_task

from faultcheck import fired


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_emulators_side_by_side() -> None:
    from pyanaplan.emulator import Emulator

    with Emulator() as a, Emulator() as b:
        assert a.port != b.port and a.data_dir != b.data_dir
        with make_api(a) as ca, make_api(b) as cb:
            ca.put(f"{BASE}/files/{SALES_FILE}", content=b"only in a")
            assert cb.get(f"{BASE}/files/{SALES_FILE}").content.startswith(b"Product,Region")
            a.inject(path="*", status=500, times=5)
            assert cb.get("/2/0/users/me").status_code == 200
            assert ca.get("/2/0/users/me").status_code == 500
            assert b.faults() == [] and fired(a) == [1]  # a's rule saw only a's request
    assert not Path(a.data_dir).exists()


def test_state_survives_restart(tmp_path: Path) -> None:
    from pyanaplan.emulator import Emulator

    with Emulator(data_dir=tmp_path) as first, make_api(first) as api:
        api.post(f"{BASE}/files/{SALES_FILE}", json={"chunkCount": -1})
        api.put(f"{BASE}/files/{SALES_FILE}/chunks/0", content=b"durable")
        token = api.token
    with Emulator(data_dir=tmp_path) as second, httpx2.Client(base_url=second.api_url) as client:
        auth = {"Authorization": f"AnaplanAuthToken {token}"}
        assert client.get(f"{BASE}/files/{SALES_FILE}/chunks/0", headers=auth).content == b"durable"


def test_sigkill_mid_task_is_never_half_applied(tmp_path: Path) -> None:
    port = free_port()
    code = (
        f"from pyanaplan.emulator import serve; serve(port={port}, data_dir={str(tmp_path)!r}, "
        "print_fn=lambda s: None, control_token='sigkill-test-token')"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        origin = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx2.get(origin + "/2/0/users/me", timeout=1)
                break
            except httpx2.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.05)

        class Remote:
            api_url = origin

        api = make_api(Remote)
        rows = api.json_ok("GET", f"{BASE}/exports/116000000001")["exportMetadata"]["rowCount"]
        api.put(
            f"{BASE}/files/{SALES_FILE}/chunks/0",
            content=b"Product,Region,Units,Price,Comment\nRoad Bike 200,Japan,5,10,new\n",
        )
        api.post(f"{BASE}/files/{SALES_FILE}/complete", json={"id": SALES_FILE})
        timing = httpx2.post(
            origin + "/__emulator__/task-timing",
            json={"steps": 100, "step_s": 0.1},
            headers={"X-Emulator-Token": "sigkill-test-token"},
        )
        assert timing.status_code == 204, timing.text
        task_id = api.post(f"{BASE}/imports/{SALES_IMPORT}/tasks", json={}).json()["task"]["taskId"]
        deadline = time.monotonic() + 10
        while (
            api.json_ok("GET", f"{BASE}/imports/{SALES_IMPORT}/tasks/{task_id}")["task"][
                "taskState"
            ]
            != "IN_PROGRESS"
        ):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        token = api.token
        api.close()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    from pyanaplan.emulator import Emulator

    with Emulator(data_dir=tmp_path, port=0) as emu, httpx2.Client(base_url=emu.api_url) as client:
        client.headers["Authorization"] = f"AnaplanAuthToken {token}"

        class Poll:
            def json_ok(self, method: str, url: str) -> dict:
                r = client.request(method, url)
                assert r.status_code == 200, r.text
                return r.json()

        task = wait_task(Poll(), "imports", SALES_IMPORT, task_id)  # type: ignore[arg-type]
        assert task["taskState"] == "COMPLETE" and task["currentStep"] == "Failed."
        assert task["result"]["successful"] is False
        meta = client.get(f"{BASE}/exports/116000000001").json()["exportMetadata"]
        assert meta["rowCount"] == rows
        # The acknowledged upload survived the kill.
        assert b"Road Bike 200,Japan,5,10,new" in client.get(f"{BASE}/files/{SALES_FILE}").content


def test_serve_prints_env_lines_and_writes_env_file(tmp_path: Path) -> None:
    from pyanaplan.emulator import serve

    lines: list[str] = []
    stop = threading.Event()
    env_file = tmp_path / "emu.env"
    thread = threading.Thread(
        target=serve,
        kwargs={
            "port": 0,
            "in_memory": True,
            "env_file": env_file,
            "print_fn": lines.append,
            "stop_event": stop,
        },
    )
    thread.start()
    deadline = time.monotonic() + 20
    while not any(line.startswith("Press Ctrl-C") for line in lines):
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.02)
    api_line = next(line for line in lines if line.startswith("export ANAPLAN_API_URL="))
    origin = api_line.split("=", 1)[1]
    assert "export ANAPLAN_USER=demo@pyanaplan.example" in lines
    assert "export ANAPLAN_PASSWORD=demo-password" in lines
    assert any(line.startswith("export ANAPLAN_AUTH_URL=http://127.0.0.1:") for line in lines)
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert "ANAPLAN_PASSWORD=demo-password" in env_file.read_text()
    token_line = next(line for line in lines if line.startswith("export PYANAPLAN_EMULATOR_TOKEN="))
    assert token_line in env_file.read_text().splitlines()
    token = token_line.split("=", 1)[1]
    control = {"X-Emulator-Token": token, "Content-Type": "application/json"}
    assert (
        httpx2.post(origin + "/__emulator__/clock", json={"advance_s": 1}, headers=control).json()[
            "offset_s"
        ]
        == 1
    )
    assert httpx2.get(origin + "/__emulator__/clock").status_code == 401
    assert (
        httpx2.post(
            origin + "/token/authenticate", auth=("demo@pyanaplan.example", "demo-password")
        ).status_code
        == 201
    )
    assert not any("Warning" in line for line in lines)
    stop.set()
    thread.join(timeout=20)
    assert not thread.is_alive()


def test_loopback_detection() -> None:
    from pyanaplan.emulator.server import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")


def test_tls_serves_https_with_local_ca() -> None:
    from pyanaplan.emulator import Emulator

    with Emulator(tls=True) as emu:
        assert (
            emu.api_url.startswith("https://") and emu.ca_path is not None and emu.ca_path.exists()
        )
        ctx = ssl.create_default_context(cafile=str(emu.ca_path))
        with httpx2.Client(base_url=emu.api_url, verify=ctx) as client:
            assert (
                client.post(
                    "/token/authenticate", auth=("demo@pyanaplan.example", "demo-password")
                ).status_code
                == 201
            )
        with httpx2.Client(base_url=emu.api_url) as untrusting:
            try:
                untrusting.get("/2/0/users/me")
                raise AssertionError("an untrusted certificate was accepted")
            except httpx2.ConnectError:
                pass
        key = emu.data_dir / "tls" / "server-key.pem"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
