"""Models accept what Anaplan sends: extra keys, new enum values, numeric IDs, omitted lists."""

from __future__ import annotations

from pyanaplan.models import (
    Action,
    Chunk,
    Export,
    ExportMetadata,
    File,
    Import,
    ImportMetadata,
    Model,
    ModelStatus,
    Process,
    ProcessMetadata,
    User,
    Workspace,
)


def test_user_from_docs_example() -> None:
    user = User.model_validate(
        {
            "id": "8a8b844a477d5da70147d150ee080b17",
            "active": True,
            "email": "a.user@anaplan.com",
            "emailOptIn": True,
            "firstName": "A",
            "lastName": "User",
            "lastLoginDate": "2017-09-07T08:05:37.000+0000",
            "brandNew": {"x": 1},
        }
    )
    assert user.first_name == "A" and user.customer_id is None
    assert user.model_extra == {"brandNew": {"x": 1}}


def test_workspace_without_tenant_details() -> None:
    ws = Workspace.model_validate({"id": "8a8b8c8d8e8f8g8i", "name": "FP", "active": True})
    assert ws.size_allowance is None and ws.current_size is None


def test_model_keeps_unknown_state_and_defaults_lists() -> None:
    model = Model.model_validate(
        {"id": "FC12", "name": "FP&A", "activeState": "HIBERNATING", "categoryValues": None}
    )
    assert model.active_state == "HIBERNATING"
    assert model.category_values == []
    assert Model.model_validate({"id": "A"}).category_values == []


def test_model_status_bare_and_enveloped() -> None:
    bare = {
        "requestStatus": {
            "tooltip": None,
            "progress": -1.0,
            "currentStep": "Closed",
            "exportTaskType": None,
            "creationTime": 1786576465308,
            "taskId": "6EB7F52C07CA4E86909A213C608765A1-11",
        }
    }
    status = ModelStatus.from_response(bare)
    assert status.current_step == "Closed" and status.progress == -1.0
    assert status.task_id == "6EB7F52C07CA4E86909A213C608765A1-11"
    enveloped = {
        "meta": {},
        "status": {"code": 200, "message": "Success"},
        "requestStatus": {"currentStep": "Processing ...", "progress": 0.44},
    }
    assert ModelStatus.from_response(enveloped).progress == 0.44
    assert ModelStatus.from_response({}).current_step is None


def test_numeric_ids_become_strings_without_float() -> None:
    f = File.model_validate({"id": 113000000008, "name": "Tests.txt", "chunkCount": 1})
    assert f.id == "113000000008" and f.chunk_count == 1
    assert Chunk.model_validate({"id": 0}).id == "0"


def test_export_output_file_lacks_text_fields() -> None:
    f = File.model_validate(
        {"id": "116000000001", "name": "x.xls", "chunkCount": 1, "firstDataRow": 0, "headerRow": 0}
    )
    assert f.separator is None and f.encoding is None


def test_file_chunk_count_defaults_to_zero() -> None:
    assert File.model_validate({"id": "113", "name": "n"}).chunk_count == 0


def test_action_listing_shapes() -> None:
    imp = Import.model_validate(
        {
            "id": "112000000007",
            "name": "ORG",
            "importDataSourceId": "",
            "importType": "SOMETHING_NEW",
        }
    )
    assert imp.import_data_source_id is None and imp.import_type == "SOMETHING_NEW"
    exp = Export.model_validate({"id": "116000000000", "name": "e", "exportType": "GRID_ALL_PAGES"})
    assert exp.layout is None
    assert (
        Action.model_validate({"id": "117", "name": "d", "actionType": "NEW_KIND"}).action_type
        == "NEW_KIND"
    )
    assert Process.model_validate({"id": 118000000070, "name": "Wakeup"}).id == "118000000070"


def test_metadata_models() -> None:
    meta = ImportMetadata.model_validate(
        {
            "name": "Employees",
            "type": "FILE",
            "source": {
                "textEncoding": "ISO-8859-1",
                "columnSeparator": "\t",
                "headerRow": 1,
                "headerNames": ["Name", "Code"],
                "columnCount": 14,
            },
        }
    )
    assert meta.source is not None and meta.source.header_names == ["Name", "Code"]
    assert ImportMetadata.model_validate({"name": "m", "type": "MODEL"}).source is None
    em = ExportMetadata.model_validate({"columnCount": 3, "dataTypes": ["ENTITY", "FANCY_NEW"]})
    assert em.data_types == ["ENTITY", "FANCY_NEW"] and em.header_names == []
    pm = ProcessMetadata.model_validate(
        {
            "name": "P",
            "actions": [
                {
                    "id": 112000000000,
                    "name": "a",
                    "actionType": "IMPORT",
                    "importDataSource": {"type": "FILE"},
                }
            ],
        }
    )
    assert pm.actions[0].id == "112000000000" and pm.actions[0].action_type == "IMPORT"
    assert ProcessMetadata.model_validate({"name": "empty"}).actions == []
