"""The article's v1.3 scripts (re-created in `article_scripts/`) run against the emulator unchanged
but for the host: issue 2, item 9, and api-notes §5 / §9.43.
"""

from __future__ import annotations

import csv
import io
import time

import httpx2
import pytest
from article_scripts._common import ScriptSettings, basic_header, certificate_header, client
from article_scripts.chunk_upload import chunk_upload
from article_scripts.delete_file import delete_file
from article_scripts.download_file import download_file
from article_scripts.get_files import get_files
from article_scripts.get_models import get_models
from article_scripts.get_workspaces import get_workspaces
from article_scripts.import_status import ImportStatus, import_status
from article_scripts.process_status import ProcessStatus, process_status
from article_scripts.run_export import run_export
from article_scripts.run_import import run_import
from article_scripts.run_process import run_process
from emulator_hooks import (
    DEMO_PASSWORD,
    DEMO_USER,
    MODEL_ID,
    SANDBOX_MODEL_ID,
    WORKSPACE_ID,
    make_certificate,
)

pytestmark = pytest.mark.timeout(60)

REGIONS_FILE, SALES_FILE, SALES_EXPORT = "113000000001", "113000000003", "116000000001"
REGIONS_IMPORT, SALES_IMPORT, LOAD_PROCESS = "112000000001", "112000000003", "118000000001"
POLL_LIMIT_S = 20.0


@pytest.fixture
def settings(emu) -> ScriptSettings:
    return ScriptSettings(
        host=emu.api_url,
        auth_header=basic_header(DEMO_USER, DEMO_PASSWORD),
        workspace_guid=WORKSPACE_ID,
        model_guid=MODEL_ID,
    )


@pytest.fixture
def http() -> httpx2.Client:
    with client() as c:
        yield c


def _wait_import(settings: ScriptSettings, http: httpx2.Client, import_id: str) -> ImportStatus:
    """Re-run importStatus until the task is terminal, as a user re-running the script would."""
    deadline = time.monotonic() + POLL_LIMIT_S
    for _ in range(400):
        status = import_status(settings, http, import_id=import_id)
        if status.task_state in ("COMPLETE", "CANCELLED") or time.monotonic() > deadline:
            return status
        time.sleep(0.05)
    return status


def _wait_process(settings: ScriptSettings, http: httpx2.Client, process_id: str) -> ProcessStatus:
    deadline = time.monotonic() + POLL_LIMIT_S
    for _ in range(400):
        status = process_status(settings, http, process_id=process_id)
        if status.task_state in ("COMPLETE", "CANCELLED") or time.monotonic() > deadline:
            return status
        time.sleep(0.05)
    return status


def test_get_workspaces_models_and_files(settings: ScriptSettings, http: httpx2.Client) -> None:
    assert get_workspaces(settings, http) == [(WORKSPACE_ID, "Demo Workspace")]
    models = dict(get_models(settings, http))
    assert models[MODEL_ID] == "Sales Planning"
    assert models[SANDBOX_MODEL_ID] == "Finance Sandbox"
    files = {f["id"]: f for f in get_files(settings, http)}
    assert files[REGIONS_FILE]["name"] == "Regions.csv"
    assert files[SALES_FILE]["name"] == "Sales.csv"


