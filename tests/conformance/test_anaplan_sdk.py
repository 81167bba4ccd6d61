"""anaplan-sdk 0.5.22, unmodified, against the emulator (issue 2, "Done when").

The SDK hard-codes `https://api.anaplan.com` and `https://auth.anaplan.com`; it reaches the emulator
only through its documented hooks: `auth=` / `token=` and `transport=` (passed through
`**httpx_kwargs` to `httpx2.Client`). See `conftest.py` for the rewriting transport.
"""

from __future__ import annotations

import asyncio
import csv
import io

import anaplan_sdk
import pytest
from anaplan_sdk.exceptions import InvalidIdentifierException
from emulator_hooks import (
    DEMO_PASSWORD,
    DEMO_USER,
    MODEL_ID,
    SANDBOX_MODEL_ID,
    WORKSPACE_ID,
    AsyncEmulatorTransport,
    EmulatorTokenAuth,
    EmulatorTransport,
    emulator_origins,
    fetch_token,
)

pytestmark = pytest.mark.timeout(60)

REGIONS_FILE, PRODUCTS_FILE, SALES_FILE = 113000000001, 113000000002, 113000000003
REGIONS_IMPORT, PRODUCTS_IMPORT, SALES_IMPORT = 112000000001, 112000000002, 112000000003
SALES_EXPORT = 116000000001
DELETE_ACTION = 117000000001
LOAD_PROCESS = 118000000001

# Our own rows: new items, so the export can only contain them if the imports really ran.
REGIONS = [("Conformance North", "CN"), ("Conformance South", "CS")]
SALES = [
    # (product, region, units, price, comment)
    ("Conformance Widget", "Conformance North", 12, 2.5, "first"),
    ("Conformance Widget", "Conformance South", 3, 2.5, "second, with a comma"),
    ("Conformance Gadget", "Conformance North", 7, 10, ""),
]


def _sdk_client(emu, transport: EmulatorTransport, **kwargs) -> anaplan_sdk.Client:
    """A Client with short polls and small chunks, pointed at the emulator by its hooks."""
    defaults = {
        "workspace_id": WORKSPACE_ID,
        "model_id": MODEL_ID,
        "auth": EmulatorTokenAuth(emu.auth_url, DEMO_USER, DEMO_PASSWORD),
        "transport": transport,
        "status_poll_delay": 0,
        "retry_count": 1,
        "timeout": 10,
    }
    return anaplan_sdk.Client(**(defaults | kwargs))


