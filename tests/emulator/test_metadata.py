"""Users, workspaces, models, status, listings: envelopes, paging, sort, IDs, 404/405."""

from __future__ import annotations

import httpx2
from emu_http import BASE, EXPORT, MODEL, MODEL2, PROCESS, SHORT, WS, Api


def test_users_me(api: Api) -> None:
    body = api.json_ok("GET", "/2/0/users/me")
    assert body["meta"]["schema"] == "https://api.anaplan.com/2/0/objects/user"
    user = body["user"]
    assert (
        user["email"] == "demo@pyanaplan.example"
        and user["id"] == "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    )
    assert user["lastLoginDate"].endswith("+0000")
    other = api.json_ok("GET", "/2/0/users/1a1b2c3d4e5f60718293a4b5c6d7e8f9")["user"]
    assert other["email"] == "analyst@pyanaplan.example"
    users = api.json_ok("GET", "/2/0/users", params={"sort": "-email"})["users"]
    assert [u["email"] for u in users] == sorted((u["email"] for u in users), reverse=True)


def test_workspaces_tenant_details(api: Api) -> None:
    plain = api.json_ok("GET", "/2/0/workspaces")["workspaces"]
    assert plain == [{"id": WS, "name": "Demo Workspace", "active": True}]
    detailed = api.json_ok(
        "GET", "/2/0/workspaces", params={"tenantDetails": "True", "archived": "false"}
    )
    ws = detailed["workspaces"][0]
    assert ws["sizeAllowance"] == 1073741824 and isinstance(ws["currentSize"], int)
    assert api.json_ok("GET", f"/2/0/workspaces/{WS}")["workspace"]["id"] == WS
    assert api.get(f"/2/0/workspaces/{WS.upper()}").status_code == 404


def test_models_with_details_and_single(api: Api) -> None:
    models = api.json_ok("GET", "/2/0/models", params={"modelDetails": "TRUE"})["models"]
    assert {m["id"] for m in models} == {MODEL, MODEL2}
    for key in (
        "lastSavedSerialNumber",
        "lastModifiedByUserGuid",
        "isoCreationDate",
        "lastModified",
        "activeState",
        "currentWorkspaceId",
        "currentWorkspaceName",
        "categoryValues",
    ):
        assert key in models[0]
    in_ws = api.json_ok("GET", f"/2/0/workspaces/{WS}/models")["models"]
    assert {m["id"] for m in in_ws} == {MODEL, MODEL2}
    assert "lastSavedSerialNumber" not in in_ws[0]
    single = api.json_ok("GET", f"/2/0/models/{MODEL}", params={"modelDetails": "true"})["model"]
    assert single["modelTransactionRunning"] is False
    r = api.get(f"/2/0/workspaces/{WS}/models/{MODEL}")
    assert r.status_code == 405 and r.json()["status"] == {
        "code": 405,
        "message": "Method Not Allowed",
    }
    assert api.get(f"/2/0/models/{MODEL.lower()}").status_code == 404


def test_strict_sort_on_models(api: Api) -> None:
    names = [
        m["name"] for m in api.json_ok("GET", "/2/0/models", params={"sort": "-name"})["models"]
    ]
    assert names == sorted(names, reverse=True)
    r = api.get("/2/0/models", params={"sort": "name"})
    assert r.status_code == 400
    assert r.json()["status"]["message"].startswith("Bad sort order format: 'name'")
    r = api.get("/2/0/workspaces", params={"sort": "+colour"})
    assert (
        r.status_code == 400 and r.json()["status"]["message"] == "Failed to parse sort parameter"
    )


def test_tolerant_sort_on_model_resources(api: Api) -> None:
    ids = [f["id"] for f in api.json_ok("GET", f"{BASE}/files", params={"sort": "-id"})["files"]]
    assert ids == sorted(ids, reverse=True)
    ids = [f["id"] for f in api.json_ok("GET", f"{BASE}/files", params={"sort": "name"})["files"]]
    assert len(ids) >= 4
    assert api.get(f"{BASE}/imports", params={"sort": "+nonsense"}).status_code == 200


def test_paging(api: Api) -> None:
    full = api.json_ok("GET", f"{BASE}/files")
    total = full["meta"]["paging"]["totalSize"]
    assert "next" not in full["meta"]["paging"] and "previous" not in full["meta"]["paging"]
    first = api.json_ok("GET", f"{BASE}/files", params={"limit": 2})
    paging = first["meta"]["paging"]
    assert paging["currentPageSize"] == 2 and paging["offset"] == 0 and paging["totalSize"] == total
    assert "offset=2" in paging["next"] and "previous" not in paging
    nxt = api.json_ok("GET", paging["next"].replace(str(api.base_url).rstrip("/"), ""))
    assert nxt["files"] == full["files"][2:4]
    assert "previous" in nxt["meta"]["paging"]
    # offset without limit works (Anaplan Connect), limit over 5000 is capped silently.
    tail = api.json_ok("GET", f"{BASE}/files", params={"offset": 3})
    assert tail["files"] == full["files"][3:]
    assert (
        api.json_ok("GET", f"{BASE}/files", params={"limit": 99999})["meta"]["paging"][
            "currentPageSize"
        ]
        == total
    )
    past = api.json_ok("GET", f"{BASE}/files", params={"offset": 100})
    assert past["files"] == [] and past["meta"]["paging"]["totalSize"] == total
    assert api.get(f"{BASE}/files", params={"limit": "ten"}).status_code == 400
    assert api.get(f"{BASE}/files", params={"offset": "-1"}).status_code == 400


def test_listings_in_both_forms_and_trailing_slash(api: Api) -> None:
    for key in ("imports", "exports", "actions", "processes", "files"):
        long = api.json_ok("GET", f"{BASE}/{key}")[key]
        short = api.json_ok("GET", f"{SHORT}/{key}")[key]
        assert long == short and long
    assert (
        api.json_ok("GET", f"{BASE}/imports/")["imports"]
        == api.json_ok("GET", f"{BASE}/imports")["imports"]
    )
    exports = api.json_ok("GET", f"{BASE}/exports")["exports"]
    assert {"exportFormat", "layout", "encoding"} <= set(exports[0])
    assert (
        api.json_ok("GET", f"{BASE}/actions")["actions"][0]["actionType"] == "DELETE_BY_SELECTION"
    )


def test_metadata_endpoints(api: Api) -> None:
    imp = api.json_ok("GET", f"{SHORT}/imports/112000000001")
    assert imp["importMetadata"]["source"]["headerNames"] == ["Name", "Code"]
    exp = api.json_ok("GET", f"{BASE}/exports/{EXPORT}")["exportMetadata"]
    assert exp["headerNames"][0] == "Products"
    proc = api.json_ok(
        "GET", f"{BASE}/processes/{PROCESS}", params={"showImportDataSource": "True"}
    )
    actions = proc["processMetadata"]["actions"]
    assert [a["id"] for a in actions] == ["112000000001", "112000000002", "112000000003", EXPORT]
    assert actions[0]["importDataSource"]["importDataSourceId"] == "113000000001"
    for path in ("imports/112999999999", "exports/116999999999", "processes/118999999999"):
        r = api.get(f"{BASE}/{path}")
        assert r.status_code == 404 and r.json()["path"] == f"{BASE}/{path}"


def test_model_status_open_close(api: Api) -> None:
    r = api.get(f"{SHORT}/status")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"requestStatus"}
    assert set(body["requestStatus"]) == {
        "tooltip",
        "progress",
        "currentStep",
        "exportTaskType",
        "creationTime",
        "taskId",
        "peakMemoryUsageEstimate",
        "peakMemoryUsageTime",
    }
    close = api.post(f"{SHORT}/close")
    assert close.status_code == 204 and close.content == b""
    assert api.post(f"{BASE}/status").json()["requestStatus"]["currentStep"] == "Closed"
    opened = api.post(f"{SHORT}/open", headers={"Content-Type": "application/text"})
    assert opened.status_code == 202 and opened.content == b""
    assert api.get(f"{SHORT}/status").json()["requestStatus"]["currentStep"] == "Open"


