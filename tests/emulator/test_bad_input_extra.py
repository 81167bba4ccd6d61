"""More hostile and sloppy input (issue 2, "Bad input"), complementing test_bad_input.py: broken
gzip, wrong-case IDs everywhere, odd file names, bad paging values, wrong methods, and the same on
the legacy /1/3 tree. Always the documented envelope (api-notes §2.4), never a 500 or a traceback,
and the server keeps serving.
"""

from __future__ import annotations

import base64
import gzip
from typing import Any
from urllib.parse import quote, unquote

import httpx2
import pytest
from emu_http import BASE, MODEL, REGIONS_FILE, REGIONS_IMPORT, WS, Api

pytestmark = pytest.mark.timeout(60)

LEGACY = f"/1/3/workspaces/{WS}/models/{MODEL}"


def assert_envelope(response: httpx2.Response, status: int) -> dict[str, Any]:
    """The api-notes §2.4 error body: status code and message, the request path, a timestamp."""
    assert response.status_code == status, (response.request.url, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"]["code"] == status
    assert isinstance(body["status"]["message"], str) and body["status"]["message"]
    # The path as requested (percent-decoding aside: both forms name the same path).
    assert unquote(body["path"]) == unquote(response.request.url.path)
    assert body["timestamp"].endswith("Z")
    assert "Traceback" not in response.text
    return body


def legacy_basic(password: str = "demo-password") -> dict[str, str]:
    value = base64.b64encode(f"demo@pyanaplan.example:{password}".encode()).decode()
    return {"Authorization": f"Basic {value}"}


def still_serving(api: Api) -> None:
    assert api.get("/2/0/users/me").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"this is not gzip at all",
        gzip.compress(b"Name,Code\nTruncated,TR\n")[:-6],  # cut before the trailer
        b"\x1f\x8b",  # just the magic
        b"",  # nothing
    ],
    ids=["not-gzip", "truncated", "magic-only", "empty"],
)
def test_broken_gzip_chunks_are_400_and_not_stored(api: Api, body: bytes) -> None:
    assert api.post(f"{BASE}/files/{REGIONS_FILE}", json={"chunkCount": 1}).status_code == 200
    response = api.put(
        f"{BASE}/files/{REGIONS_FILE}/chunks/0",
        content=body,
        headers={"Content-Type": "application/x-gzip"},
    )
    assert_envelope(response, 400)
    assert api.get(f"{BASE}/files/{REGIONS_FILE}/chunks/0").status_code == 404
    still_serving(api)


def test_wrong_case_ids_are_404_on_every_family(api: Api) -> None:
    task = api.post(f"{BASE}/imports/{REGIONS_IMPORT}/tasks", json={"localeName": "en_US"})
    task_id = task.json()["task"]["taskId"]
    paths = [
        f"/2/0/workspaces/{WS.upper()}/models",
        f"/2/0/workspaces/{WS.upper()}",
        f"/2/0/models/{MODEL.lower()}",
        f"/2/0/models/{MODEL.lower()}/files",
        f"/2/0/workspaces/{WS.upper()}/models/{MODEL}/imports",
        f"/2/0/workspaces/{WS}/models/{MODEL.lower()}/exports",
        f"{BASE}/imports/{REGIONS_IMPORT}/tasks/{task_id.lower()}",
    ]
    for path in paths:
        assert_envelope(api.get(path), 404)
    still_serving(api)


@pytest.mark.parametrize(
    "name",
    ["..", "Ünïcødé Sales.csv", "name with spaces.csv", "semi;colon,comma.csv", "a..b..csv"],
)
def test_odd_file_names_create_a_private_file_or_are_refused(api: Api, name: str) -> None:
    """POST to an unknown segment creates a file named after it
    (api-notes §4.5.1); never a crash."""
    # Dots are escaped too, or the client would resolve ".." before sending (RFC 3986 §5.2.4).
    segment = quote(name, safe="").replace(".", "%2E")
    response = api.post(f"{BASE}/files/{segment}", json={"chunkCount": 1})
    if response.status_code == 400:
        assert_envelope(response, 400)
    else:
        assert response.status_code == 200, response.text
        created = response.json()["file"]
        assert created["id"].startswith("113") and created["id"] != REGIONS_FILE
        assert created["name"] == name
        listed = {f["id"]: f["name"] for f in api.get(f"{BASE}/files").json()["files"]}
        assert listed[created["id"]] == name
    still_serving(api)


