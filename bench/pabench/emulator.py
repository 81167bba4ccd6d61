"""The one emulator the harness benchmarks against: a child process on 127.0.0.1.

Everything goes over HTTP, including the ``/__emulator__/`` controls (reset, bandwidth caps,
task timing), so the harness never shares memory or CPU accounting with the server.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time
from typing import Any

import httpx2

from pabench.runner import worker_env

DEMO_WORKSPACE_ID = "8a81b09d5e3f2c1a015e3f2c1a000001"
DEMO_MODEL_ID = "5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B"


class EmulatorProcess:
    """A ``python -m pabench.host`` child serving the demo spec (or ``spec``) on a free loopback
    port."""

    def __init__(
        self, *, start_timeout_s: float = 60.0, no_fsync: bool = False, spec: str | None = None
    ) -> None:
        env = worker_env()
        if no_fsync:
            env["PABENCH_EMULATOR_NO_FSYNC"] = "1"
        if spec is not None:
            env["PABENCH_EMULATOR_SPEC"] = spec
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "pabench.host"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        assert self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], start_timeout_s)
        line = self._proc.stdout.readline() if ready else b""
        if not line:
            self.close()
            raise RuntimeError("the emulator did not start (see its stderr above)")
        hello = json.loads(line)
        self.origin: str = hello["origin"]
        self.user, self.password = hello["users"][0]
        self.pid = self._proc.pid
        self._http = httpx2.Client(base_url=self.origin, timeout=600.0)
        self._control_headers = {
            "X-Emulator-Token": hello["control_token"],
            "Content-Type": "application/json",
        }

    # -- controls --------------------------------------------------------------------------
    def control(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        """Call ``/__emulator__/{path}`` and return its JSON body (or None when empty)."""
        response = self._http.request(
            method, f"/__emulator__/{path}", json=payload, headers=self._control_headers
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def reset(self) -> None:
        """Back to the demo spec's state; clears faults, caps and uploaded content."""
        self.control("POST", "reset")

    def set_bandwidth(self, request_bps: float | None, response_bps: float | None) -> None:
        """Cap request and response bodies, in bytes per second (None: uncapped)."""
        self.control(
            "POST", "bandwidth", {"request_bps": request_bps, "response_bps": response_bps}
        )

    def set_task_timing(self, steps: int, step_s: float) -> None:
        """How tasks progress: ``steps`` progress steps of ``step_s`` seconds each."""
        self.control("POST", "task-timing", {"steps": steps, "step_s": step_s})

    def requests(self) -> list[dict[str, Any]]:
        """The emulator's request log since the last reset."""
        return self.control("GET", "requests")["requests"]

    # -- API helpers -------------------------------------------------------------------------
    def token(self) -> str:
        """A fresh ``AnaplanAuthToken`` value for the demo user (one per worker: some log out)."""
        response = self._http.post("/token/authenticate", auth=(self.user, self.password))
        response.raise_for_status()
        return response.json()["tokenInfo"]["tokenValue"]

    def api(self, token: str) -> httpx2.Client:
        """A client for the demo model's bulk API, authenticated by ``token``."""
        return httpx2.Client(
            base_url=f"{self.origin}/2/0/workspaces/{DEMO_WORKSPACE_ID}/models/{DEMO_MODEL_ID}",
            headers={"Authorization": f"AnaplanAuthToken {token}"},
            timeout=600.0,
        )

    # -- memory ------------------------------------------------------------------------------
    def _status_kib(self, key: str) -> int:
        with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def rss_kib(self) -> int:
        """The server's current resident set, KiB."""
        return self._status_kib("VmRSS")

    def peak_rss_kib(self) -> int:
        """The server's peak resident set since the last ``reset_peak_rss``, KiB."""
        return self._status_kib("VmHWM")

    def reset_peak_rss(self) -> bool:
        """Reset the kernel's peak-RSS mark (``clear_refs`` 5); False when not permitted."""
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w", encoding="ascii") as refs:
                refs.write("5")
        except OSError:
            return False
        return True

    def close(self) -> None:
        """Stop the server: close its stdin, then wait (kill after 20 s)."""
        if getattr(self, "_http", None) is not None:
            self._http.close()
        if self._proc.stdin:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wait_for_task(
    api: httpx2.Client,
    kind: str,
    object_id: str,
    task_id: str,
    *,
    timeout_s: float,
    interval_s: float = 0.02,
) -> dict[str, Any]:
    """Poll a task until it is terminal; bounded by ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        task = api.get(f"/{kind}/{object_id}/tasks/{task_id}").json()["task"]
        if task["taskState"] in ("COMPLETE", "CANCELLED"):
            return task
        time.sleep(interval_s)
    raise TimeoutError(f"{kind} task {task_id} did not finish in {timeout_s} s")
