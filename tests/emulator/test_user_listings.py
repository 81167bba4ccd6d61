"""`GET /2/0/users/{userId}/workspaces` and `…/models` (api-notes §4.1).

Clients list through them with their own user ID (keys `workspaces` and `models`); they answer
like `/workspaces` and `/models`: paged, `tenantDetails`/`modelDetails`, strict `sort`. The
reference documents only the caller's own ID: another user's ID is refused with 403, an ID that
names nobody the caller can see is the generic 404 (docs/emulator-deviations.md).
"""

from __future__ import annotations

import httpx2
from emu_http import MODEL, MODEL2, WS, Api

DEMO_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
ANALYST_ID = "1a1b2c3d4e5f60718293a4b5c6d7e8f9"


def test_own_workspaces_match_the_workspace_list(api: Api) -> None:
    body = api.json_ok("GET", f"/2/0/users/{DEMO_ID}/workspaces")
    assert body["meta"]["schema"] == "https://api.anaplan.com/2/0/objects/workspace"
    assert body["meta"]["paging"] == {"currentPageSize": 1, "offset": 0, "totalSize": 1}
    assert body["status"] == {"code": 200, "message": "Success"}
    assert body["workspaces"] == api.json_ok("GET", "/2/0/workspaces")["workspaces"]
    detailed = api.json_ok(
        "GET", f"/2/0/users/{DEMO_ID}/workspaces", params={"tenantDetails": "True"}
    )["workspaces"]
    assert detailed[0]["id"] == WS and detailed[0]["sizeAllowance"] == 1073741824


def test_own_models_match_the_model_list_with_paging_and_sort(api: Api) -> None:
    url = f"/2/0/users/{DEMO_ID}/models"
    body = api.json_ok("GET", url, params={"modelDetails": "true", "sort": "-name"})
    assert body["meta"]["schema"] == "https://api.anaplan.com/2/0/objects/model"
    models = body["models"]
    assert (
        models
        == api.json_ok("GET", "/2/0/models", params={"modelDetails": "true", "sort": "-name"})[
            "models"
        ]
    )
    assert {m["id"] for m in models} == {MODEL, MODEL2}
    assert [m["name"] for m in models] == sorted((m["name"] for m in models), reverse=True)
    assert "lastSavedSerialNumber" in models[0]

    first = api.json_ok("GET", url, params={"limit": 1})
    paging = first["meta"]["paging"]
    assert paging["currentPageSize"] == 1 and paging["totalSize"] == 2
    assert paging["next"].endswith(f"{url}?limit=1&offset=1")
    second = api.json_ok("GET", url, params={"limit": 1, "offset": 1})
    assert [m["id"] for m in first["models"] + second["models"]] == [
        m["id"] for m in api.json_ok("GET", url)["models"]
    ]
    bad = api.get(url, params={"sort": "name"})
    assert bad.status_code == 400
    assert bad.json()["status"]["message"].startswith("Bad sort order format")


def test_each_user_lists_their_own(analyst: Api) -> None:
    own = analyst.json_ok("GET", f"/2/0/users/{ANALYST_ID}/models")["models"]
    assert {m["id"] for m in own} == {MODEL, MODEL2}


def _envelope(response: httpx2.Response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == {"code": status, "message": message}
    assert body["path"] == response.request.url.path


def test_another_users_listings_are_forbidden(api: Api) -> None:
    for suffix in ("workspaces", "models"):
        _envelope(api.get(f"/2/0/users/{ANALYST_ID}/{suffix}"), 403, "Forbidden")


def test_unknown_and_wrong_case_user_ids_are_404(api: Api) -> None:
    for user_id in ("f" * 32, DEMO_ID.upper()):
        for suffix in ("workspaces", "models"):
            _envelope(api.get(f"/2/0/users/{user_id}/{suffix}"), 404, "Not Found")


def test_a_token_is_required(raw: httpx2.Client) -> None:
    for suffix in ("workspaces", "models"):
        assert raw.get(f"/2/0/users/{DEMO_ID}/{suffix}").status_code == 401
