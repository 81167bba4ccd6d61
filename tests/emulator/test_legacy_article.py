"""Every request of the "Using Python 3 with the Anaplan API" community article, on `/1/3`.

https://community.anaplan.com/discussion/33150/using-python-3-with-the-anaplan-api lists the
requests its scripts send (method, URL, headers, body). Their readers still run them, so each one
is sent here exactly as the article writes it: trailing slashes where it has them, `PUT` on
`complete`, `POST` of the file metadata on a chunk URL, the action's form-encoded `localeName`
under a JSON content type, `Accept: application/octet-stream` on a chunk download, and
`Content-Type: application/json` on every call but the byte uploads. One test per request.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

pytestmark = pytest.mark.timeout(60)

USER, PASSWORD = "demo@pyanaplan.example", "demo-password"
W_GUID = "8a81b09d5e3f2c1a015e3f2c1a000001"
M_GUID = "5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B"
SANDBOX = "6C3F7A1D9B8E4F2A0D4C3B2E1F0A9D8C"
REGIONS_FILE, SALES_FILE = "113000000001", "113000000003"
REGIONS_IMPORT, SALES_IMPORT, SALES_EXPORT = "112000000001", "112000000003", "116000000001"
DELETE_ACTION, LOAD_PROCESS = "117000000001", "118000000001"
MODEL = f"/workspaces/{W_GUID}/models/{M_GUID}"
REGIONS_CSV = b"Name,Code\nArticle North,AN\nArticle South,AS\n"
BAD_SALES = b"Product,Region,Units,Price,Comment\nNo Such Product,Nowhere,1,2,x\n"
OCTET = {"Content-Type": "application/octet-stream"}


@pytest.fixture
def http(emu: Any) -> Iterator[httpx2.Client]:
    """The article's session: Basic auth and a JSON content type on every request."""
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}
    with httpx2.Client(base_url=f"{emu.api_url}/1/3", headers=headers, timeout=15) as client:
        yield client


def ok(response: httpx2.Response, status: int = 200) -> Any:
    """The bare JSON body (no v2 envelope) of a successful call."""
    assert response.status_code == status, (response.request.url, response.text)
    if status == 204:
        assert response.content == b""
        return None
    body = response.json()
    if isinstance(body, dict):
        assert not {"meta", "status"} & set(body), body
    return body


def file_metadata(http: httpx2.Client, file_id: str, chunk_count: int) -> dict[str, Any]:
    """The file object as the scripts post it: the listed entry with their chunk count."""
    entry = next(f for f in ok(http.get(f"{MODEL}/files")) if f["id"] == file_id)
    return {**entry, "chunkCount": chunk_count}


def wait(http: httpx2.Client, kind: str, object_id: str, task_id: str) -> dict[str, Any]:
    """Re-request the task status until it is terminal (bounded), as the status script does."""
    deadline = time.monotonic() + 20
    status: dict[str, Any] = {}
    for _ in range(400):
        status = ok(http.get(f"{MODEL}/{kind}/{object_id}/tasks/{task_id}"))
        if status["taskState"] in ("COMPLETE", "CANCELLED") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return status


def upload_one_chunk(http: httpx2.Client, file_id: str, content: bytes) -> None:
    ok(http.post(f"{MODEL}/files/{file_id}", json=file_metadata(http, file_id, 1)))
    ok(http.put(f"{MODEL}/files/{file_id}/chunks/0", content=content, headers=OCTET), 204)


def run(http: httpx2.Client, kind: str, object_id: str) -> dict[str, Any]:
    body = json.dumps({"localeName": "en_US"})  # the scripts send a JSON string as the body
    started = ok(http.post(f"{MODEL}/{kind}/{object_id}/tasks", content=body))
    assert list(started) == ["taskId"]
    return wait(http, kind, object_id, started["taskId"])


# ---- one test per request of the article ------------------------------------------------------


def test_workspaces(http: httpx2.Client) -> None:
    workspaces = ok(http.get("/workspaces/"))
    assert [(w["guid"], w["name"]) for w in workspaces] == [(W_GUID, "Demo Workspace")]


def test_models(http: httpx2.Client) -> None:
    models = ok(http.get("/models/"))
    assert {(m["id"], m["name"]) for m in models} == {
        (M_GUID, "Sales Planning"),
        (SANDBOX, "Finance Sandbox"),
    }
    # Across workspaces, each model names the workspace its model URLs need.
    assert {m["currentWorkspaceId"] for m in models} == {W_GUID}


