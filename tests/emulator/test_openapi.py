"""Every JSON body the emulator's auth, OAuth and bulk endpoints return, validated against the
community OpenAPI schemas (issue 2, "Done when"), read from env `PYANAPLAN_OPENAPI_DIR`: without
it the schema tests skip (tests/openapi_dir.py); the scenario's own no-5xx check still runs.

One scenario (run once per module, on the session emulator after a reset) drives every endpoint
and records each exchange. Then one test per (method, path template, status) validates the bodies
recorded for it. Deliberate differences are read from `docs/emulator-deviations.md`; anything else
fails. Emulator bugs found here are marked `xfail(strict=True)` with the reason, so the mark has
to go when the bug is fixed.
"""

from __future__ import annotations

import base64
import gzip
import time
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
from openapi_validation import Issue, NoSchemaError, OpenApiCatalog, load_deviations

pytestmark = pytest.mark.timeout(60)

WS = "8a81b09d5e3f2c1a015e3f2c1a000001"
MODEL = "5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B"
M = f"/2/0/workspaces/{WS}/models/{MODEL}"
SHORT = f"/2/0/models/{MODEL}"
USER, PASSWORD = "demo@pyanaplan.example", "demo-password"
USER_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
CLIENT_ID = "0123456789abcdef0123456789abcdef"
REGIONS_FILE, SALES_FILE, EXPORT = "113000000001", "113000000003", "116000000001"
REGIONS_IMPORT, SALES_IMPORT = "112000000001", "112000000003"
ACTION, PROCESS = "117000000001", "118000000001"
BAD_SALES = b"Product,Region,Units,Price,Comment\nNo Such Product,Nowhere,1,2,x\n"
P = "/2/0/workspaces/{workspaceId}/models/{modelId}"
T = "/{taskId}"


@dataclass
class Exchange:
    """One request/response pair as the scenario saw it."""

    method: str
    path: str
    status: int
    content_type: str
    body: Any = None  # decoded JSON, or None when the response is not JSON


@dataclass
class Recording:
    exchanges: list[Exchange] = field(default_factory=list)

    def hook(self, response: httpx2.Response) -> None:
        response.read()
        ctype = response.headers.get("content-type", "")
        body = (
            response.json() if ctype.startswith("application/json") and response.content else None
        )
        self.exchanges.append(
            Exchange(
                response.request.method,
                response.request.url.path,
                response.status_code,
                ctype,
                body,
            )
        )


def _basic(user: str = USER, password: str = PASSWORD) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _token_header(token: str) -> dict[str, str]:
    return {"Authorization": f"AnaplanAuthToken {token}"}


def _wait(http: httpx2.Client, url: str) -> dict[str, Any]:
    """Poll a task until terminal (bounded in count and time)."""
    deadline = time.monotonic() + 20
    task: dict[str, Any] = {}
    for _ in range(400):
        task = http.get(url).json()["task"]
        if task["taskState"] in ("COMPLETE", "CANCELLED") or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    return task


def _auth_and_oauth(emu, http: httpx2.Client) -> str:
    login = http.post("/token/authenticate", headers=_basic())
    token = login.json()["tokenInfo"]["tokenValue"]
    http.post("/token/authenticate", headers=_basic(password="wrong"))
    http.post("/token/authenticate", headers={"Authorization": "Bearer nonsense"})
    http.post("/token/refresh", headers=_token_header(token))
    http.post("/token/refresh", headers={"Authorization": "InvalidScheme x"})
    http.get("/token/validate", headers=_token_header(token))
    http.get("/token/validate", headers={"Authorization": "xyz"})
    second = http.post("/token/authenticate", headers=_basic()).json()["tokenInfo"]["tokenValue"]
    http.post("/token/logout", headers=_token_header(second))
    http.get("/token/validate", headers=_token_header(second))  # revoked → 401
    http.post("/token/logout", headers=_token_header(second))  # already dead → 401

    device = http.post(
        "/oauth/device/code",
        json={"client_id": CLIENT_ID, "scope": "openid profile email offline_access"},
    ).json()
    grant = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": CLIENT_ID}
    http.post("/oauth/token", json={**grant, "device_code": device["device_code"]})  # pending
    emu.approve_device(device["user_code"])
    tokens = http.post("/oauth/token", json={**grant, "device_code": device["device_code"]}).json()
    refresh = {"grant_type": "refresh_token", "client_id": CLIENT_ID}
    # The SDK sends form bodies, Postman JSON (api-notes §3.2): use both.
    http.post("/oauth/token", data={**refresh, "refresh_token": tokens["refresh_token"]})
    http.post("/oauth/token", json={**refresh, "refresh_token": tokens["refresh_token"]})  # rotated
    return token


