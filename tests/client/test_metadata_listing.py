"""Listings and metadata of the demo spec over HTTP, and paging that trusts meta.paging."""

from __future__ import annotations

from typing import Any

from pyanaplan import Client

WS_ID = "8a81b09d5e3f2c1a015e3f2c1a000001"
SALES_ID = "5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B"
FINANCE_ID = "6C3F7A1D9B8E4F2A0D4C3B2E1F0A9D8C"


def test_workspaces(client: Client) -> None:
    workspaces = client.workspaces()
    demo = [w for w in workspaces if w.id == WS_ID]
    assert demo and demo[0].name == "Demo Workspace"


def test_models_in_workspace_and_everywhere(client: Client) -> None:
    in_ws = {m.id: m.name for m in client.models()}
    assert in_ws[SALES_ID] == "Sales Planning" and in_ws[FINANCE_ID] == "Finance Sandbox"
    everywhere = {m.id for m in client.models(workspace=None)}
    assert SALES_ID in everywhere


def test_model_details_and_status(client: Client) -> None:
    model = client.model()
    assert model.id == SALES_ID and model.name == "Sales Planning"
    assert model.active_state == "UNLOCKED"
    status = client.model_status()
    assert (status.current_step, status.progress) == ("Open", -1.0)  # an open, idle model


def test_files_chunks_and_actions(client: Client) -> None:
    files = {f.name: f for f in client.files()}
    assert files["Sales.csv"].id == "113000000003"
    assert files["Regions.csv"].id == "113000000001"
    assert [(c.id, c.name) for c in client.chunks("Regions.csv")] == [("0", "Chunk 0")]
    imports = {i.name: i for i in client.imports()}
    assert imports["Sales from Sales.csv"].id == "112000000003"
    assert imports["Sales from Sales.csv"].import_data_source_id == "113000000003"
    exports = {e.name: e.id for e in client.exports()}
    assert exports["Sales Report.csv"] == "116000000001"
    actions = {a.name: a.id for a in client.actions()}
    assert actions["Delete Discontinued Products"] == "117000000001"
    processes = {p.name: p.id for p in client.processes()}
    assert processes["Load Sales and Export"] == "118000000001"


def test_object_metadata(client: Client) -> None:
    imp = client.import_metadata("Sales from Sales.csv")
    assert imp.name == "Sales from Sales.csv"
    assert imp.source is not None
    assert imp.source.header_names[:2] == ["Product", "Region"]
    exp = client.export_metadata("116000000001")
    assert exp.header_names and exp.column_count == len(exp.header_names)
    proc = client.process_metadata("load sales and export")
    assert [a.id for a in proc.actions] == [
        "112000000001",
        "112000000002",
        "112000000003",
        "116000000001",
    ]


def test_other_model_by_name(client: Client) -> None:
    files = client.files(model="Finance Sandbox")
    assert [f.name for f in files if f.id == "113000000001"] == ["CostCentres.csv"]


def test_paging_follows_server_page_size(client: Client, emu: Any) -> None:
    ref = client.model_ref()
    path = f"{ref.path}/files"
    everything = list(client.session.paged(path, "files"))
    assert len(everything) >= 3
    paged = list(client.session.paged(path, "files", params={"limit": 1}))
    assert [f["id"] for f in paged] == [f["id"] for f in everything]
    gets = [r for r in emu.requests() if r["method"] == "GET" and r["path"].endswith("/files")]
    assert len(gets) == 1 + len(everything)


def test_api_errors_name_the_object(client: Client, emu: Any) -> None:
    from pyanaplan import NotFoundError

    client.imports()
    emu.inject(path="*/imports/112000000003", method="GET", status=404, times=1)
    try:
        client.import_metadata("Sales from Sales.csv")
    except NotFoundError as exc:
        assert str(exc).startswith(
            "Import 'Sales from Sales.csv' (112000000003) in model 'Sales Planning'"
        )
        assert exc.status == 404 and exc.method == "GET"
        assert exc.url is not None and exc.url.endswith("/imports/112000000003")
        assert exc.hint
    else:
        raise AssertionError("expected NotFoundError")
