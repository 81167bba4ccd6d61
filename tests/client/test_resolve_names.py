"""Name-or-ID lookup over HTTP: IDs, names, case, candidates, caching, and upload safety."""

from __future__ import annotations

from typing import Any

import pytest

from pyanaplan import Client, ConfigError, NameNotFoundError

SALES_ID = "5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B"
WS_ID = "8a81b09d5e3f2c1a015e3f2c1a000001"


def test_workspace_and_model_by_id_or_any_case(client: Client) -> None:
    ref = client.model_ref("sales planning", workspace="DEMO WORKSPACE")
    assert (ref.workspace_id, ref.model_id) == (WS_ID, SALES_ID)
    assert client.model_ref(SALES_ID, workspace=WS_ID).model_name == "Sales Planning"
    assert client.model_ref(SALES_ID.lower()).model_id == SALES_ID


def test_model_without_workspace_uses_its_own(make_client: Any, emu: Any) -> None:
    user, password = emu.users[0]
    c = make_client(user=user, password=password)
    ref = c.model_ref("Finance Sandbox")
    assert ref.workspace_id == WS_ID and ref.model_name == "Finance Sandbox"


def test_same_file_id_in_two_models_resolves_per_model(client: Client) -> None:
    assert client.resolve("file", "113000000001").name == "Regions.csv"
    assert client.resolve("file", "113000000001", model="Finance Sandbox").name == "CostCentres.csv"
    with pytest.raises(NameNotFoundError):
        client.resolve("file", "CostCentres.csv")  # exists only in the other model


def test_not_found_names_candidates(client: Client) -> None:
    with pytest.raises(NameNotFoundError) as info:
        client.run_import("Sales from Sales.cvs")
    error = info.value
    assert error.kind == "import"
    assert ("Sales from Sales.csv", "112000000003") in error.candidates
    assert "Sales Planning" in str(error) and "112000000003" in str(error)


def test_unknown_model_lists_closest(client: Client) -> None:
    with pytest.raises(NameNotFoundError) as info:
        client.files(model="Sales Planing")
    assert info.value.candidates[0].id == SALES_ID


def test_listing_is_cached_per_client(client: Client, emu: Any) -> None:
    client.resolve("import", "Regions from Regions.csv")
    client.resolve("import", "112000000002")
    client.resolve("import", "sales from sales.csv")
    lists = [r for r in emu.requests() if r["method"] == "GET" and r["path"].endswith("/imports")]
    assert len(lists) == 1


def test_upload_to_unknown_file_refuses_without_create(client: Client, emu: Any) -> None:
    with pytest.raises(NameNotFoundError) as info:
        client.upload(b"a,b\n1,2\n", file="Sales.cvs")
    assert "create=True" in info.value.hint
    assert ("Sales.csv", "113000000003") in info.value.candidates
    writes = [r for r in emu.requests() if r["method"] in ("POST", "PUT")]
    assert [r["path"] for r in writes if "/files/" in r["path"]] == []


def test_upload_from_bytes_needs_a_name(client: Client) -> None:
    with pytest.raises(ConfigError, match="file name"):
        client.upload(b"x")


def test_upload_with_create_then_name_resolves(client: Client, emu: Any) -> None:
    client.files()  # the file listing is now cached
    result = client.upload(b"Name,Code\nX,Y\n", file="Brand New.csv", create=True)
    assert result.file_id.startswith("113") and result.file_id != "113000000003"
    assert client.resolve("file", "brand new.csv").id == result.file_id
    # A second upload by name goes to the same file instead of creating another one.
    again = client.upload(b"Name,Code\nZ,W\n", file="Brand New.csv")
    assert again.file_id == result.file_id
    assert [f.name for f in client.files()].count("Brand New.csv") == 1


def test_workspace_given_by_id_skips_the_workspace_listing(emu: Any, make_client: Any) -> None:
    """One listing (the workspace's models) resolves the model; its names still come back."""
    user, password = emu.users[0]
    c = make_client(user=user, password=password)
    emu.reset()  # clear the request log of the sign-in
    ref = c.model_ref("Sales Planning", workspace="8a81b09d5e3f2c1a015e3f2c1a000001")
    gets = [r["path"] for r in emu.requests() if r["method"] == "GET"]
    assert gets == ["/2/0/workspaces/8a81b09d5e3f2c1a015e3f2c1a000001/models"]
    assert ref.workspace_name == "Demo Workspace"
    assert ref.model_id == "5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B"


def test_unknown_model_in_a_workspace_id_still_names_the_workspace(
    emu: Any, make_client: Any
) -> None:
    user, password = emu.users[0]
    c = make_client(user=user, password=password)
    with pytest.raises(NameNotFoundError) as info:
        c.model_ref("Sales Plan", workspace="8a81b09d5e3f2c1a015e3f2c1a000001")
    assert "Demo Workspace" in str(info.value)
    assert "Sales Planning" in str(info.value)  # the closest match is offered
