"""Tasks over HTTP: start, status, list, cancel (queued and running, with rollback), results."""

from __future__ import annotations

import time

from emu_http import (
    ACTION,
    BASE,
    EXPORT,
    PROCESS,
    REGIONS_IMPORT,
    SALES_FILE,
    SALES_IMPORT,
    SHORT,
    Api,
    run_task,
    wait_task,
)

SALES_HEADER = b"Product,Region,Units,Price,Comment\n"


def export_rows(api: Api) -> int:
    return api.json_ok("GET", f"{BASE}/exports/{EXPORT}")["exportMetadata"]["rowCount"]


def start(api: Api, kind: str, object_id: str, body: object = None, base: str = BASE) -> str:
    r = api.post(
        f"{base}/{kind}/{object_id}/tasks",
        json=body if body is not None else {"localeName": "en_US"},
    )
    assert r.status_code == 200, r.text
    task = r.json()["task"]
    assert task["taskState"] == "NOT_STARTED"
    assert len(task["taskId"]) == 32 and task["taskId"] == task["taskId"].upper()
    assert isinstance(task["creationTime"], int)
    return task["taskId"]


def wait_state(api: Api, kind: str, object_id: str, task_id: str, state: str) -> dict:
    deadline = time.monotonic() + 10
    while True:
        task = api.json_ok("GET", f"{BASE}/{kind}/{object_id}/tasks/{task_id}")["task"]
        if task["taskState"] == state:
            return task
        assert time.monotonic() < deadline, task
        time.sleep(0.01)


def test_import_task_completes_with_result(api: Api) -> None:
    body = {
        "localeName": "en_US",
        "mappingParameters": None,
        "connectorParameters": None,
        "id": REGIONS_IMPORT,
        "code": None,
        "unknown": {"x": 1},
    }
    task_id = start(api, "imports", REGIONS_IMPORT, body)
    task = wait_task(api, "imports", REGIONS_IMPORT, task_id)
    assert task["taskState"] == "COMPLETE" and task["currentStep"] == "Complete."
    assert task["progress"] == 1.0
    result = task["result"]
    assert result["successful"] is True and result["failureDumpAvailable"] is False
    assert (
        result["objectId"] == REGIONS_IMPORT and result["objectName"] == "Regions from Regions.csv"
    )
    assert result["details"][0]["type"] == "hierarchyRowsProcessed"


def test_task_start_without_body_and_short_form(api: Api) -> None:
    r = api.post(f"{SHORT}/imports/{REGIONS_IMPORT}/tasks")
    assert r.status_code == 200
    task = wait_task(api, "imports", REGIONS_IMPORT, r.json()["task"]["taskId"], base=SHORT)
    assert task["result"]["successful"] is True


