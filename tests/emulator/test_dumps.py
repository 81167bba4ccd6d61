"""Failure dumps over HTTP: import dumps, chunk lists, replacement, clean-run removal, expiry,
per-user isolation, process nested dumps."""

from __future__ import annotations

from emu_http import (
    BASE,
    PROCESS,
    REGIONS_IMPORT,
    SALES_FILE,
    SALES_IMPORT,
    SHORT,
    Api,
    make_api,
    run_task,
)

BAD_SALES = (
    b"Product,Region,Units,Price,Comment\nRoad Bike 200,Japan,5,10,ok\n"
    b"Nope,Japan,1,1,bad\nRoad Bike 200,Mars,1,1,bad\n"
)
GOOD_SALES = b"Product,Region,Units,Price,Comment\nRoad Bike 200,Japan,5,10,ok\n"


def failing_import(api: Api) -> str:
    api.put(f"{BASE}/files/{SALES_FILE}", content=BAD_SALES)
    task = run_task(api, "imports", SALES_IMPORT)
    assert task["result"]["successful"] is False
    assert task["result"]["failureDumpAvailable"] is True
    return task["taskId"]


def dump_url(task_id: str, base: str = BASE) -> str:
    return f"{base}/imports/{SALES_IMPORT}/tasks/{task_id}/dump"


def test_import_dump_csv_and_chunks(api: Api) -> None:
    task_id = failing_import(api)
    r = api.get(dump_url(task_id))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    lines = r.text.splitlines()
    assert (
        lines[0] == '"_Status_","Product","Region","Units","Price","Comment","_Line_","_Error_1_"'
    )
    assert len(lines) == 3 and all(line.startswith('"E"') for line in lines[1:])
    chunks = api.json_ok("GET", dump_url(task_id) + "/chunks")
    assert chunks["chunks"] == [{"id": "0", "name": "Chunk 0"}]
    assert api.get(dump_url(task_id) + "/chunks/0").text == r.text
    assert api.get(dump_url(task_id) + "/chunks/1").status_code == 404
    assert api.get(dump_url(task_id, SHORT)).text == r.text


def test_no_dump_is_204(api: Api) -> None:
    task = run_task(api, "imports", REGIONS_IMPORT)
    r = api.get(f"{BASE}/imports/{REGIONS_IMPORT}/tasks/{task['taskId']}/dump")
    assert r.status_code == 204 and r.content == b""


def test_dump_replaced_by_next_failing_run(api: Api) -> None:
    first = failing_import(api)
    second = failing_import(api)
    assert api.get(dump_url(first)).status_code == 404
    assert api.get(dump_url(second)).status_code == 200
    # The old task still says a dump was available (api-notes §10.17).
    old = api.json_ok("GET", f"{BASE}/imports/{SALES_IMPORT}/tasks/{first}")["task"]
    assert old["result"]["failureDumpAvailable"] is True


def test_dump_removed_by_clean_run(api: Api) -> None:
    task_id = failing_import(api)
    api.put(f"{BASE}/files/{SALES_FILE}", content=GOOD_SALES)
    assert run_task(api, "imports", SALES_IMPORT)["result"]["successful"] is True
    assert api.get(dump_url(task_id)).status_code == 404


def test_dump_is_per_user(api: Api, analyst: Api) -> None:
    task_id = failing_import(api)
    assert analyst.get(dump_url(task_id)).status_code == 404
    assert api.get(dump_url(task_id)).status_code == 200


def test_dump_expires_after_48_hours(emu, api: Api) -> None:
    task_id = failing_import(api)
    emu.advance_clock(49 * 3600)
    with make_api(emu) as fresh:
        assert fresh.get(dump_url(task_id)).status_code == 404


def test_process_nested_dump(api: Api) -> None:
    api.put(f"{BASE}/files/{SALES_FILE}", content=BAD_SALES)
    task = run_task(api, "processes", PROCESS)
    assert task["result"]["failureDumpAvailable"] is True
    failed = [n for n in task["result"]["nestedResults"] if n["failureDumpAvailable"]]
    assert [n["objectId"] for n in failed] == [SALES_IMPORT]
    url = f"{BASE}/processes/{PROCESS}/tasks/{task['taskId']}/dumps/{SALES_IMPORT}"
    r = api.get(url)
    assert r.status_code == 200 and r.text.startswith('"_Status_"')
    assert api.json_ok("GET", url + "/chunks")["chunks"][0]["id"] == "0"
    assert api.get(url + "/chunks/0").text == r.text
    # A nested action without a dump → 204; an object not in the process → 404.
    assert (
        api.get(
            f"{BASE}/processes/{PROCESS}/tasks/{task['taskId']}/dumps/{REGIONS_IMPORT}"
        ).status_code
        == 204
    )
    assert (
        api.get(f"{BASE}/processes/{PROCESS}/tasks/{task['taskId']}/dumps/112999999999").status_code
        == 404
    )
