"""Spec loading: the demo's fixed names and IDs, and one clear message per validation problem."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from pyanaplan.emulator.spec import EmulatorSpecError, Spec, load_spec, parse_spec

DEMO_TEXT = (Path(__file__).parents[3] / "src/pyanaplan/emulator/specs/demo.yaml").read_text()


def _demo_data() -> dict[str, Any]:
    return yaml.safe_load(DEMO_TEXT)


def _problems(data: dict[str, Any], tmp_path: Path) -> list[str]:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(EmulatorSpecError) as info:
        load_spec(path)
    return info.value.problems


def test_demo_spec_has_the_fixed_names_and_ids(spec: Spec) -> None:
    assert spec.customer_id == "8a81b01c6f3a4b2c9d0e1f2a3b4c5d6e"
    assert [(u.email, u.password, u.id) for u in spec.users] == [
        ("demo@pyanaplan.example", "demo-password", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
        ("analyst@pyanaplan.example", "analyst-password", "1a1b2c3d4e5f60718293a4b5c6d7e8f9"),
    ]
    (workspace,) = spec.workspaces
    assert (workspace.id, workspace.name) == ("8a81b09d5e3f2c1a015e3f2c1a000001", "Demo Workspace")
    assert set(workspace.members) == {u.email for u in spec.users}
    sales, finance = spec.models
    assert (sales.id, sales.name) == ("5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B", "Sales Planning")
    assert (finance.id, finance.name) == ("6C3F7A1D9B8E4F2A0D4C3B2E1F0A9D8C", "Finance Sandbox")
    assert [(x.id, x.name) for x in sales.lists] == [
        ("101000000001", "Regions"),
        ("101000000002", "Product Families"),
        ("101000000003", "Products"),
    ]
    assert [(x.id, x.name) for x in sales.modules] == [("102000000001", "Sales")]
    assert [(x.id, x.name) for x in sales.files] == [
        ("113000000001", "Regions.csv"),
        ("113000000002", "Products.csv"),
        ("113000000003", "Sales.csv"),
    ]
    assert [(x.id, x.name) for x in sales.imports] == [
        ("112000000001", "Regions from Regions.csv"),
        ("112000000002", "Products from Products.csv"),
        ("112000000003", "Sales from Sales.csv"),
    ]
    assert [(x.id, x.name) for x in sales.exports] == [("116000000001", "Sales Report.csv")]
    assert [(x.id, x.name) for x in sales.actions] == [
        ("117000000001", "Delete Discontinued Products")
    ]
    (process,) = sales.processes
    assert (process.id, process.name) == ("118000000001", "Load Sales and Export")
    assert process.actions == ("112000000001", "112000000002", "112000000003", "116000000001")
    assert [(x.id, x.name) for x in finance.lists] == [("101000000001", "Cost Centres")]
    assert [(x.id, x.name) for x in finance.files] == [("113000000001", "CostCentres.csv")]
    assert [(x.id, x.name) for x in finance.imports] == [
        ("112000000001", "Cost Centres from CostCentres.csv")
    ]
    assert spec.settings.task_steps == 3
    assert spec.settings.legacy_certificate_auth == "accept"
    assert spec.settings.oauth_auto_approve is False
    assert spec.settings.rejected_rows_successful is False


def test_demo_data_is_realistic(spec: Spec) -> None:
    sales = spec.models[0]
    regions, families, products = sales.lists
    assert len(regions.items) == 8 and all(i.code for i in regions.items)
    assert len(families.items) == 4
    assert len(products.items) == 20
    assert all(i.parent in {f.name for f in families.items} for i in products.items)
    statuses = [i.properties["Status"] for i in products.items]
    assert "Discontinued" in statuses and "Active" in statuses
    module = sales.modules[0]
    assert module.dimensions == ("Products", "Regions")
    assert [li.name for li in module.line_items] == ["Units", "Price", "Revenue", "Comment"]
    assert module.line_item("Revenue").formula == "Units * Price"


def test_file_headers_match_the_documented_columns(spec: Spec) -> None:
    files = {f.name: f for f in spec.models[0].files}
    assert files["Regions.csv"].header_names == ("Name", "Code")
    assert files["Products.csv"].header_names == ("Name", "Code", "Parent", "Status")
    assert files["Sales.csv"].header_names == ("Product", "Region", "Units", "Price", "Comment")
    assert files["Sales.csv"].default_content.startswith(b"Product,Region,Units,Price,Comment\n")
    assert files["Regions.csv"].api_dict() == {
        "id": "113000000001",
        "name": "Regions.csv",
        "delimiter": '"',
        "encoding": "UTF-8",
        "firstDataRow": 2,
        "format": "txt",
        "headerRow": 1,
        "separator": ",",
    }


def test_passwords_stay_out_of_repr(spec: Spec) -> None:
    assert "demo-password" not in repr(spec.users[0])
    assert "demo-password" not in repr(spec)


def test_load_from_a_path_resolves_relative_files(tmp_path: Path) -> None:
    data = _demo_data()
    (tmp_path / "regions.csv").write_bytes(b"Name,Code\nArctic,ARC\n")
    (tmp_path / "demo-cert.pem").write_text("-----BEGIN CERTIFICATE-----\nMIIB\n")
    region_file = data["models"][0]["files"][0]
    del region_file["default_content"]
    region_file["default_content_file"] = "regions.csv"
    data["users"][0]["certificates"] = ["demo-cert.pem"]
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    spec = load_spec(path)
    assert spec.models[0].files[0].default_content == b"Name,Code\nArctic,ARC\n"
    assert spec.users[0].certificates == ("-----BEGIN CERTIFICATE-----\nMIIB\n",)
    assert spec.source == str(path)


def _set(data: dict[str, Any], path: list[Any], value: Any) -> None:
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            ["models", 0, "imports", 2, "source"],
            "113000000009",
            "models.0.imports.2.source: no file with id 113000000009",
        ),
        (
            ["workspaces", 0, "id"],
            "8A81B09D5E3F2C1A015E3F2C1A000001",
            "workspaces.0.id: workspace id '8A81B09D5E3F2C1A015E3F2C1A000001' "
            "must be 32 lowercase hex digits",
        ),
        (
            ["users", 1, "id"],
            "1a1b2c3d",
            "users.1.id: user id '1a1b2c3d' must be 32 lowercase hex digits",
        ),
        (
            ["models", 1, "id"],
            "6c3f7a1d9b8e4f2a0d4c3b2e1f0a9d8c",
            "models.1.id: model id '6c3f7a1d9b8e4f2a0d4c3b2e1f0a9d8c' "
            "must be 32 uppercase hex digits",
        ),
        (
            ["models", 0, "lists", 0, "id"],
            "102000000001",
            "models.0.lists.0.id: list id '102000000001' must be 12 digits starting 101",
        ),
        (
            ["models", 0, "exports", 0, "id"],
            "112000000009",
            "models.0.exports.0.id: export id '112000000009' must be 12 digits starting 116",
        ),
        (
            ["models", 0, "processes", 0, "id"],
            "11800000001",
            "models.0.processes.0.id: process id '11800000001' must be 12 digits starting 118",
        ),
        (
            ["workspaces", 0, "members", 1],
            "nobody@pyanaplan.example",
            "workspaces.0.members.1: no user with email 'nobody@pyanaplan.example'",
        ),
        (
            ["models", 0, "workspace"],
            "8a81b09d5e3f2c1a015e3f2c1a000009",
            "models.0.workspace: no workspace with id 8a81b09d5e3f2c1a015e3f2c1a000009",
        ),
        (
            ["models", 0, "lists", 2, "items", 0, "parent"],
            "Trikes",
            "models.0.lists.2.items.0.parent: no item 'Trikes' in list 'Product Families'",
        ),
        (
            ["models", 0, "lists", 2, "parent_list"],
            "Families",
            "models.0.lists.2.parent_list: no list named 'Families'",
        ),
        (
            ["models", 0, "modules", 0, "dimensions", 1],
            "Territories",
            "models.0.modules.0.dimensions.1: no list named 'Territories'",
        ),
        (
            ["models", 0, "modules", 0, "line_items", 2, "formula"],
            "Units * Cost",
            "models.0.modules.0.line_items.2.formula: "
            "formula 'Units * Cost' references unknown line item 'Cost'",
        ),
        (
            ["models", 0, "modules", 0, "line_items", 3, "format"],
            "colour",
            "models.0.modules.0.line_items.3.format: "
            "must be one of number, text, boolean, date, list",
        ),
        (
            ["models", 0, "imports", 2, "mapping", "Units"],
            "Revenue",
            "models.0.imports.2.mapping.Units: line item 'Revenue' is calculated",
        ),
        (
            ["models", 0, "imports", 1, "mapping", "Status"],
            "Colour",
            "models.0.imports.1.mapping.Status: 'Colour' is not name, code, parent or a property",
        ),
        (
            ["models", 0, "imports", 0, "target"],
            {"list": "Territories"},
            "models.0.imports.0.target.list: no list named 'Territories'",
        ),
        (
            ["models", 0, "imports", 0, "target"],
            {"list": "Regions", "module": "Sales"},
            "models.0.imports.0.target: give exactly one of list or module",
        ),
        (
            ["models", 0, "files", 0, "encoding"],
            "EBCDIC-9000",
            "models.0.files.0.encoding: unknown encoding 'EBCDIC-9000'",
        ),
        (
            ["models", 0, "files", 0, "separator"],
            ";;",
            "models.0.files.0.separator: must be a single character or empty",
        ),
        (
            ["models", 0, "files", 0, "first_data_row"],
            1,
            "models.0.files.0.first_data_row: must come after header_row",
        ),
        (
            ["models", 0, "exports", 0, "layout"],
            "PIVOT",
            "models.0.exports.0.layout: must be one of TABULAR_MULTI_COLUMN, "
            "TABULAR_SINGLE_COLUMN, GRID_ALL_PAGES, GRID_CURRENT_PAGE, "
            "TABULAR_ALL_LINE_ITEMS, TABULAR_CURRENT_LINE_ITEM",
        ),
        (
            ["models", 0, "actions", 0, "where", "property"],
            "Colour",
            "models.0.actions.0.where.property: 'Colour' is not a property of 'Products'",
        ),
        (
            ["models", 0, "processes", 0, "actions", 1],
            "112000000042",
            "models.0.processes.0.actions.1: no import, export or action with id 112000000042",
        ),
        (
            ["models", 0, "lists", 1, "id"],
            "101000000001",
            "models.0.lists.1.id: duplicate list id '101000000001'",
        ),
        (
            ["settings", "legacy_certificate_auth"],
            "maybe",
            "settings.legacy_certificate_auth: must be 'accept' or 'reject'",
        ),
        (
            ["settings", "task_steps"],
            -1,
            "settings.task_steps: must be a non-negative integer",
        ),
        (
            ["settings", "rejected_rows_successful"],
            "sometimes",
            "settings.rejected_rows_successful: must be true or false",
        ),
        (
            ["models", 0, "imports", 0, "mapping"],
            {"Region": "name", "Code": "code"},
            "models.0.imports.0.mapping.Region: no column 'Region' in the header of Regions.csv",
        ),
        (
            ["models", 0, "state"],
            "OPEN",
            "models.0.state: must be one of UNLOCKED, LOCKED, ARCHIVED, PRODUCTION, "
            "MAINTENANCE, PRODUCTION_MAINTENANCE, ACTIVE",
        ),
        (
            ["users", 0, "certificates"],
            ["missing.pem"],
            "users.0.certificates.0: cannot read certificate file 'missing.pem'",
        ),
        (
            ["models", 0, "lists", 0, "itemz"],
            [],
            "models.0.lists.0.itemz: unknown field",
        ),
        (
            ["models", 0, "modules", 0, "cells", 0, "Regions"],
            "Atlantis",
            "models.0.modules.0.cells.0.Regions: no item 'Atlantis' in list 'Regions'",
        ),
    ],
)
def test_each_problem_has_one_clear_message(
    tmp_path: Path, path: list[Any], value: Any, expected: str
) -> None:
    data = _demo_data()
    _set(data, path, value)
    problems = _problems(data, tmp_path)
    # The problem itself comes first; a few may follow from it (a renamed dimension also
    # orphans the seeded cells that name it). OS error texts vary, so match the start.
    assert problems[0].startswith(expected)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = _demo_data()
    data["models"][0]["imports"][2]["source"] = "113000000009"
    data["models"][1]["id"] = "not-an-id"
    problems = _problems(data, tmp_path)
    assert len(problems) == 2
    with pytest.raises(EmulatorSpecError, match=r"2 problem\(s\)"):
        load_spec(tmp_path / "spec.yaml")


def test_parent_list_cycles_are_rejected(tmp_path: Path) -> None:
    data = _demo_data()
    families = data["models"][0]["lists"][1]
    families["parent_list"] = "Products"
    problems = _problems(data, tmp_path)
    assert "models.0.lists.1.parent_list: parent lists form a cycle" in problems


def test_missing_default_content_file_is_reported(tmp_path: Path) -> None:
    data = _demo_data()
    region_file = data["models"][0]["files"][0]
    del region_file["default_content"]
    region_file["default_content_file"] = "nowhere.csv"
    (problem,) = _problems(data, tmp_path)
    assert problem.startswith("models.0.files.0.default_content_file: cannot read 'nowhere.csv'")


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(EmulatorSpecError, match="cannot read"):
        load_spec(tmp_path / "absent.yaml")
    with pytest.raises(EmulatorSpecError, match="not valid YAML"):
        parse_spec("models: [unclosed", base_dir=tmp_path)
    with pytest.raises(EmulatorSpecError) as info:
        parse_spec("- just a list", base_dir=tmp_path)
    assert info.value.problems == ["spec: must be a mapping"]


def test_integer_ids_in_yaml_are_accepted_as_strings(tmp_path: Path) -> None:
    data = _demo_data()
    data["models"][0]["processes"][0]["actions"] = [112000000001, 116000000001]
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    spec = load_spec(path)
    assert spec.models[0].processes[0].actions == ("112000000001", "116000000001")


def test_an_empty_value_counts_as_not_given(tmp_path: Path) -> None:
    data = _demo_data()
    data["models"][0]["actions"] = None  # `actions:` with nothing under it
    data["users"][0]["first_name"] = None
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    spec = load_spec(path)
    assert spec.models[0].actions == ()
    assert spec.users[0].first_name == ""


def test_seeded_values_are_text_whatever_yaml_made_of_them(tmp_path: Path) -> None:
    data = _demo_data()
    cell = data["models"][0]["modules"][0]["cells"][0]
    cell["Comment"] = date(2024, 1, 5)  # written unquoted, read back as a date
    cell["Units"] = 12
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    seeded = load_spec(path).models[0].modules[0].cells[0]
    assert (seeded["Comment"], seeded["Units"]) == ("2024-01-05", "12")


def test_the_source_name_is_not_part_of_the_yaml(tmp_path: Path) -> None:
    data = _demo_data()
    data["source"] = "elsewhere.yaml"
    assert _problems(data, tmp_path) == ["source: unknown field"]


def test_a_rejected_value_is_not_echoed(tmp_path: Path) -> None:
    data = _demo_data()
    data["users"][0]["password"] = {"secret": "hunter2"}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(EmulatorSpecError) as info:
        load_spec(path)
    assert info.value.problems == ["users.0.password: must be a string"]
    # Not in the message, nor in the chained pydantic error a traceback (-v) would show.
    assert "hunter2" not in str(info.value)
    assert "hunter2" not in str(info.value.__cause__)


def test_references_are_checked_once_the_model_is_valid_itself(tmp_path: Path) -> None:
    # A model's cross-references need its objects typed; another model's are still checked.
    data = _demo_data()
    data["models"][0]["lists"][0]["itemz"] = []
    data["models"][0]["imports"][2]["source"] = "113000000009"
    data["models"][1]["imports"][0]["source"] = "113000000009"
    assert _problems(data, tmp_path) == [
        "models.0.lists.0.itemz: unknown field",
        "models.1.imports.0.source: no file with id 113000000009",
    ]


def test_the_spec_is_frozen(spec: Spec) -> None:
    with pytest.raises(ValidationError):
        spec.models[0].name = "Renamed"  # type: ignore[misc]
