"""The legacy Integration API v1.3 tree under `/1/3` (api-notes §5, §3.3, §9.43).

v1.3 has no envelopes (bare arrays and objects), names the workspace ID `guid`, and authenticates
every request with `Basic` or `AnaplanCertificate` instead of a token.
"""

from __future__ import annotations

import base64
import csv
import gzip
import io
import time
from collections.abc import Iterator

import httpx2
import pytest
from openapi_validation import OpenApiCatalog

pytestmark = pytest.mark.timeout(60)

USER, PASSWORD = "demo@pyanaplan.example", "demo-password"
ANALYST, ANALYST_PASSWORD = "analyst@pyanaplan.example", "analyst-password"
WS = "8a81b09d5e3f2c1a015e3f2c1a000001"
MODEL = "5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B"
SANDBOX = "6C3F7A1D9B8E4F2A0D4C3B2E1F0A9D8C"
REGIONS_FILE, SALES_FILE, SALES_EXPORT = "113000000001", "113000000003", "116000000001"
REGIONS_IMPORT, SALES_IMPORT = "112000000001", "112000000003"
DELETE_ACTION, LOAD_PROCESS = "117000000001", "118000000001"
BAD_SALES = b"Product,Region,Units,Price,Comment\nNo Such Product,Nowhere,1,2,x\n"


