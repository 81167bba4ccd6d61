"""Hostile JSON bodies on file and task POSTs: a 400 with Anaplan's error envelope, never a 500.

Deep nesting (Python's parser recursed once per level), ``NaN``/``Infinity`` and ``1e999``
(parsed as infinity, then ``int(inf)`` raised OverflowError) all answered 500 before, and task
bodies with a wrong-typed ``localeName`` or ``mappingParameters`` were accepted and run.
"""

from __future__ import annotations

import httpx2
import pytest
from emu_http import (
    BASE,
    DEMO,
    MODEL,
    REGIONS_FILE,
    REGIONS_IMPORT,
    SALES_IMPORT,
    SHORT,
    WS,
    Api,
)

NESTED = b"[" * 50_000 + b"]" * 50_000
NESTED_OBJECTS = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
FILE_POST = f"{BASE}/files/{REGIONS_FILE}"
TASK_POST = f"{BASE}/imports/{REGIONS_IMPORT}/tasks"


def _assert_400(response: httpx2.Response, path: str, fragment: str) -> None:
    assert response.status_code == 400, (path, response.status_code, response.text[:200])
    body = response.json()
    assert set(body) == {"status", "path", "timestamp"}, body
    assert body["status"]["code"] == 400 and body["path"] == path
    assert fragment in body["status"]["message"], body["status"]["message"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        pytest.param(NESTED, "nested more than 64 levels", id="50000-level-array"),
        pytest.param(NESTED_OBJECTS, "nested more than 64 levels", id="50000-level-object"),
        pytest.param(b'{"a":' * 70 + b"1" + b"}" * 70, "nested more than 64", id="70-levels"),
        pytest.param(b'{"chunkCount": 1e999}', "out of range", id="1e999"),
        pytest.param(b'{"chunkCount": -Infinity}', "-Infinity", id="-Infinity"),
        pytest.param(b'{"chunkCount": NaN}', "NaN", id="NaN"),
        pytest.param(b'{"localeName": "en_US", "x": [Infinity]}', "Infinity", id="nested-inf"),
    ],
)
@pytest.mark.parametrize("path", [FILE_POST, TASK_POST, f"{SHORT}/files/{REGIONS_FILE}/complete"])
def test_hostile_json_is_a_400_envelope(api: Api, path: str, body: bytes, fragment: str) -> None:
    response = api.post(path, content=body, headers={"Content-Type": "application/json"})
    _assert_400(response, path, fragment)
    assert api.get(f"{BASE}/files").status_code == 200  # and the server keeps serving


def test_hostile_json_on_the_v13_tree_and_the_auth_services(raw: httpx2.Client) -> None:
    legacy = f"/1/3/workspaces/{WS}/models/{MODEL}"
    response = raw.post(f"{legacy}/files/{REGIONS_FILE}", content=NESTED, auth=DEMO)
    assert response.status_code == 400, response.text[:200]
    cert = raw.post(
        "/token/authenticate",
        content=NESTED,
        headers={"Authorization": "CACertificate x", "Content-Type": "application/json"},
    )
    assert cert.status_code in (400, 401) and cert.json()["status"].startswith("FAILURE")
    oauth = raw.post(
        "/oauth/device/code", content=b"[" * 60_000, headers={"Content-Type": "application/json"}
    )
    assert oauth.status_code == 400 and oauth.json()["error"] == "invalid_request", oauth.text


def test_a_body_just_inside_the_depth_limit_is_parsed(api: Api) -> None:
    # 64 levels is allowed: the body is an object (the file POST reads chunkCount from it).
    body = b'{"x":' * 63 + b"1" + b"}" * 63
    assert body.count(b"{") == 63
    response = api.post(FILE_POST, content=b'{"chunkCount": 2, "deep": ' + body + b"}")
    assert response.status_code == 200, response.text
    assert response.json()["file"]["chunkCount"] == 2


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        pytest.param({"localeName": 5}, "localeName must be a string", id="locale-number"),
        pytest.param({"localeName": ["en_US"]}, "localeName must be a string", id="locale-list"),
        pytest.param({"mappingParameters": "oops"}, "must be a list", id="mapping-string"),
        pytest.param({"mappingParameters": {"a": 1}}, "must be a list", id="mapping-object"),
        pytest.param({"mappingParameters": [1]}, "mappingParameters[0]", id="entry-number"),
        pytest.param(
            {"mappingParameters": [{"entityType": "Version"}]},
            "mappingParameters[0] needs string fields",
            id="entry-without-name",
        ),
        pytest.param(
            {
                "mappingParameters": [
                    {"entityType": "Version", "entityName": "Actual"},
                    {"entityType": 3, "entityName": "Actual"},
                ]
            },
            "mappingParameters[1]",
            id="entry-number-type",
        ),
        pytest.param([{"localeName": "en_US"}], "must be a JSON object", id="array-body"),
        pytest.param("en_US", "must be a JSON object", id="string-body"),
    ],
)
def test_invalid_task_bodies_are_400_and_start_nothing(
    api: Api, body: object, fragment: str
) -> None:
    path = f"{BASE}/imports/{SALES_IMPORT}/tasks"
    before = api.json_ok("GET", path).get("tasks", [])
    _assert_400(api.post(path, json=body), path, fragment)
    assert api.json_ok("GET", path).get("tasks", []) == before


def test_valid_task_bodies_with_extra_and_null_fields_still_start(api: Api) -> None:
    path = f"{BASE}/imports/{SALES_IMPORT}/tasks"
    for body in (
        {"localeName": "en_US", "mappingParameters": None, "connectorParameters": None},
        {
            "localeName": "en_GB",
            "mappingParameters": [
                {"entityType": "Version", "entityName": "Actual", "importId": SALES_IMPORT}
            ],
        },
        {},
    ):
        response = api.post(path, json=body)
        assert response.status_code == 200, (body, response.text)
        assert response.json()["task"]["taskState"] == "NOT_STARTED"


@pytest.mark.parametrize("count", ["2.5", '"x"', "true", "1001", "-2"])
def test_bad_chunk_counts_are_400(api: Api, count: str) -> None:
    response = api.post(FILE_POST, content=b'{"chunkCount": ' + count.encode() + b"}")
    _assert_400(response, FILE_POST, "chunkCount")