def test_models_of_a_workspace(http: httpx2.Client) -> None:
    models = ok(http.get(f"/workspaces/{W_GUID}/models"))
    assert {m["id"] for m in models} == {M_GUID, SANDBOX}


def test_model_info(http: httpx2.Client) -> None:
    model = ok(http.get(f"/models/{M_GUID}"))
    assert model["id"] == M_GUID and model["name"] == "Sales Planning"
    assert model["currentWorkspaceId"] == W_GUID and model["activeState"] == "UNLOCKED"
    for unknown in (M_GUID.lower(), "F" * 32):  # IDs are case-sensitive
        assert http.get(f"/models/{unknown}").status_code == 404


@pytest.mark.parametrize(
    ("kind", "known_id"),
    [
        ("files", REGIONS_FILE),
        ("imports", SALES_IMPORT),
        ("exports", SALES_EXPORT),
        ("actions", DELETE_ACTION),
        ("processes", LOAD_PROCESS),
    ],
)
def test_files_imports_exports_actions_processes(
    http: httpx2.Client, api: Any, kind: str, known_id: str
) -> None:
    items = ok(http.get(f"{MODEL}/{kind}"))
    assert isinstance(items, list)  # a bare array, not the /2/0 envelope
    # The same catalog as /2/0 lists, in the same order.
    v2 = api.get(f"/2/0{MODEL}/{kind}").json()[kind]
    assert [(i["id"], i["name"]) for i in items] == [(i["id"], i["name"]) for i in v2]
    assert known_id in {i["id"] for i in items}


def test_chunk_metadata(http: httpx2.Client) -> None:
    assert ok(http.get(f"{MODEL}/files/{REGIONS_FILE}/chunks")) == [
        {"id": "0", "name": "Chunk 0"}  # the default content
    ]


@pytest.mark.parametrize("url_form", ["chunk URL (as listed)", "file URL (as the scripts do)"])
def test_post_chunk_count(http: httpx2.Client, url_form: str) -> None:
    url = f"{MODEL}/files/{REGIONS_FILE}"
    if url_form.startswith("chunk"):
        url += "/chunks/0"
    posted = ok(http.post(url, json=file_metadata(http, REGIONS_FILE, 2)))
    assert posted["id"] == REGIONS_FILE and posted["chunkCount"] == 2
    # The count is set: the chunk list announces the two chunks to upload.
    assert [c["id"] for c in ok(http.get(f"{MODEL}/files/{REGIONS_FILE}/chunks"))] == ["0", "1"]


def test_upload_a_chunk(http: httpx2.Client) -> None:
    upload_one_chunk(http, REGIONS_FILE, REGIONS_CSV)
    assert http.get(f"{MODEL}/files/{REGIONS_FILE}/chunks/0").content == REGIONS_CSV


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_mark_upload_complete(http: httpx2.Client, method: str) -> None:
    ok(http.post(f"{MODEL}/files/{REGIONS_FILE}", json=file_metadata(http, REGIONS_FILE, -1)))
    halves = [REGIONS_CSV[:12], REGIONS_CSV[12:]]
    for number, piece in enumerate(halves):
        put = http.put(
            f"{MODEL}/files/{REGIONS_FILE}/chunks/{number}", content=piece, headers=OCTET
        )
        ok(put, 204)
    metadata = file_metadata(http, REGIONS_FILE, -1)
    done = ok(http.request(method, f"{MODEL}/files/{REGIONS_FILE}/complete", json=metadata))
    assert done["id"] == REGIONS_FILE and done["chunkCount"] == 2
    assert http.get(f"{MODEL}/files/{REGIONS_FILE}").content == REGIONS_CSV


def test_single_chunk_upload(http: httpx2.Client) -> None:
    ok(http.put(f"{MODEL}/files/{REGIONS_FILE}", content=REGIONS_CSV, headers=OCTET), 204)
    assert http.get(f"{MODEL}/files/{REGIONS_FILE}").content == REGIONS_CSV


@pytest.mark.parametrize(
    ("kind", "object_id"),
    [
        ("imports", REGIONS_IMPORT),
        ("exports", SALES_EXPORT),
        ("processes", LOAD_PROCESS),
    ],
)
def test_run_import_export_process(http: httpx2.Client, kind: str, object_id: str) -> None:
    status = run(http, kind, object_id)
    assert status["taskState"] == "COMPLETE" and status["result"]["objectId"] == object_id