def _csv(rows: list[tuple], header: tuple[str, ...]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _products_csv(family: str) -> bytes:
    rows = [
        ("Conformance Widget", "CW", family, "Active"),
        ("Conformance Gadget", "CG", family, "Active"),
    ]
    return _csv(rows, ("Name", "Code", "Parent", "Status"))


def _sales_csv() -> bytes:
    return _csv(SALES, ("Product", "Region", "Units", "Price", "Comment"))


def _a_product_family(emu) -> str:
    """The name of a `Product Families` item from the demo spec (Products' parent list)."""
    from pyanaplan.emulator import load_spec

    model = load_spec(None).model(MODEL_ID)
    families = model.list_named("Product Families")
    assert families is not None and families.items
    return families.items[0].name


def test_listings(emu, emulator_transport: EmulatorTransport) -> None:
    client = _sdk_client(emu, emulator_transport)

    workspaces = client.get_workspaces()
    assert [(w.id, w.name) for w in workspaces] == [(WORKSPACE_ID, "Demo Workspace")]
    assert workspaces[0].size_allowance > 0

    models = {m.id: m for m in client.get_models()}
    assert {MODEL_ID, SANDBOX_MODEL_ID} <= set(models)
    assert models[MODEL_ID].name == "Sales Planning"
    assert models[MODEL_ID].workspace_id == WORKSPACE_ID
    assert {m.id for m in client.get_models(only_in_workspace=True)} == set(models)
    assert client.get_model().name == "Sales Planning"
    assert client.get_workspace().name == "Demo Workspace"

    files = {f.id: f for f in client.get_files()}
    assert files[REGIONS_FILE].name == "Regions.csv"
    assert files[SALES_FILE].name == "Sales.csv"
    assert files[SALES_FILE].separator == ","
    imports = {i.id: i for i in client.get_imports()}
    assert imports[SALES_IMPORT].name == "Sales from Sales.csv"
    assert imports[SALES_IMPORT].file_id == SALES_FILE
    assert imports[REGIONS_IMPORT].type == "HIERARCHY_DATA"
    assert imports[SALES_IMPORT].type == "MODULE_DATA"
    exports = {e.id: e for e in client.get_exports()}
    assert exports[SALES_EXPORT].name == "Sales Report.csv"
    assert exports[SALES_EXPORT].layout == "TABULAR_MULTI_COLUMN"
    actions = {a.id: a for a in client.get_actions()}
    assert actions[DELETE_ACTION].name == "Delete Discontinued Products"
    processes = {p.id: p for p in client.get_processes()}
    assert processes[LOAD_PROCESS].name == "Load Sales and Export"

    # Every request went to the host the SDK hard-codes (our `auth=` logs in on its own), and all
    # of them succeeded.
    assert {s.host for s in emulator_transport.seen} == {"api.anaplan.com"}
    assert all(s.status < 400 for s in emulator_transport.seen)


def test_parallel_gzip_upload_round_trips_byte_for_byte(
    emu, emulator_transport: EmulatorTransport
) -> None:
    content = _csv(
        [(f"Conformance Widget {i}", "Conformance North", i, 1.5, f"row {i}") for i in range(40)],
        ("Product", "Region", "Units", "Price", "Comment"),
    )
    client = _sdk_client(emu, emulator_transport, upload_chunk_size=256)
    client.upload_file(SALES_FILE, content)

    chunk_puts = [s for s in emulator_transport.seen if s.method == "PUT" and "/chunks/" in s.path]
    expected_chunks = -(-len(content) // 256)
    assert expected_chunks >= 5
    assert len(chunk_puts) == expected_chunks
    assert {s.content_type for s in chunk_puts} == {"application/x-gzip"}
    assert all(s.status == 204 for s in chunk_puts)

    listed = {f.id: f for f in client.get_files()}
    assert listed[SALES_FILE].chunk_count == expected_chunks
    assert client.get_file(SALES_FILE) == content  # chunked download path (chunk_count > 1)


def test_streamed_upload_with_unknown_chunk_count_completes(
    emu, emulator_transport: EmulatorTransport
) -> None:
    client = _sdk_client(emu, emulator_transport)
    pieces = [b"Name,Code\n", b"Conformance East,CE\n", b"Conformance West,CW\n"]
    client.upload_file_stream(REGIONS_FILE, iter(pieces))
    assert {f.id: f for f in client.get_files()}[REGIONS_FILE].chunk_count == 3
    assert client.get_file(REGIONS_FILE) == b"".join(pieces)


def test_import_export_and_download_check_rows(emu, emulator_transport: EmulatorTransport) -> None:
    client = _sdk_client(emu, emulator_transport, upload_chunk_size=64)
    family = _a_product_family(emu)

    client.upload_file(REGIONS_FILE, _csv(REGIONS, ("Name", "Code")))
    regions = client.run_action(REGIONS_IMPORT)
    assert regions.result.successful
    client.upload_file(PRODUCTS_FILE, _products_csv(family))
    assert client.run_action(PRODUCTS_IMPORT).result.successful
    sales = client.upload_and_import(SALES_FILE, _sales_csv(), SALES_IMPORT)
    assert sales.task_state == "COMPLETE" and sales.result.successful

    exported = client.export_and_download(SALES_EXPORT)
    _assert_export_holds_our_sales(exported)
    tasks = client.get_task_summaries(SALES_IMPORT)
    assert [t.task_state for t in tasks] == ["COMPLETE"]


def test_process_runs_the_imports_and_the_export(
    emu, emulator_transport: EmulatorTransport
) -> None:
    client = _sdk_client(emu, emulator_transport)
    client.upload_file(REGIONS_FILE, _csv(REGIONS, ("Name", "Code")))
    client.upload_file(PRODUCTS_FILE, _products_csv(_a_product_family(emu)))
    client.upload_file(SALES_FILE, _sales_csv())

    task = client.run_action(LOAD_PROCESS)
    assert task.result.successful
    assert len(task.result.nested_results) == 4
    assert all(n.successful for n in task.result.nested_results)
    _assert_export_holds_our_sales(client.get_file(SALES_EXPORT))


def test_failed_import_raises_the_sdk_action_error(
    emu, emulator_transport: EmulatorTransport
) -> None:
    client = _sdk_client(emu, emulator_transport)
    bad = _csv(
        [("No Such Product", "No Such Region", "x", 1, "")],
        ("Product", "Region", "Units", "Price", "Comment"),
    )
    client.upload_file(SALES_FILE, bad)
    with pytest.raises(anaplan_sdk.exceptions.AnaplanActionError):
        client.run_action(SALES_IMPORT)
    status = client.get_task_status(SALES_IMPORT, client.get_task_summaries(SALES_IMPORT)[-1].id)
    assert status.task_state == "COMPLETE"
    assert status.result.successful is False
    assert status.result.failure_dump_available is True


def test_sdk_basic_auth_re_authenticates_through_the_transport(
    emu, emulator_transport: EmulatorTransport
) -> None:
    """The SDK's own Basic flow: a dead token gets a 401, the SDK logs in again and retries."""
    client = anaplan_sdk.Client(
        workspace_id=WORKSPACE_ID,
        model_id=MODEL_ID,
        user_email=DEMO_USER,
        password=DEMO_PASSWORD,
        token="not-a-live-token",  # skips the SDK's eager login, which bypasses `transport`
        transport=emulator_transport,
        retry_count=1,
        timeout=10,
    )
    assert [w.id for w in client.get_workspaces()] == [WORKSPACE_ID]
    sequence = [(s.host, s.path, s.status) for s in emulator_transport.seen]
    assert sequence == [
        ("api.anaplan.com", "/2/0/workspaces", 401),
        ("auth.anaplan.com", "/token/authenticate", 201),
        ("api.anaplan.com", "/2/0/workspaces", 200),
    ]


def test_static_token_and_unknown_ids(emu, emulator_transport: EmulatorTransport) -> None:
    token = fetch_token(emu.auth_url, DEMO_USER, DEMO_PASSWORD)
    client = anaplan_sdk.Client(
        workspace_id=WORKSPACE_ID,
        model_id=MODEL_ID,
        token=token,
        transport=emulator_transport,
        retry_count=1,
        timeout=10,
    )
    assert client.get_model().id == MODEL_ID
    # 404s surface as the SDK's InvalidIdentifierException (api-notes §7: unknown IDs -> 404).
    with pytest.raises(InvalidIdentifierException):
        client.get_model(MODEL_ID.lower())  # wrong case is unknown (api-notes §2.5)
    with pytest.raises(InvalidIdentifierException):
        client.get_file(113999999999)


def _assert_export_holds_our_sales(content: bytes) -> None:
    """The export CSV has a row per imported cell set, with Revenue = Units * Price."""
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    assert rows, content[:200]
    header = list(rows[0])
    product_col = next(h for h in header if h.lower().startswith("product"))
    region_col = next(h for h in header if h.lower().startswith("region"))
    got = {
        (r[product_col], r[region_col]): r for r in rows if r[product_col].startswith("Conformance")
    }
    assert set(got) == {(p, r) for p, r, *_ in SALES}
    for product, region, units, price, comment in SALES:
        row = got[(product, region)]
        assert float(row["Units"]) == units
        assert float(row["Price"]) == price
        assert float(row["Revenue"]) == pytest.approx(units * price)
        assert row["Comment"] == comment


def test_small_pages_are_fetched_in_parallel_by_offset(
    emu, emulator_transport: EmulatorTransport
) -> None:
    """The SDK pages with `limit`, then parallel `offset`s, trusting `meta.paging`
    (api-notes §2.7)."""
    client = _sdk_client(emu, emulator_transport, page_size=1)
    assert [f.id for f in client.get_files()] == sorted(
        [REGIONS_FILE, PRODUCTS_FILE, SALES_FILE, SALES_EXPORT]
    )
    assert sorted(i.id for i in client.get_imports()) == [
        REGIONS_IMPORT,
        PRODUCTS_IMPORT,
        SALES_IMPORT,
    ]
    file_pages = [s for s in emulator_transport.seen if s.path.endswith("/files")]
    assert len(file_pages) == 4  # one page per file


def test_a_token_that_dies_mid_session_is_replaced_by_the_sdk(
    emu, emulator_transport: EmulatorTransport
) -> None:
    token = fetch_token(emu.auth_url, DEMO_USER, DEMO_PASSWORD)
    client = anaplan_sdk.Client(
        workspace_id=WORKSPACE_ID,
        model_id=MODEL_ID,
        user_email=DEMO_USER,
        password=DEMO_PASSWORD,
        token=token,
        transport=emulator_transport,
        retry_count=1,
        timeout=10,
    )
    assert client.get_model().id == MODEL_ID
    emu.inject(path="*/imports", method="GET", expire_token=True, times=1)
    assert len(client.get_imports()) == 3
    statuses = [(s.host, s.status) for s in emulator_transport.seen]
    assert statuses[1:] == [
        ("api.anaplan.com", 401),
        ("auth.anaplan.com", 201),
        ("api.anaplan.com", 200),
    ]


def test_a_429_is_retried_by_the_sdk(emu, emulator_transport: EmulatorTransport) -> None:
    client = _sdk_client(emu, emulator_transport, retry_count=2, backoff=0.01)
    emu.inject(path="*/processes", method="GET", status=429, retry_after=1, times=1)
    assert [p.id for p in client.get_processes()] == [LOAD_PROCESS]
    assert [s.status for s in emulator_transport.seen] == [429, 200]


def test_async_client_lists_uploads_and_runs(emu) -> None:
    """anaplan-sdk's AsyncClient through an async transport: same emulator, same answers."""

    async def scenario() -> tuple[list[int], bytes, bool]:
        transport = AsyncEmulatorTransport(emulator_origins(emu))
        client = anaplan_sdk.AsyncClient(
            workspace_id=WORKSPACE_ID,
            model_id=MODEL_ID,
            token=fetch_token(emu.auth_url, DEMO_USER, DEMO_PASSWORD),
            transport=transport,
            status_poll_delay=0,
            upload_chunk_size=16,
            retry_count=1,
            timeout=10,
        )
        try:
            files = [f.id for f in await client.get_files()]
            content = _csv(REGIONS, ("Name", "Code"))
            await client.upload_file(REGIONS_FILE, content)
            downloaded = await client.get_file(REGIONS_FILE)
            task = await client.run_action(REGIONS_IMPORT)
            return files, downloaded, task.result.successful
        finally:
            await transport.aclose()

    files, downloaded, successful = asyncio.run(scenario())
    assert REGIONS_FILE in files and SALES_EXPORT in files
    assert downloaded == _csv(REGIONS, ("Name", "Code"))
    assert successful is True
