"""Anaplan drops empty collections from its JSON; the emulator must too, in every response.

A process task's `result` in the OpenAPI examples (operation `getProcessTaskStatus`) has no
`details`, and its `nestedResults` entries carry neither `details` nor `nestedResults`; file
`chunks` are omitted when there are none (docs/api-notes.md api-notes §2.3, §4.5.5). A client that
reads `details[0]` whenever the key exists crashed on the emulator's `"details": []`.

One scenario (run once per module) drives the auth service, OAuth, every bulk v2 area, the
legacy `/1/3` tree and error envelopes, recording every JSON body. Then each empty collection
found anywhere in any body must be one Anaplan is shown to keep:

- `categoryValues: []` on models (Anaplan's "Retrieve a specific model" help page example);
- the payload list of a paged listing (`meta.paging` present), which stays with `totalSize` 0
  (api-notes §2.3: an empty task list answers 200 with an empty list) — except `chunks`;
- a bare top-level `[]` of the legacy tree, which has no key to drop.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
from emu_http import (
    ACTION,
    BASE,
    DEMO,
    EXPORT,
    MODEL2,
    PROCESS,
    REGIONS_FILE,
    REGIONS_IMPORT,
    SALES_FILE,
    SALES_IMPORT,
    WS,
    basic,
)

pytestmark = pytest.mark.timeout(90)

CLIENT_ID = "0123456789abcdef0123456789abcdef"
USER_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
BASE2 = f"/2/0/workspaces/{WS}/models/{MODEL2}"
LEGACY = f"/1/3/workspaces/{WS}/models/{BASE.rsplit('/', 1)[1]}"
BAD_SALES = b"Product,Region,Units,Price,Comment\nNo Such Product,Nowhere,1,2,x\n"
OCTET = {"Content-Type": "application/octet-stream"}
# Keys Anaplan is documented to omit when they would be empty; never allowed as [] anywhere.
OMITTED_WHEN_EMPTY = {"details", "nestedResults", "values", "chunks", "items", "failures"}


@dataclass
class Recording:
    bodies: list[tuple[str, str, int, Any]] = field(default_factory=list)

    def hook(self, response: httpx2.Response) -> None:
        response.read()
        ctype = response.headers.get("content-type", "")
        if ctype.startswith("application/json") and response.content:
            request = response.request
            self.bodies.append(
                (request.method, request.url.path, response.status_code, response.json())
            )


def _wait(http: httpx2.Client, url: str, *, legacy: dict[str, str] | None = None) -> dict[str, Any]:
    """Poll a task until terminal (bounded in count and time); `legacy`: /1/3 auth headers."""
    deadline = time.monotonic() + 20
    task: dict[str, Any] = {}
    for _ in range(400):
        body = http.get(url, headers=legacy).json()
        task = body if legacy else body["task"]
        if task["taskState"] in ("COMPLETE", "CANCELLED") or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    return task


def _auth_and_oauth(emu: Any, http: httpx2.Client) -> str:
    token = http.post("/token/authenticate", headers={"Authorization": basic(DEMO)}).json()
    value = token["tokenInfo"]["tokenValue"]
    http.post("/token/authenticate", headers={"Authorization": "Basic " + "x" * 8})
    auth = {"Authorization": f"AnaplanAuthToken {value}"}
    http.post("/token/refresh", headers=auth)
    http.get("/token/validate", headers=auth)
    http.get("/token/validate", headers={"Authorization": "nonsense"})
    device = http.post("/oauth/device/code", json={"client_id": CLIENT_ID}).json()
    grant = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": CLIENT_ID}
    http.post("/oauth/token", json={**grant, "device_code": device["device_code"]})  # pending
    emu.approve_device(device["user_code"])
    tokens = http.post("/oauth/token", json={**grant, "device_code": device["device_code"]})
    refresh = {"grant_type": "refresh_token", "client_id": CLIENT_ID}
    http.post("/oauth/token", data={**refresh, "refresh_token": tokens.json()["refresh_token"]})
    return value


def _metadata(http: httpx2.Client) -> None:
    for path in ("/2/0/users/me", "/2/0/users", f"/2/0/users/{USER_ID}", f"/2/0/workspaces/{WS}"):
        http.get(path)
    http.get("/2/0/workspaces", params={"tenantDetails": "true"})
    http.get("/2/0/models", params={"modelDetails": "true"})
    http.get(f"/2/0/models/{MODEL2}")
    http.get(f"{BASE}/status")
    http.get(f"/2/0/users/{USER_ID}/workspaces")
    http.get(f"/2/0/users/{USER_ID}/models")


def _files_and_catalog(http: httpx2.Client) -> None:
    for base in (BASE, BASE2):
        for kind in ("files", "imports", "exports", "actions", "processes"):
            http.get(f"{base}/{kind}")  # the sandbox has no exports, actions or processes
    http.get(f"{BASE}/imports/{SALES_IMPORT}")
    http.get(f"{BASE}/exports/{EXPORT}")
    http.get(f"{BASE}/processes/{PROCESS}", params={"showImportDataSource": "true"})
    http.post(f"{BASE}/files/{SALES_FILE}", json={"chunkCount": -1})
    http.get(f"{BASE}/files/{SALES_FILE}/chunks")  # none uploaded yet
    http.put(f"{BASE}/files/{SALES_FILE}/chunks/0", content=BAD_SALES, headers=OCTET)
    http.post(f"{BASE}/files/{SALES_FILE}/complete", json={"id": SALES_FILE})
    http.get(f"{BASE}/files/{SALES_FILE}/chunks")


def _tasks(emu: Any, http: httpx2.Client) -> None:
    for kind, object_id in (
        ("imports", SALES_IMPORT),  # partly failing rows: a dump
        ("exports", EXPORT),
        ("actions", ACTION),
        ("processes", PROCESS),
    ):
        started = http.post(f"{BASE}/{kind}/{object_id}/tasks", json={"localeName": "en_US"})
        task_id = started.json()["task"]["taskId"]
        _wait(http, f"{BASE}/{kind}/{object_id}/tasks/{task_id}")
        http.get(f"{BASE}/{kind}/{object_id}/tasks")
        http.delete(f"{BASE}/{kind}/{object_id}/tasks/{task_id}")  # already complete
    http.get(f"{BASE}/processes/{PROCESS}/tasks/{task_id}", params={"includeProcessDetails": "1"})
    http.get(f"{BASE}/imports/112999999999/tasks")  # unknown parent: an empty list
    dump = f"{BASE}/imports/{SALES_IMPORT}/tasks"
    http.get(f"{dump}/{http.get(dump).json()['tasks'][0]['taskId']}/dump/chunks")

    # An import whose source has no content fails outright ("Failed.", nothing applied).
    http.put(f"{BASE}/files/{REGIONS_FILE}", content=b"", headers=OCTET)
    started = http.post(f"{BASE}/imports/{REGIONS_IMPORT}/tasks", json={"localeName": "en_US"})
    _wait(http, f"{BASE}/imports/{REGIONS_IMPORT}/tasks/{started.json()['task']['taskId']}")
    started = http.post(f"{BASE}/processes/{PROCESS}/tasks", json={"localeName": "en_US"})
    _wait(http, f"{BASE}/processes/{PROCESS}/tasks/{started.json()['task']['taskId']}")
    http.delete(f"{BASE}/files/{REGIONS_FILE}")

    emu.set_task_timing(steps=50, step_s=0.2)  # slow enough to cancel
    try:
        for kind, object_id in (("imports", REGIONS_IMPORT), ("processes", PROCESS)):
            started = http.post(f"{BASE}/{kind}/{object_id}/tasks", json={"localeName": "en_US"})
            task_id = started.json()["task"]["taskId"]
            http.delete(f"{BASE}/{kind}/{object_id}/tasks/{task_id}")
            _wait(http, f"{BASE}/{kind}/{object_id}/tasks/{task_id}")
    finally:
        emu.set_task_timing(steps=3, step_s=0.0)


def _errors(http: httpx2.Client) -> None:
    http.get(f"{BASE}/exports/116999999999")
    http.request("PATCH", f"{BASE}/imports")
    http.get("/2/0/models", params={"sort": "name"})


def _legacy(http: httpx2.Client) -> None:
    auth = {"Authorization": basic(DEMO)}
    http.get("/1/3/workspaces/", headers=auth)
    http.get(f"/1/3/workspaces/{WS}/models", headers=auth)
    for kind in ("files", "imports", "exports", "actions", "processes"):
        http.get(f"{LEGACY}/{kind}", headers=auth)
    http.get(f"{LEGACY}/files/{REGIONS_FILE}/chunks", headers=auth)
    http.get(f"{LEGACY}/imports/112999999999/tasks", headers=auth)
    for kind, object_id in (("processes", PROCESS), ("actions", ACTION)):
        started = http.post(
            f"{LEGACY}/{kind}/{object_id}/tasks", json={"localeName": "en_US"}, headers=auth
        )
        task_id = started.json()["taskId"]
        _wait(http, f"{LEGACY}/{kind}/{object_id}/tasks/{task_id}", legacy=auth)
        http.get(f"{LEGACY}/{kind}/{object_id}/tasks", headers=auth)


@pytest.fixture(scope="module")
def recording(emulator_server: Any) -> Recording:
    emu = emulator_server
    emu.reset()
    rec = Recording()
    with httpx2.Client(
        base_url=emu.api_url, timeout=15, event_hooks={"response": [rec.hook]}
    ) as http:
        token = _auth_and_oauth(emu, http)
        http.headers["Authorization"] = f"AnaplanAuthToken {token}"
        _metadata(http)
        _files_and_catalog(http)
        _tasks(emu, http)
        _errors(http)
        _legacy(http)
    emu.reset()
    return rec


def empty_collections(node: Any, pointer: str = "") -> list[str]:
    """JSON pointers of every empty list or object under `node` (the root included)."""
    if not isinstance(node, (list, dict)):
        return []
    if not node:
        return [pointer or "/"]
    children = node.items() if isinstance(node, dict) else enumerate(node)
    found: list[str] = []
    for key, value in children:
        found += empty_collections(value, f"{pointer}/{key}")
    return found


def kept_by_anaplan(pointer: str, body: Any) -> bool:
    """Whether Anaplan is shown to keep this empty collection (see the module docstring)."""
    key = pointer.rsplit("/", 1)[-1]
    if key == "categoryValues":
        return True
    if pointer == "/":
        return isinstance(body, list)  # a bare legacy array
    top_level = pointer.count("/") == 1
    paged = isinstance(body, dict) and "paging" in body.get("meta", {})
    return top_level and paged and key not in OMITTED_WHEN_EMPTY


def test_no_response_carries_an_empty_collection_anaplan_omits(recording: Recording) -> None:
    offending = [
        f"{method} {path} {status}: {pointer}"
        for method, path, status, body in recording.bodies
        for pointer in empty_collections(body)
        if not kept_by_anaplan(pointer, body)
    ]
    assert offending == [], "\n".join(offending)


def _results(recording: Recording) -> list[dict[str, Any]]:
    """Every task `result` the scenario saw (v2 envelopes and bare legacy statuses)."""
    out = []
    for _, _, _, body in recording.bodies:
        task = body.get("task", body) if isinstance(body, dict) else None
        if isinstance(task, dict) and isinstance(task.get("result"), dict):
            out.append(task["result"])
    return out


def test_the_scenario_saw_every_kind_of_result(recording: Recording) -> None:
    """Guard against a scenario that stops producing the bodies the walk is meant to check."""
    results = _results(recording)
    objects = {r["objectId"][:3] for r in results}
    assert objects == {"112", "116", "117", "118"}
    assert any(r.get("nestedResults") for r in results)  # a process that ran its actions
    assert any(r["objectId"] == PROCESS and "nestedResults" not in r for r in results)  # cancelled
    details = [d for r in results for d in r.get("details", [])]
    assert any("values" not in d for d in details)  # an outright failure has no values
    assert any(d.get("values") for d in details)
    paths = {path for _, path, _, _ in recording.bodies}
    assert any(p.startswith("/1/3/") for p in paths) and "/oauth/token" in paths
    answered = {(path, status) for _, path, status, _ in recording.bodies}
    assert {(f"/2/0/users/{USER_ID}/{key}", 200) for key in ("workspaces", "models")} <= answered


def test_a_process_result_looks_like_the_openapi_example(recording: Recording) -> None:
    """`getProcessTaskStatus` example: no `details` on the process or its nested results."""
    processes = [r for r in _results(recording) if r["objectId"] == PROCESS]
    ran = [r for r in processes if r.get("nestedResults")]
    assert ran
    for result in ran:
        assert "details" not in result
        for nested in result["nestedResults"]:
            assert "nestedResults" not in nested
            assert nested.get("details", ["x"]) != []


def test_chunks_key_is_omitted_when_no_chunk_exists(recording: Recording) -> None:
    listed = [
        body
        for method, path, status, body in recording.bodies
        if method == "GET" and path == f"{BASE}/files/{SALES_FILE}/chunks" and status == 200
    ]
    assert len(listed) == 2
    assert "chunks" not in listed[0] and listed[0]["meta"]["paging"]["totalSize"] == 0
    assert listed[1]["chunks"] == [{"id": "0", "name": "Chunk 0"}]


def test_empty_listings_keep_their_key_and_paging(recording: Recording) -> None:
    """api-notes §2.3: an empty task list is 200 with `totalSize` 0; other lists alike."""
    bodies = {
        (path, status): body for method, path, status, body in recording.bodies if method == "GET"
    }
    tasks = bodies[(f"{BASE}/imports/112999999999/tasks", 200)]
    assert tasks["tasks"] == [] and tasks["meta"]["paging"]["totalSize"] == 0
    assert bodies[(f"{BASE2}/processes", 200)]["processes"] == []


def test_walker_finds_nested_empties() -> None:
    body = {"a": [], "b": {"c": [{"d": {}}]}, "e": [1]}
    assert empty_collections(body) == ["/a", "/b/c/0/d"]
    assert empty_collections([]) == ["/"]
    assert not kept_by_anaplan("/task/result/details", {"task": {}})
    assert kept_by_anaplan("/models/0/categoryValues", {})
    assert kept_by_anaplan("/files", {"meta": {"paging": {}}})
    assert not kept_by_anaplan("/chunks", {"meta": {"paging": {}}})