def test_run_an_action_with_a_form_encoded_locale(http: httpx2.Client) -> None:
    """The article's action request: `localeName=en_US` form-encoded, JSON content type."""
    started = http.post(f"{MODEL}/actions/{DELETE_ACTION}/tasks", data={"localeName": "en_US"})
    assert started.request.content == b"localeName=en_US"
    assert started.request.headers["content-type"] == "application/json"
    task_id = ok(started)["taskId"]
    status = wait(http, "actions", DELETE_ACTION, task_id)
    assert status["taskState"] == "COMPLETE" and status["result"]["successful"] is True


def test_task_list(http: httpx2.Client) -> None:
    first = run(http, "exports", SALES_EXPORT)["taskId"]
    second = run(http, "exports", SALES_EXPORT)["taskId"]
    listed = ok(http.get(f"{MODEL}/exports/{SALES_EXPORT}/tasks"))
    assert [t["taskId"] for t in listed] == [first, second]


def test_task_status(http: httpx2.Client) -> None:
    started = ok(http.post(f"{MODEL}/imports/{REGIONS_IMPORT}/tasks", json={"localeName": "en_US"}))
    status = wait(http, "imports", REGIONS_IMPORT, started["taskId"])
    assert status["taskId"] == started["taskId"] and status["taskState"] == "COMPLETE"
    assert status["result"]["successful"] is True
    assert status["result"]["failureDumpAvailable"] is False


def test_import_and_process_failure_dumps(http: httpx2.Client) -> None:
    upload_one_chunk(http, SALES_FILE, BAD_SALES)
    imported = run(http, "imports", SALES_IMPORT)
    assert imported["result"]["failureDumpAvailable"] is True
    dump = http.get(f"{MODEL}/imports/{SALES_IMPORT}/tasks/{imported['taskId']}/dump")
    rows = list(csv.reader(io.StringIO(ok_text(dump))))
    assert rows[0][0] == "_Status_" and rows[1][1] == "No Such Product"

    processed = run(http, "processes", LOAD_PROCESS)
    failed = [
        n["objectId"] for n in processed["result"]["nestedResults"] if n["failureDumpAvailable"]
    ]
    assert failed == [SALES_IMPORT]  # a process has no dump of its own, only its failed import
    nested = http.get(
        f"{MODEL}/processes/{LOAD_PROCESS}/tasks/{processed['taskId']}/dumps/{failed[0]}"
    )
    assert list(csv.reader(io.StringIO(ok_text(nested))))[1][1] == "No Such Product"


def test_download_a_chunk(http: httpx2.Client) -> None:
    run(http, "exports", SALES_EXPORT)
    chunks = ok(http.get(f"{MODEL}/files/{SALES_EXPORT}/chunks"))
    assert chunks and chunks[0]["id"] == "0"
    accept = {"Accept": "application/octet-stream"}
    pieces = [
        http.get(f"{MODEL}/files/{SALES_EXPORT}/chunks/{c['id']}", headers=accept) for c in chunks
    ]
    assert all(p.status_code == 200 for p in pieces)
    assert pieces[0].headers["content-type"].startswith("application/octet-stream")
    assert b"".join(p.content for p in pieces).startswith(b"Products,")


def test_delete_a_file_removes_only_private_content(http: httpx2.Client) -> None:
    default = http.get(f"{MODEL}/files/{REGIONS_FILE}").content
    upload_one_chunk(http, REGIONS_FILE, REGIONS_CSV)
    ok(http.delete(f"{MODEL}/files/{REGIONS_FILE}"), 204)
    # The default content and the data source remain.
    assert http.get(f"{MODEL}/files/{REGIONS_FILE}").content == default != REGIONS_CSV
    assert REGIONS_FILE in [f["id"] for f in ok(http.get(f"{MODEL}/files"))]
    # A data source the user created stays too, with no content left.
    created = ok(http.post(f"{MODEL}/files/article.csv", json={"chunkCount": 1}))
    ok(http.put(f"{MODEL}/files/{created['id']}", content=b"a,b\n", headers=OCTET), 204)
    ok(http.delete(f"{MODEL}/files/{created['id']}"), 204)
    listed = {f["id"]: f for f in ok(http.get(f"{MODEL}/files"))}
    assert listed[created["id"]]["chunkCount"] == 0
    assert http.get(f"{MODEL}/files/{created['id']}").status_code == 404


def ok_text(response: httpx2.Response) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text