def test_unknown_routes_and_wrong_methods(api: Api, raw: httpx2.Client) -> None:
    r = api.get("/2/0/nowhere")
    assert r.status_code == 404
    body = r.json()
    assert (
        body["status"] == {"code": 404, "message": "Not Found"} and body["path"] == "/2/0/nowhere"
    )
    assert body["timestamp"].endswith("Z") and len(body["timestamp"].split(".")[1]) == 10
    r = api.delete(f"{BASE}/imports")
    assert r.status_code == 405 and r.json()["status"]["code"] == 405
    assert api.put("/2/0/users/me").status_code == 405
    assert raw.get("/token/authenticate").status_code == 405


def test_non_member_sees_nothing() -> None:
    from emu_http import ANALYST, make_api

    from pyanaplan.emulator import Emulator
    from pyanaplan.emulator.spec import load_spec

    spec = load_spec()
    workspaces = tuple(
        type(w)(**{**w.__dict__, "members": ("demo@pyanaplan.example",)}) for w in spec.workspaces
    )
    spec = type(spec)(**{**spec.__dict__, "workspaces": workspaces})
    with Emulator(spec=spec) as emu2, make_api(emu2, ANALYST) as outsider:
        assert outsider.json_ok("GET", "/2/0/workspaces")["workspaces"] == []
        assert outsider.json_ok("GET", "/2/0/models")["models"] == []
        assert outsider.get(f"/2/0/workspaces/{WS}").status_code == 404
        assert outsider.get(f"{BASE}/files").status_code == 404
        assert outsider.get(f"{SHORT}/imports").status_code == 404
        assert outsider.post(f"{BASE}/imports/112000000001/tasks", json={}).status_code == 404