def _metadata(http: httpx2.Client) -> None:
    http.get("/2/0/users/me")
    http.get("/2/0/users")
    http.get(f"/2/0/users/{USER_ID}")
    http.get(f"/2/0/users/{USER_ID}/workspaces", params={"tenantDetails": "true"})
    http.get(f"/2/0/users/{USER_ID}/models")
    http.get("/2/0/workspaces", params={"tenantDetails": "true"})
    http.get("/2/0/workspaces")
    http.get(f"/2/0/workspaces/{WS}", params={"tenantDetails": "true"})
    http.get("/2/0/models", params={"modelDetails": "true"})
    http.get("/2/0/models")
    http.get(f"/2/0/workspaces/{WS}/models", params={"modelDetails": "true"})
    http.get(f"/2/0/models/{MODEL}", params={"modelDetails": "true"})
    http.get(f"{SHORT}/status")
    http.post(f"{SHORT}/status")
    http.get(f"{M}/status")
    http.get(f"/2/0/workspaces/{WS}/models/{MODEL.lower()}/files")  # wrong case → 404


def _files(http: httpx2.Client) -> None:
    http.get(f"{M}/files")
    http.get(f"{SHORT}/files")
    http.post(f"{M}/files/{REGIONS_FILE}", json={"chunkCount": 2})
    for number, piece in enumerate([b"Name,Code\n", b"OpenAPI Region,OAR\n"]):
        http.put(
            f"{M}/files/{REGIONS_FILE}/chunks/{number}",
            content=gzip.compress(piece),
            headers={"Content-Type": "application/x-gzip"},
        )
    http.get(f"{M}/files/{REGIONS_FILE}/chunks")
    http.post(f"{M}/files/{REGIONS_FILE}/complete", json={"id": REGIONS_FILE})
    http.get(f"{SHORT}/files/{REGIONS_FILE}/chunks")
    http.get(f"{M}/files/{REGIONS_FILE}/chunks/1")
    http.get(f"{M}/files/{REGIONS_FILE}")
    http.post(f"{M}/files/{SALES_FILE}", json={"chunkCount": -1})
    http.get(f"{M}/files/{SALES_FILE}/chunks")  # nothing uploaded yet: `chunks` omitted
    http.put(
        f"{M}/files/{SALES_FILE}",
        content=b"Product,Region,Units,Price,Comment\n",
        headers={"Content-Type": "application/octet-stream"},
    )
    http.delete(f"{M}/files/{SALES_FILE}")
    http.get(f"{M}/files/113999999999/chunks")  # unknown → 404
    http.get(f"{M}/files/113999999999/chunks/0")  # unknown → 404


def _catalog(http: httpx2.Client) -> None:
    for prefix in (M, SHORT):
        for kind in ("imports", "exports", "actions", "processes"):
            http.get(f"{prefix}/{kind}")
        http.get(f"{prefix}/imports/{SALES_IMPORT}")
        http.get(f"{prefix}/exports/{EXPORT}")
        http.get(f"{prefix}/processes/{PROCESS}", params={"showImportDataSource": "true"})
    http.get(f"{M}/imports/")  # Postman's trailing slash (api-notes §4.6.1)
    http.get(f"{M}/exports/116999999999")  # unknown → 404


def _tasks(emu, http: httpx2.Client) -> None:
    for kind, object_id in (
        ("imports", REGIONS_IMPORT),
        ("exports", EXPORT),
        ("actions", ACTION),
        ("processes", PROCESS),
    ):
        started = http.post(f"{M}/{kind}/{object_id}/tasks", json={"localeName": "en_US"})
        task_id = started.json()["task"]["taskId"]
        _wait(http, f"{M}/{kind}/{object_id}/tasks/{task_id}")
        http.get(f"{M}/{kind}/{object_id}/tasks")
    http.get(f"{M}/processes/{PROCESS}/tasks/{task_id}", params={"includeProcessDetails": "true"})
    http.get(f"{M}/imports/{REGIONS_IMPORT}/tasks/{'0' * 32}")  # unknown task → 404
    http.post(f"{M}/imports/112999999999/tasks", json={"localeName": "en_US"})  # → 404

    emu.set_task_timing(steps=50, step_s=0.2)  # slow enough to cancel while running
    try:
        for kind, object_id in (("imports", REGIONS_IMPORT), ("processes", PROCESS)):
            started = http.post(f"{M}/{kind}/{object_id}/tasks", json={"localeName": "en_US"})
            task_id = started.json()["task"]["taskId"]
            http.get(f"{M}/{kind}/{object_id}/tasks/{task_id}")
            http.delete(f"{M}/{kind}/{object_id}/tasks/{task_id}")
            _wait(http, f"{M}/{kind}/{object_id}/tasks/{task_id}")
    finally:
        emu.set_task_timing(steps=3, step_s=0.0)