@pytest.mark.parametrize("segment", ["a%2Fb", "%2e%2e%2f%2e%2e", "..%5c..", "%F0%9F%92%A5"])
def test_separators_in_file_segments_never_escape(api: Api, segment: str) -> None:
    response = api.get(f"{BASE}/files/{segment}")
    assert response.status_code in (400, 404)
    assert_envelope(response, response.status_code)
    still_serving(api)


@pytest.mark.parametrize(
    "query", ["offset=-1", "limit=abc", "offset=1e3", "limit=-5"], ids=lambda q: q
)
def test_bad_paging_values_are_400(api: Api, query: str) -> None:
    assert_envelope(api.get(f"{BASE}/files?{query}"), 400)


def test_paging_past_the_end_is_an_empty_page(api: Api) -> None:
    body = api.get(f"{BASE}/imports", params={"offset": 9999}).json()
    assert body["meta"]["paging"]["currentPageSize"] == 0
    assert body["meta"]["paging"]["totalSize"] == 3


def test_task_post_with_a_form_body_is_a_400_envelope(api: Api) -> None:
    response = api.post(
        f"{BASE}/imports/{REGIONS_IMPORT}/tasks",
        content=b"localeName=en_US",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_envelope(response, 400)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", f"{BASE}/files/{REGIONS_FILE}"),
        ("POST", "/2/0/users/me"),
        ("DELETE", f"{BASE}/imports"),
        ("PUT", f"{BASE}/imports/{REGIONS_IMPORT}/tasks"),
    ],
)
def test_wrong_methods_are_405_envelopes(api: Api, method: str, path: str) -> None:
    assert_envelope(api.request(method, path), 405)


# ---- the legacy tree ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["Basic", "Basic !!!not-base64!!!", "Basic " + base64.b64encode(b"no-colon").decode(), ""],
    ids=["no-value", "not-base64", "no-colon", "empty"],
)
def test_legacy_malformed_credentials_are_401(raw: httpx2.Client, header: str) -> None:
    response = raw.get("/1/3/workspaces/", headers={"Authorization": header})
    assert_envelope(response, 401)


def test_legacy_bad_bodies_and_gzip_are_400(raw: httpx2.Client, api: Api) -> None:
    headers = legacy_basic()
    assert_envelope(
        raw.post(f"{LEGACY}/files/{REGIONS_FILE}", content=b"{nope", headers=headers), 400
    )
    assert_envelope(
        raw.post(f"{LEGACY}/imports/{REGIONS_IMPORT}/tasks", content=b"[1,", headers=headers),
        400,
    )
    raw.post(f"{LEGACY}/files/{REGIONS_FILE}", json={"chunkCount": 1}, headers=headers)
    broken = raw.put(
        f"{LEGACY}/files/{REGIONS_FILE}/chunks/0",
        content=b"not gzip",
        headers={**headers, "Content-Type": "application/x-gzip"},
    )
    assert_envelope(broken, 400)
    still_serving(api)


def test_legacy_unknown_routes_and_wrong_methods(raw: httpx2.Client) -> None:
    headers = legacy_basic()
    assert_envelope(raw.get(f"{LEGACY}/nothing-here", headers=headers), 404)
    assert_envelope(raw.get(f"{LEGACY}/imports/{REGIONS_IMPORT}/nothing", headers=headers), 404)
    assert_envelope(raw.post("/1/3/workspaces/", headers=headers), 405)
    assert_envelope(raw.patch(f"{LEGACY}/files/{REGIONS_FILE}", headers=headers), 405)
    # Credentials are checked before the resource is looked up (api-notes §7 "Auth/role order").
    assert_envelope(raw.get(f"{LEGACY}/nothing-here", headers=legacy_basic("wrong")), 401)


def test_legacy_empty_chunk_list_is_an_empty_array(raw: httpx2.Client) -> None:
    headers = legacy_basic()
    raw.post(f"{LEGACY}/files/{REGIONS_FILE}", json={"chunkCount": -1}, headers=headers)
    response = raw.get(f"{LEGACY}/files/{REGIONS_FILE}/chunks", headers=headers)
    assert response.status_code == 200
    assert response.json() == []
