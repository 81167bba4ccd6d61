"""Catalog: API-shaped listings and metadata (api-notes §4.6.1-4.6.2)."""

from __future__ import annotations

from pyanaplan.emulator.engine import catalog
from pyanaplan.emulator.spec import Spec


def test_listings(spec: Spec) -> None:
    model = spec.models[0]
    assert catalog.list_imports(model) == [
        {
            "id": "112000000001",
            "name": "Regions from Regions.csv",
            "importDataSourceId": "113000000001",
            "importType": "HIERARCHY_DATA",
        },
        {
            "id": "112000000002",
            "name": "Products from Products.csv",
            "importDataSourceId": "113000000002",
            "importType": "HIERARCHY_DATA",
        },
        {
            "id": "112000000003",
            "name": "Sales from Sales.csv",
            "importDataSourceId": "113000000003",
            "importType": "MODULE_DATA",
        },
    ]
    assert catalog.list_exports(model) == [
        {
            "id": "116000000001",
            "name": "Sales Report.csv",
            "exportType": "TABULAR_MULTI_COLUMN",
            "exportFormat": "text/csv",
            "encoding": "UTF-8",
            "layout": "TABULAR_MULTI_COLUMN",
        }
    ]
    assert catalog.list_actions(model) == [
        {
            "id": "117000000001",
            "name": "Delete Discontinued Products",
            "actionType": "DELETE_BY_SELECTION",
        }
    ]
    assert catalog.list_processes(model) == [
        {"id": "118000000001", "name": "Load Sales and Export"}
    ]
    finance = spec.models[1]
    assert [i["name"] for i in catalog.list_imports(finance)] == [
        "Cost Centres from CostCentres.csv"
    ]
    assert catalog.list_exports(finance) == []
    assert catalog.list_processes(finance) == []


def test_import_metadata(spec: Spec) -> None:
    model = spec.models[0]
    assert catalog.import_metadata(model, "112000000002") == {
        "name": "Products from Products.csv",
        "type": "FILE",
        "source": {
            "textEncoding": "UTF-8",
            "columnSeparator": ",",
            "textDelimiter": '"',
            "headerRow": 1,
            "firstDataRow": 2,
            "decimalSeparator": ".",
            "headerNames": ["Name", "Code", "Parent", "Status"],
            "columnCount": 4,
        },
    }
    assert catalog.import_metadata(model, "112000000099") is None
    assert catalog.import_metadata(model, "116000000001") is None


def test_export_metadata_without_connection(spec: Spec) -> None:
    model = spec.models[0]
    assert catalog.export_metadata(model, "116000000001") == {
        "columnCount": 6,
        "dataTypes": ["ENTITY", "ENTITY", "NUMBER", "NUMBER", "NUMBER", "TEXT"],
        "delimiter": '"',
        "encoding": "UTF-8",
        "exportFormat": "text/csv",
        "headerNames": ["Products", "Regions", "Units", "Price", "Revenue", "Comment"],
        "layout": "TABULAR_MULTI_COLUMN",
        "listNames": ["Products", "Regions"],
        "rowCount": 0,
        "separator": ",",
    }
    assert catalog.export_metadata(model, "116000000002") is None


def test_process_metadata(spec: Spec) -> None:
    model = spec.models[0]
    plain = catalog.process_metadata(model, "118000000001")
    assert plain is not None
    assert plain["name"] == "Load Sales and Export"
    assert [a["id"] for a in plain["actions"]] == [
        "112000000001",
        "112000000002",
        "112000000003",
        "116000000001",
    ]
    assert plain["actions"][2] == {
        "id": "112000000003",
        "name": "Sales from Sales.csv",
        "actionType": "IMPORT",
        "importDataSourceId": "113000000003",
        "importType": "MODULE_DATA",
    }
    assert plain["actions"][3] == {
        "id": "116000000001",
        "name": "Sales Report.csv",
        "actionType": "EXPORT",
        "exportType": "TABULAR_MULTI_COLUMN",
        "exportFormat": "text/csv",
        "layout": "TABULAR_MULTI_COLUMN",
    }
    detailed = catalog.process_metadata(model, "118000000001", show_import_data_source=True)
    assert detailed is not None
    assert detailed["actions"][0]["importDataSource"] == {
        "importDataSourceId": "113000000001",
        "type": "FILE",
    }
    assert "importDataSource" not in detailed["actions"][3]
    assert catalog.process_metadata(model, "118000000002") is None


def test_files_and_names(spec: Spec) -> None:
    model = spec.models[0]
    assert [f.id for f in catalog.file_entries(model)] == [
        "113000000001",
        "113000000002",
        "113000000003",
    ]
    assert catalog.export_file_entries(model) == [
        {"id": "116000000001", "name": "Sales Report.csv", "firstDataRow": 0, "headerRow": 0}
    ]
    assert catalog.object_name(model, "117000000001") == "Delete Discontinued Products"
    assert catalog.object_name(model, "118000000001") == "Load Sales and Export"
    assert catalog.object_name(model, "112000000009") is None