def _dumps(http: httpx2.Client) -> None:
    http.put(
        f"{M}/files/{SALES_FILE}",
        content=BAD_SALES,
        headers={"Content-Type": "application/octet-stream"},
    )
    started = http.post(f"{M}/imports/{SALES_IMPORT}/tasks", json={"localeName": "en_US"})
    task_id = started.json()["task"]["taskId"]
    _wait(http, f"{M}/imports/{SALES_IMPORT}/tasks/{task_id}")
    base = f"{M}/imports/{SALES_IMPORT}/tasks/{task_id}"
    http.get(f"{base}/dump")
    http.get(f"{base}/dump/chunks")
    http.get(f"{base}/dump/chunks/0")
    http.get(f"{M}/imports/{SALES_IMPORT}/tasks/{'0' * 32}/dump/chunks")  # unknown → 404

    started = http.post(f"{M}/processes/{PROCESS}/tasks", json={"localeName": "en_US"})
    task_id = started.json()["task"]["taskId"]
    _wait(http, f"{M}/processes/{PROCESS}/tasks/{task_id}")
    base = f"{M}/processes/{PROCESS}/tasks/{task_id}/dumps/{SALES_IMPORT}"
    http.get(base)
    http.get(f"{base}/chunks")
    http.get(f"{base}/chunks/0")


@pytest.fixture(scope="module")
def recording(emulator_server) -> Recording:
    """Drive every endpoint once and keep every exchange."""
    emu = emulator_server
    emu.reset()
    rec = Recording()
    with httpx2.Client(
        base_url=emu.api_url, timeout=15, event_hooks={"response": [rec.hook]}
    ) as http:
        token = _auth_and_oauth(emu, http)
        http.headers.update(_token_header(token))
        _metadata(http)
        _files(http)
        _catalog(http)
        _tasks(emu, http)
        _dumps(http)
    emu.reset()
    return rec


@pytest.fixture(scope="module")
def deviation_doc():
    return load_deviations()


@dataclass(frozen=True)
class Validated:
    exchange: Exchange
    template: str
    issues: list[Issue]


@pytest.fixture(scope="module")
def validated(recording: Recording, catalog: OpenApiCatalog, deviation_doc) -> list[Validated]:
    """Every JSON exchange with its template and unexcused + excused issues."""
    out = []
    for ex in recording.exchanges:
        if ex.body is None:
            continue
        try:
            template, issues = catalog.validate(
                ex.method, ex.path, ex.status, ex.body, borrowed=deviation_doc.borrowed
            )
        except NoSchemaError as exc:
            template, issues = f"(no schema: {exc})", []
        out.append(Validated(ex, template, issues))
    return out


def _bug(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"emulator bug: {reason}")


