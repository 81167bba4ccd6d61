"""Helpers for emulator HTTP tests: demo IDs, a signed-in httpx2 client, task polling.

A plain module (not conftest) so test modules import one copy of it.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx2

WS = "8a81b09d5e3f2c1a015e3f2c1a000001"
MODEL = "5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B"
MODEL2 = "6C3F7A1D9B8E4F2A0D4C3B2E1F0A9D8C"
BASE = f"/2/0/workspaces/{WS}/models/{MODEL}"
SHORT = f"/2/0/models/{MODEL}"
DEMO = ("demo@pyanaplan.example", "demo-password")
ANALYST = ("analyst@pyanaplan.example", "analyst-password")
REGIONS_FILE, PRODUCTS_FILE, SALES_FILE = "113000000001", "113000000002", "113000000003"
REGIONS_IMPORT, PRODUCTS_IMPORT, SALES_IMPORT = "112000000001", "112000000002", "112000000003"
EXPORT = "116000000001"
ACTION = "117000000001"
PROCESS = "118000000001"


def basic(user: tuple[str, str]) -> str:
    return "Basic " + base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()


def sign_in(client: httpx2.Client, user: tuple[str, str] = DEMO) -> str:
    """Authenticate with Basic and return the token value."""
    r = client.post("/token/authenticate", headers={"Authorization": basic(user)})
    assert r.status_code == 201, r.text
    return r.json()["tokenInfo"]["tokenValue"]


class Api(httpx2.Client):
    """An httpx2 client whose requests carry `AnaplanAuthToken` for one user."""

    token: str

    def __enter__(self) -> Api:
        # Already open (it signed in); `with` only guarantees the close.
        return self

    def json_ok(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        r = self.request(method, url, **kwargs)
        assert r.status_code == 200, r.text
        return r.json()


def make_api(emu: Any, user: tuple[str, str] = DEMO) -> Api:
    client = Api(base_url=emu.api_url, timeout=30)
    client.token = sign_in(client, user)
    client.headers["Authorization"] = f"AnaplanAuthToken {client.token}"
    return client


def wait_task(
    api: Api, kind: str, object_id: str, task_id: str, *, base: str = BASE, timeout_s: float = 20.0
) -> dict[str, Any]:
    """Poll a task until COMPLETE or CANCELLED (bounded)."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        task = api.json_ok("GET", f"{base}/{kind}/{object_id}/tasks/{task_id}")["task"]
        if task["taskState"] in ("COMPLETE", "CANCELLED"):
            return task
        assert time.monotonic() < deadline, f"task still {task['taskState']}"
        time.sleep(0.02)


def run_task(
    api: Api, kind: str, object_id: str, body: Any = None, *, base: str = BASE
) -> dict[str, Any]:
    r = api.post(
        f"{base}/{kind}/{object_id}/tasks",
        json=body if body is not None else {"localeName": "en_US"},
    )
    assert r.status_code == 200, r.text
    return wait_task(api, kind, object_id, r.json()["task"]["taskId"], base=base)