def test_unknown_object_404_and_unknown_task_404(api: Api) -> None:
    assert api.post(f"{BASE}/imports/112999999999/tasks", json={}).status_code == 404
    assert api.post(f"{BASE}/exports/{REGIONS_IMPORT}/tasks", json={}).status_code == 404
    assert api.get(f"{BASE}/imports/{REGIONS_IMPORT}/tasks/{'A' * 32}").status_code == 404
    assert api.post(f"{BASE}/widgets/1/tasks", json={}).status_code == 404
    r = api.post(
        f"{BASE}/imports/{REGIONS_IMPORT}/tasks",
        content=b"{bad",
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400


def test_task_list_ascending_includes_other_users(api: Api, analyst: Api) -> None:
    first = start(api, "imports", REGIONS_IMPORT)
    second = start(analyst, "imports", REGIONS_IMPORT)
    wait_task(api, "imports", REGIONS_IMPORT, second)
    body = api.json_ok("GET", f"{BASE}/imports/{REGIONS_IMPORT}/tasks")
    assert [t["taskId"] for t in body["tasks"]] == [first, second]
    assert body["meta"]["paging"]["totalSize"] == 2
    assert set(body["tasks"][0]) >= {"taskId", "taskState", "creationTime"}
    desc = api.json_ok(
        "GET", f"{BASE}/imports/{REGIONS_IMPORT}/tasks", params={"sort": "-creationDate"}
    )
    assert desc["tasks"][0]["creationTime"] >= desc["tasks"][1]["creationTime"]
    # Unknown parent: 200 with an empty list and paging.
    empty = api.json_ok("GET", f"{BASE}/imports/112999999999/tasks")
    assert empty["tasks"] == [] and empty["meta"]["paging"]["totalSize"] == 0


def test_progress_then_cancel_running_rolls_back(emu, api: Api) -> None:
    before = export_rows(api)
    api.put(f"{BASE}/files/{SALES_FILE}", content=SALES_HEADER + b"Road Bike 200,Japan,5,10,new\n")
    emu.set_task_timing(steps=40, step_s=0.05)
    task_id = start(api, "imports", SALES_IMPORT)
    running = wait_state(api, "imports", SALES_IMPORT, task_id, "IN_PROGRESS")
    assert 0.0 <= running["progress"] < 1.0 and running["currentStep"]
    # The import's changes are not visible while it runs (its transaction is open).
    assert export_rows(api) == before
    r = api.delete(f"{BASE}/imports/{SALES_IMPORT}/tasks/{task_id}")
    assert r.status_code == 200 and r.json()["task"]["taskState"] in ("CANCELLING", "CANCELLED")
    done = wait_task(api, "imports", SALES_IMPORT, task_id)
    assert done["taskState"] == "CANCELLED"
    assert done["result"]["successful"] is False
    assert export_rows(api) == before
    emu.set_task_timing(steps=0, step_s=0.0)
    assert run_task(api, "imports", SALES_IMPORT)["result"]["successful"] is True
    assert export_rows(api) == before + 1


def test_fifo_queue_and_cancel_queued(emu, api: Api) -> None:
    emu.set_task_timing(steps=25, step_s=0.05)
    first = start(api, "imports", REGIONS_IMPORT)
    second = start(api, "exports", EXPORT)
    wait_state(api, "imports", REGIONS_IMPORT, first, "IN_PROGRESS")
    queued = api.json_ok("GET", f"{BASE}/exports/{EXPORT}/tasks/{second}")["task"]
    assert queued["taskState"] == "NOT_STARTED"
    r = api.delete(f"{BASE}/exports/{EXPORT}/tasks/{second}")
    assert r.json()["task"]["taskState"] == "CANCELLED"
    assert wait_task(api, "imports", REGIONS_IMPORT, first)["taskState"] == "COMPLETE"
    # A finished task's cancel leaves it as it was.
    again = api.delete(f"{BASE}/imports/{REGIONS_IMPORT}/tasks/{first}").json()["task"]
    assert again["taskState"] == "COMPLETE"
    assert api.get(f"{BASE}/files/{EXPORT}").status_code == 404  # the cancelled export never ran


def test_export_writes_output_file(api: Api) -> None:
    task = run_task(api, "exports", EXPORT)
    assert task["result"]["successful"] is True
    assert task["result"]["details"][0]["type"] == "exportSucceeded"
    files = {f["id"]: f for f in api.json_ok("GET", f"{BASE}/files")["files"]}
    assert files[EXPORT]["chunkCount"] == 1
    content = api.get(f"{BASE}/files/{EXPORT}").text
    assert content.startswith("Products,Regions,Units,Price,Revenue,Comment")
    assert api.get(f"{BASE}/files/{EXPORT}/chunks/0").text == content


def test_process_has_nested_results(api: Api) -> None:
    task = run_task(api, "processes", PROCESS)
    result = task["result"]
    assert result["objectId"] == PROCESS
    nested = result["nestedResults"]
    assert [n["objectId"] for n in nested] == [
        "112000000001",
        "112000000002",
        "112000000003",
        EXPORT,
    ]
    assert result["failureDumpAvailable"] == any(n["failureDumpAvailable"] for n in nested)


def test_delete_action_runs(api: Api) -> None:
    task = run_task(api, "actions", ACTION)
    assert task["result"]["successful"] is True and task["result"]["objectId"] == ACTION


def test_task_polls_do_not_block_on_running_import(emu, api: Api) -> None:
    emu.set_task_timing(steps=50, step_s=0.1)
    task_id = start(api, "processes", PROCESS)
    wait_state(api, "processes", PROCESS, task_id, "IN_PROGRESS")
    t0 = time.monotonic()
    assert api.get(f"{BASE}/files").status_code == 200
    assert api.get(f"{BASE}/exports/{EXPORT}").status_code == 200
    assert time.monotonic() - t0 < 2.0  # the task holds its transaction for ~5 s
    api.delete(f"{BASE}/processes/{PROCESS}/tasks/{task_id}")
    assert wait_task(api, "processes", PROCESS, task_id)["taskState"] == "CANCELLED"
