"""How the emulator reports an import that rejected rows: `successful` false (the default) or true,
chosen by the spec's `settings.rejected_rows_successful` or `POST /__emulator__/rejected-rows`.
`failureDumpAvailable`, the counts and the dump are the same either way."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml
from emu_http import BASE, PROCESS, SALES_FILE, SALES_IMPORT, Api, make_api, run_task

from pyanaplan.emulator import Emulator

BAD_SALES = (
    b"Product,Region,Units,Price,Comment\nRoad Bike 200,Japan,5,10,ok\n"
    b"Nope,Japan,1,1,bad\nRoad Bike 200,Mars,1,1,bad\n"
)
GOOD_SALES = b"Product,Region,Units,Price,Comment\nRoad Bike 200,Japan,5,10,ok\n"


def failed_count(result: dict[str, Any]) -> int:
    values = result["details"][0]["values"]
    return int(values[values.index("failedCount") + 1])


def sales_import(api: Api, content: bytes = BAD_SALES) -> dict[str, Any]:
    assert api.put(f"{BASE}/files/{SALES_FILE}", content=content).status_code == 204
    return run_task(api, "imports", SALES_IMPORT)


@pytest.mark.parametrize("successful", [False, True])
def test_control_chooses_what_successful_says(
    control: httpx2.Client, api: Api, successful: bool
) -> None:
    r = control.post("/__emulator__/rejected-rows", json={"successful": successful})
    assert r.status_code == 204, r.text
    task = sales_import(api)
    result = task["result"]
    assert task["currentStep"] == "Complete."
    assert result["successful"] is successful
    assert result["failureDumpAvailable"] is True
    assert failed_count(result) == 2
    dump = api.get(f"{BASE}/imports/{SALES_IMPORT}/tasks/{task['taskId']}/dump")
    assert dump.status_code == 200 and dump.text.count("\n") == 3  # header + 2 rejected rows

    process = run_task(api, "processes", PROCESS)["result"]
    assert process["successful"] is successful and process["failureDumpAvailable"] is True
    sales = next(n for n in process["nestedResults"] if n["objectId"] == SALES_IMPORT)
    assert sales["successful"] is successful and failed_count(sales) > 0

    # Clean runs and outright failures are not affected by the setting.
    assert sales_import(api, GOOD_SALES)["result"]["successful"] is True
    empty = sales_import(api, b"")
    assert empty["currentStep"] == "Failed." and empty["result"]["successful"] is False


def test_reset_restores_the_spec_setting(emu: Any, api: Api) -> None:
    emu.set_rejected_rows_successful(True)
    assert sales_import(api)["result"]["successful"] is True
    emu.reset()
    with make_api(emu) as again:
        assert sales_import(again)["result"]["successful"] is False


@pytest.mark.parametrize("body", [{}, {"successful": "true"}, {"successful": 1}, [True]])
def test_control_refuses_anything_but_a_boolean(
    emu: Any, control: httpx2.Client, body: Any
) -> None:
    r = control.post("/__emulator__/rejected-rows", json=body)
    assert r.status_code == 400, r.text
    with pytest.raises(ValueError, match="successful"):
        emu.set_rejected_rows_successful("yes")


def test_control_needs_the_token(raw: httpx2.Client) -> None:
    r = raw.post("/__emulator__/rejected-rows", json={"successful": True})
    assert r.status_code == 401, r.text


def test_spec_setting_starts_the_emulator_that_way(tmp_path: Path) -> None:
    demo = resources.files("pyanaplan.emulator").joinpath("specs", "demo.yaml")
    data = yaml.safe_load(demo.read_text(encoding="utf-8"))
    data["settings"]["rejected_rows_successful"] = True
    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with Emulator(spec=spec_path) as emu:
        with make_api(emu) as api:
            assert sales_import(api)["result"]["successful"] is True
        emu.reset()  # the spec's value, not the default, is what reset goes back to
        with make_api(emu) as api:
            assert sales_import(api)["result"]["successful"] is True