# Every (method, template, status) the scenario produces with a JSON body. A new endpoint in the
# scenario must be added here, and a bug found gets an xfail mark on its row.
EXPECTED: list[Any] = [
    ("POST", "/token/authenticate", 201),
    ("POST", "/token/authenticate", 401),
    ("POST", "/token/refresh", 200),
    ("POST", "/token/refresh", 400),
    ("GET", "/token/validate", 200),
    ("GET", "/token/validate", 400),
    ("GET", "/token/validate", 401),
    ("POST", "/token/logout", 401),
    ("POST", "/oauth/device/code", 200),
    ("POST", "/oauth/token", 200),
    ("POST", "/oauth/token", 400),
    ("GET", "/2/0/users/me", 200),
    ("GET", "/2/0/users", 200),
    ("GET", "/2/0/users/{userId}", 200),
    ("GET", "/2/0/users/{userId}/workspaces", 200),
    ("GET", "/2/0/users/{userId}/models", 200),
    ("GET", "/2/0/workspaces", 200),
    ("GET", "/2/0/workspaces/{workspaceId}", 200),
    ("GET", "/2/0/models", 200),
    ("GET", "/2/0/workspaces/{workspaceId}/models", 200),
    ("GET", "/2/0/models/{modelId}", 200),
    ("GET", "/2/0/models/{modelId}/status", 200),
    ("POST", "/2/0/models/{modelId}/status", 200),
    ("GET", P + "/status", 200),
    *(
        ("GET", "/2/0/models/{modelId}" + suffix, 200)
        for suffix in (
            "/files",
            "/files/{fileId}/chunks",
            "/imports",
            "/exports",
            "/actions",
            "/processes",
            "/imports/{importId}",
            "/exports/{exportId}",
            "/processes/{processId}",
        )
    ),
    ("GET", P + "/files", 200),
    ("GET", P + "/files", 404),
    ("POST", P + "/files/{fileId}", 200),
    ("GET", P + "/files/{fileId}/chunks", 200),
    ("GET", P + "/files/{fileId}/chunks", 404),
    ("GET", P + "/files/{fileId}/chunks/{chunkId}", 404),
    ("POST", P + "/files/{fileId}/complete", 200),
    ("GET", P + "/imports", 200),
    ("GET", P + "/exports", 200),
    ("GET", P + "/actions", 200),
    ("GET", P + "/processes", 200),
    ("GET", P + "/imports/{importId}", 200),
    ("GET", P + "/exports/{exportId}", 200),
    ("GET", P + "/exports/{exportId}", 404),
    ("GET", P + "/processes/{processId}", 200),
    *(
        (method, P + f"/{kind}/{{{obj}}}/tasks" + suffix, 200)
        for kind, obj in (
            ("imports", "importId"),
            ("exports", "exportId"),
            ("actions", "actionId"),
            ("processes", "processId"),
        )
        for method, suffix in (("POST", ""), ("GET", ""), ("GET", T))
    ),
    ("GET", P + "/imports/{importId}/tasks/{taskId}", 404),
    ("POST", P + "/imports/{importId}/tasks", 404),
    ("DELETE", P + "/imports/{importId}/tasks/{taskId}", 200),
    ("DELETE", P + "/processes/{processId}/tasks/{taskId}", 200),
    ("GET", P + "/imports/{importId}/tasks/{taskId}/dump/chunks", 200),
    ("GET", P + "/imports/{importId}/tasks/{taskId}/dump/chunks", 404),
    ("GET", P + "/processes/{processId}/tasks/{taskId}/dumps/{objectId}/chunks", 200),
]


@pytest.mark.parametrize(("method", "template", "status"), EXPECTED)
def test_bodies_match_the_openapi_schema(
    validated: list[Validated], deviation_doc, method: str, template: str, status: int
) -> None:
    mine = [
        v
        for v in validated
        if (v.exchange.method, v.template, v.exchange.status) == (method, template, status)
    ]
    assert mine, f"the scenario produced no JSON {method} {template} {status}"
    unexcused = [
        issue.describe()
        for v in mine
        for issue in v.issues
        if not any(d.excuses(issue) for d in deviation_doc.deviations)
    ]
    assert unexcused == []


def test_every_json_exchange_is_listed_and_has_a_schema(validated: list[Validated]) -> None:
    listed = {tuple(e) for e in EXPECTED}
    unlisted = sorted(
        {(v.exchange.method, v.template, v.exchange.status) for v in validated} - listed
    )
    assert unlisted == [], "\n".join(map(str, unlisted))


def test_documented_json_responses_are_served_as_json(
    recording: Recording, catalog: OpenApiCatalog, deviation_doc
) -> None:
    """Where the OpenAPI describes a JSON body, the emulator must send `application/json`."""
    wrong = []
    for ex in recording.exchanges:
        if ex.body is not None or ex.status == 204:
            continue
        try:
            catalog.validate(ex.method, ex.path, ex.status, {}, borrowed=deviation_doc.borrowed)
        except NoSchemaError:
            continue  # octet-stream downloads, text/plain dumps, 204s
        wrong.append(f"{ex.method} {ex.path} {ex.status} {ex.content_type!r}")
    assert wrong == []


def test_every_documented_deviation_is_still_observed(
    validated: list[Validated], deviation_doc
) -> None:
    """A row in docs/emulator-deviations.md that nothing triggers any more must be removed."""
    issues = [issue for v in validated for issue in v.issues]
    stale = [d for d in deviation_doc.deviations if not any(d.excuses(i) for i in issues)]
    assert stale == []
    used = {v.template for v in validated}
    stale_borrowed = [b.template for b in deviation_doc.borrowed if b.template not in used]
    assert stale_borrowed == []


def test_the_scenario_hit_no_server_errors(recording: Recording) -> None:
    assert [(e.method, e.path, e.status) for e in recording.exchanges if e.status >= 500] == []