def test_chunk_upload_import_and_status(settings: ScriptSettings, http: httpx2.Client) -> None:
    content = b"Name,Code\n" + b"".join(f"Script Region {i},SR{i}\n".encode() for i in range(30))
    completed = chunk_upload(
        settings,
        http,
        file_id=REGIONS_FILE,
        file_name="Regions.csv",
        content=content,
        chunk_size=100,
    )
    assert completed["id"] == REGIONS_FILE
    assert completed["chunkCount"] == -(-len(content) // 100)
    assert download_file(settings, http, file_id=REGIONS_FILE) == content

    task_id = run_import(settings, http, import_id=REGIONS_IMPORT)
    assert len(task_id) == 32 and task_id == task_id.upper()
    status = _wait_import(settings, http, REGIONS_IMPORT)
    assert status.task_id == task_id
    assert status.task_state == "COMPLETE"
    assert status.status["result"]["successful"] is True
    assert status.status["result"]["failureDumpAvailable"] is False
    assert status.dump is None


def test_failed_import_status_downloads_the_dump(
    settings: ScriptSettings, http: httpx2.Client
) -> None:
    bad = b"Product,Region,Units,Price,Comment\nNo Such Product,No Such Region,1,2,x\n"
    chunk_upload(
        settings, http, file_id=SALES_FILE, file_name="Sales.csv", content=bad, chunk_size=1000
    )
    run_import(settings, http, import_id=SALES_IMPORT)
    status = _wait_import(settings, http, SALES_IMPORT)
    assert status.task_state == "COMPLETE"
    assert status.status["result"]["successful"] is False
    assert status.dump is not None
    dump_rows = list(csv.reader(io.StringIO(status.dump.decode("utf-8"))))
    assert dump_rows[0][0] == "_Status_"
    assert "No Such Product" in dump_rows[1]


def test_export_then_download_file(settings: ScriptSettings, http: httpx2.Client) -> None:
    task_id = run_export(settings, http, export_id=SALES_EXPORT)
    deadline = time.monotonic() + POLL_LIMIT_S
    url = f"{settings.model_url}/exports/{SALES_EXPORT}/tasks/{task_id}"
    state = ""
    while time.monotonic() < deadline:
        state = http.get(url, headers=settings.headers()).json()["taskState"]
        if state == "COMPLETE":
            break
        time.sleep(0.05)
    assert state == "COMPLETE"
    content = download_file(settings, http, file_id=SALES_EXPORT)
    header = content.decode("utf-8").splitlines()[0]
    assert "Units" in header and "Revenue" in header


def test_process_and_process_status_with_nested_dump(
    settings: ScriptSettings, http: httpx2.Client
) -> None:
    bad = b"Product,Region,Units,Price,Comment\nNo Such Product,No Such Region,1,2,x\n"
    chunk_upload(
        settings, http, file_id=SALES_FILE, file_name="Sales.csv", content=bad, chunk_size=1000
    )
    task_id = run_process(settings, http, process_id=LOAD_PROCESS)
    status = _wait_process(settings, http, LOAD_PROCESS)
    assert status.task_id == task_id
    assert status.task_state == "COMPLETE"
    nested = status.status["result"]["nestedResults"]
    assert [n["objectId"] for n in nested if n["failureDumpAvailable"]] == [SALES_IMPORT]
    assert set(status.dumps) == {SALES_IMPORT}
    assert status.dumps[SALES_IMPORT].startswith(b'"_Status_"')


def test_delete_file(settings: ScriptSettings, http: httpx2.Client) -> None:
    chunk_upload(
        settings,
        http,
        file_id=REGIONS_FILE,
        file_name="Regions.csv",
        content=b"Name,Code\n",
        chunk_size=1000,
    )
    assert delete_file(settings, http, file_id=REGIONS_FILE) == 204


def test_wrong_password_is_rejected_on_every_script(
    settings: ScriptSettings, http: httpx2.Client
) -> None:
    wrong = ScriptSettings(
        host=settings.host,
        auth_header=basic_header(DEMO_USER, "not-the-password"),
        workspace_guid=WORKSPACE_ID,
        model_guid=MODEL_ID,
    )
    with pytest.raises(httpx2.HTTPStatusError) as excinfo:
        get_workspaces(wrong, http)
    assert excinfo.value.response.status_code == 401
    with pytest.raises(httpx2.HTTPStatusError) as excinfo:
        get_files(wrong, http)
    assert excinfo.value.response.status_code == 401


def test_certificate_variant_of_the_scripts(emu, http: httpx2.Client) -> None:
    """The article's certificate scripts send `AnaplanCertificate base64(user:PEM)`
    (api-notes §3.3)."""
    pem = make_certificate(DEMO_USER)
    emu.register_certificate(DEMO_USER, pem)
    settings = ScriptSettings(
        host=emu.api_url,
        auth_header=certificate_header(DEMO_USER, pem),
        workspace_guid=WORKSPACE_ID,
        model_guid=MODEL_ID,
    )
    assert get_workspaces(settings, http) == [(WORKSPACE_ID, "Demo Workspace")]
    assert REGIONS_FILE in {f["id"] for f in get_files(settings, http)}
    task_id = run_import(settings, http, import_id=REGIONS_IMPORT)
    status = _wait_import(settings, http, REGIONS_IMPORT)
    assert (status.task_id, status.task_state) == (task_id, "COMPLETE")