def basic(user: str = USER, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def http(emu) -> Iterator[httpx2.Client]:
    """A client rooted at the model's v1.3 URL, sending Basic auth on every request."""
    with httpx2.Client(base_url=f"{emu.api_url}/1/3", headers=basic(), timeout=15) as client:
        yield client


M = f"/workspaces/{WS}/models/{MODEL}"


def wait_task(http: httpx2.Client, kind: str, object_id: str, task_id: str) -> dict:
    """Poll the bare task status until terminal (bounded)."""
    deadline = time.monotonic() + 20
    body: dict = {}
    for _ in range(400):
        response = http.get(f"{M}/{kind}/{object_id}/tasks/{task_id}")
        assert response.status_code == 200, response.text
        body = response.json()
        if body["taskState"] in ("COMPLETE", "CANCELLED") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return body


def upload(http: httpx2.Client, file_id: str, content: bytes) -> None:
    assert http.post(f"{M}/files/{file_id}", json={"chunkCount": 1}).status_code == 200
    put = http.put(
        f"{M}/files/{file_id}/chunks/0",
        content=content,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert put.status_code == 204, put.text


def assert_bare(body: object) -> None:
    """No v2 envelope keys anywhere at the top level."""
    if isinstance(body, dict):
        assert not {"meta", "status"} & set(body), body


# ---- listings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/workspaces/", "/workspaces"])
def test_workspaces_are_a_bare_array_with_guid(http: httpx2.Client, path: str) -> None:
    response = http.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, list)
    assert [(w["guid"], w["name"]) for w in body] == [(WS, "Demo Workspace")]
    assert "id" not in body[0]


def test_models_files_and_actions_are_bare_arrays(http: httpx2.Client) -> None:
    models = http.get(f"/workspaces/{WS}/models").json()
    assert {(m["id"], m["name"]) for m in models} >= {
        (MODEL, "Sales Planning"),
        (SANDBOX, "Finance Sandbox"),
    }
    files = http.get(f"{M}/files").json()
    assert isinstance(files, list)
    by_id = {f["id"]: f for f in files}
    assert by_id[REGIONS_FILE]["name"] == "Regions.csv"
    assert by_id[REGIONS_FILE]["separator"] == ","
    # export outputs carry no CSV metadata (api-notes §4.4)
    assert "separator" not in by_id[SALES_EXPORT]

    imports = http.get(f"{M}/imports").json()
    assert {i["id"]: i["importDataSourceId"] for i in imports}[SALES_IMPORT] == SALES_FILE
    exports = http.get(f"{M}/exports").json()
    assert [e["id"] for e in exports] == [SALES_EXPORT]
    actions = http.get(f"{M}/actions").json()
    assert [a["id"] for a in actions] == [DELETE_ACTION]
    processes = http.get(f"{M}/processes").json()
    assert [(p["id"], p["name"]) for p in processes] == [(LOAD_PROCESS, "Load Sales and Export")]


def test_modules_and_their_default_views(http: httpx2.Client) -> None:
    modules = http.get(f"{M}/modules").json()
    assert modules == [{"id": "102000000001", "name": "Sales"}]
    views = http.get(f"{M}/modules/102000000001/views").json()
    assert [(v["id"], v["name"]) for v in views] == [("102000000001", "Sales")]
    assert http.get(f"{M}/modules/102999999999/views").status_code == 404


def test_export_metadata_is_a_bare_object(http: httpx2.Client) -> None:
    response = http.get(f"{M}/exports/{SALES_EXPORT}")
    assert response.status_code == 200
    body = response.json()
    assert_bare(body)
    assert "exportMetadata" not in body
    assert {"columnCount", "headerNames", "exportFormat", "separator", "encoding"} <= set(body)
    assert "Units" in body["headerNames"]


# ---- auth --------------------------------------------------------------------------------------


def test_every_request_needs_credentials(emu) -> None:
    base = f"{emu.api_url}/1/3"
    paths = ["/workspaces/", f"{M}/files", f"{M}/imports", f"{M}/exports/{SALES_EXPORT}"]
    with httpx2.Client(base_url=base, timeout=10) as anonymous:
        for path in paths:
            assert anonymous.get(path).status_code == 401, path
            assert anonymous.get(path, headers=basic(password="wrong")).status_code == 401, path
        # v1.3 takes no tokens: a perfectly good v2 token is still not a v1.3 credential.
        login = anonymous.post(f"{emu.auth_url}/token/authenticate", headers=basic())
        token = login.json()["tokenInfo"]["tokenValue"]
        refused = anonymous.get(
            "/workspaces/", headers={"Authorization": f"AnaplanAuthToken {token}"}
        )
        assert refused.status_code == 401


def test_auth_scheme_is_case_insensitive(emu) -> None:
    value = basic()["Authorization"].split(" ", 1)[1]
    response = httpx2.get(
        f"{emu.api_url}/1/3/workspaces/", headers={"AUTHORIZATION": f"bAsIc {value}"}, timeout=10
    )
    assert response.status_code == 200


def test_models_outside_the_users_workspaces_and_wrong_case_ids_are_404(
    http: httpx2.Client,
) -> None:
    assert http.get(f"/workspaces/{WS.upper()}/models").status_code == 404
    assert http.get(f"/workspaces/{WS}/models/{MODEL.lower()}/files").status_code == 404
    assert http.get(f"{M}/imports/112999999999/tasks/ABC").status_code == 404
    assert http.get(f"{M}/no-such-thing").status_code == 404


# ---- files -------------------------------------------------------------------------------------


def test_chunked_upload_list_download_complete_and_delete(http: httpx2.Client) -> None:
    started = http.post(f"{M}/files/{REGIONS_FILE}", json={"id": REGIONS_FILE, "chunkCount": -1})
    assert started.status_code == 200
    assert_bare(started.json())
    assert started.json()["id"] == REGIONS_FILE
    pieces = [b"Name,Code\n", b"Legacy North,LN\n", b"Legacy South,LS\n"]
    for number in (2, 0, 1):  # any order (api-notes §4.5.2)
        put = http.put(
            f"{M}/files/{REGIONS_FILE}/chunks/{number}",
            content=pieces[number],
            headers={"Content-Type": "application/octet-stream"},
        )
        assert put.status_code == 204 and put.content == b""
    chunks = http.get(f"{M}/files/{REGIONS_FILE}/chunks").json()
    assert chunks == [{"id": str(i), "name": f"Chunk {i}"} for i in range(3)]
    completed = http.post(f"{M}/files/{REGIONS_FILE}/complete", json={"id": REGIONS_FILE})
    assert completed.status_code == 200
    assert completed.json()["chunkCount"] == 3
    assert http.get(f"{M}/files/{REGIONS_FILE}/chunks/1").content == pieces[1]
    whole = http.get(f"{M}/files/{REGIONS_FILE}")
    assert whole.status_code == 200
    assert whole.headers["content-type"].startswith("application/octet-stream")
    assert whole.content == b"".join(pieces)

    assert http.delete(f"{M}/files/{REGIONS_FILE}").status_code == 204
    assert http.get(f"{M}/files/{REGIONS_FILE}/chunks/1").status_code == 404


def test_gzip_chunk_and_single_shot_put(http: httpx2.Client) -> None:
    upload(http, SALES_FILE, b"placeholder")
    gz = http.put(
        f"{M}/files/{SALES_FILE}/chunks/0",
        content=gzip.compress(b"Product,Region\n"),
        headers={"Content-Type": "application/x-gzip"},
    )
    assert gz.status_code == 204
    assert http.get(f"{M}/files/{SALES_FILE}/chunks/0").content == b"Product,Region\n"

    single = http.put(
        f"{M}/files/{SALES_FILE}",
        content=b"whole file",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert single.status_code == 204
    assert http.get(f"{M}/files/{SALES_FILE}").content == b"whole file"
    assert http.get(f"{M}/files/{SALES_FILE}/chunks").json() == [{"id": "0", "name": "Chunk 0"}]


def test_v13_and_v2_share_the_users_files(emu, http: httpx2.Client) -> None:
    """The same engine serves both trees: a v1.3 upload is the user's v2 content."""
    upload(http, REGIONS_FILE, b"Name,Code\nShared,SH\n")
    login = httpx2.post(f"{emu.auth_url}/token/authenticate", headers=basic(), timeout=10)
    token = login.json()["tokenInfo"]["tokenValue"]
    v2 = httpx2.get(
        f"{emu.api_url}/2/0{M}/files/{REGIONS_FILE}",
        headers={"Authorization": f"AnaplanAuthToken {token}"},
        timeout=10,
    )
    assert v2.content == b"Name,Code\nShared,SH\n"
    # ...and only that user's: the analyst still sees the default content.
    other = http.get(f"{M}/files/{REGIONS_FILE}", headers=basic(ANALYST, ANALYST_PASSWORD))
    assert other.status_code in (200, 404)
    assert other.content != b"Name,Code\nShared,SH\n"


# ---- tasks -------------------------------------------------------------------------------------


def test_task_start_list_status_are_bare(http: httpx2.Client) -> None:
    upload(http, REGIONS_FILE, b"Name,Code\nLegacy East,LE\n")
    started = http.post(f"{M}/imports/{REGIONS_IMPORT}/tasks", json={"localeName": "en_US"})
    assert started.status_code == 200
    assert list(started.json()) == ["taskId"]  # a bare {taskId} (api-notes §5)
    task_id = started.json()["taskId"]
    assert len(task_id) == 32 and task_id == task_id.upper()

    listed = http.get(f"{M}/imports/{REGIONS_IMPORT}/tasks").json()
    assert isinstance(listed, list)
    assert task_id in [t["taskId"] for t in listed]

    status = wait_task(http, "imports", REGIONS_IMPORT, task_id)
    assert_bare(status)
    assert "task" not in status
    assert status["taskId"] == task_id
    assert status["taskState"] == "COMPLETE"
    assert status["result"]["successful"] is True
    assert status["result"]["failureDumpAvailable"] is False
    # The import really ran: the new region is in the model (seen through an export).
    export_id = http.post(f"{M}/exports/{SALES_EXPORT}/tasks", json={"localeName": "en_US"})
    assert wait_task(http, "exports", SALES_EXPORT, export_id.json()["taskId"])["result"][
        "successful"
    ]


def test_cancel_returns_a_bare_status(emu, http: httpx2.Client) -> None:
    emu.set_task_timing(steps=50, step_s=0.2)  # slow enough to cancel while it runs
    task_id = http.post(f"{M}/exports/{SALES_EXPORT}/tasks", json={"localeName": "en_US"}).json()[
        "taskId"
    ]
    cancelled = http.delete(f"{M}/exports/{SALES_EXPORT}/tasks/{task_id}")
    assert cancelled.status_code == 200
    body = cancelled.json()
    assert_bare(body)
    assert body["taskId"] == task_id
    assert body["taskState"] in ("CANCELLING", "CANCELLED")
    assert wait_task(http, "exports", SALES_EXPORT, task_id)["taskState"] == "CANCELLED"


def test_import_dump_and_process_dumps(http: httpx2.Client) -> None:
    upload(http, SALES_FILE, BAD_SALES)
    task_id = http.post(f"{M}/imports/{SALES_IMPORT}/tasks", json={"localeName": "en_US"}).json()[
        "taskId"
    ]
    status = wait_task(http, "imports", SALES_IMPORT, task_id)
    assert status["result"]["successful"] is False
    assert status["result"]["failureDumpAvailable"] is True
    dump = http.get(f"{M}/imports/{SALES_IMPORT}/tasks/{task_id}/dump")
    assert dump.status_code == 200
    rows = list(csv.reader(io.StringIO(dump.text)))
    assert rows[0][0] == "_Status_" and rows[0][-2:] == ["_Line_", "_Error_1_"]
    assert rows[1][1] == "No Such Product"

    process_task = http.post(f"{M}/processes/{LOAD_PROCESS}/tasks", json={"localeName": "en_US"})
    process_id = process_task.json()["taskId"]
    status = wait_task(http, "processes", LOAD_PROCESS, process_id)
    assert status["taskState"] == "COMPLETE"
    failed = [n["objectId"] for n in status["result"]["nestedResults"] if n["failureDumpAvailable"]]
    assert failed == [SALES_IMPORT]
    nested = http.get(f"{M}/processes/{LOAD_PROCESS}/tasks/{process_id}/dumps/{SALES_IMPORT}")
    assert nested.status_code == 200
    assert list(csv.reader(io.StringIO(nested.text)))[1][1] == "No Such Product"


def test_unknown_task_and_action_ids_are_404(http: httpx2.Client) -> None:
    assert (
        http.post(f"{M}/imports/112999999999/tasks", json={"localeName": "en_US"}).status_code
        == 404
    )
    assert http.get(f"{M}/imports/{REGIONS_IMPORT}/tasks/{'0' * 32}").status_code == 404
    assert http.delete(f"{M}/imports/{REGIONS_IMPORT}/tasks/{'0' * 32}").status_code == 404


def test_bare_bodies_have_the_v2_payload_shapes(
    http: httpx2.Client, catalog: OpenApiCatalog
) -> None:
    """Without the envelope, each item is still the v2 object (api-notes §5): check them against the
    Integration API's component schemas."""
    upload(http, REGIONS_FILE, b"Name,Code\nShape,SH\n")
    task_id = http.post(f"{M}/imports/{REGIONS_IMPORT}/tasks", json={}).json()["taskId"]
    status = wait_task(http, "imports", REGIONS_IMPORT, task_id)
    bodies = [
        ("File", item)
        for item in [*http.get(f"{M}/files").json(), http.post(f"{M}/files/x.csv", json={}).json()]
    ]
    bodies += [("Import", item) for item in http.get(f"{M}/imports").json()]
    bodies += [("Export", item) for item in http.get(f"{M}/exports").json()]
    bodies += [("Action", item) for item in http.get(f"{M}/actions").json()]
    bodies += [("Process", item) for item in http.get(f"{M}/processes").json()]
    bodies += [("ExportMetadata", http.get(f"{M}/exports/{SALES_EXPORT}").json())]
    bodies += [("Chunk", c) for c in http.get(f"{M}/files/{REGIONS_FILE}/chunks").json()]
    bodies += [("Task", t) for t in http.get(f"{M}/imports/{REGIONS_IMPORT}/tasks").json()]
    bodies += [("Task", status)]
    bodies += [
        ("Model", item)
        for item in [*http.get("/models/").json(), http.get(f"/models/{MODEL}").json()]
    ]
    problems = [
        (name, msg) for name, body in bodies for msg in catalog.validate_component(name, body)
    ]
    assert problems == []
    assert len(bodies) >= 15
