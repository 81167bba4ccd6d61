"""The OpenAPI validation helper itself: conversion, matching, and the deviation file's shape.

These run without an emulator; `test_openapi.py` uses the helper against live responses. The
ones that need the OpenAPI documents skip without env `PYANAPLAN_OPENAPI_DIR`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openapi_validation import (
    NoSchemaError,
    OpenApiCatalog,
    _convert,
    load_deviations,
)


def test_integration_4xx_without_a_documented_body_uses_the_error_envelope(
    catalog: OpenApiCatalog,
) -> None:
    path = "/2/0/workspaces/w/models/M/files/113000000001"  # its 404 is documented bodiless
    good = {"status": {"code": 404, "message": "Not Found"}, "path": path, "timestamp": "x"}
    assert catalog.validate("GET", path, 404, good)[1] == []
    issues = catalog.validate("GET", path, 404, {"error": "not found"})[1]
    assert [(i.instance_path, i.keyword) for i in issues] == [("", "required")]


def test_nullable_becomes_a_null_type_and_enum_member() -> None:
    converted = _convert(
        {"type": "string", "nullable": True, "enum": ["A"], "example": "A", "format": "x"}
    )
    assert converted == {"type": ["string", "null"], "enum": ["A", None], "format": "x"}
    assert _convert({"$ref": "#/x", "nullable": True}) == {
        "anyOf": [{"$ref": "#/x"}, {"type": "null"}]
    }


def test_model_status_nullables_accept_null_and_reject_wrong_types(
    catalog: OpenApiCatalog,
) -> None:
    body = {"requestStatus": {"taskId": None, "tooltip": None, "progress": -1.0}}
    assert catalog.validate("GET", "/2/0/models/ABC/status", 200, body)[1] == []
    body["requestStatus"]["progress"] = "-1"
    issues = catalog.validate("GET", "/2/0/models/ABC/status", 200, body)[1]
    assert [(i.instance_path, i.keyword) for i in issues] == [("/requestStatus/progress", "type")]


def test_most_specific_template_wins_and_trailing_slash_is_ignored(
    catalog: OpenApiCatalog,
) -> None:
    ws, model = "8a81b09d5e3f2c1a015e3f2c1a000001", "5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B"
    template, _ = catalog.validate("GET", "/2/0/users/me", 200, {"user": {}})
    assert template == "/2/0/users/me"  # not /2/0/users/{userId}
    template, _ = catalog.validate(
        "GET", f"/2/0/workspaces/{ws}/models/{model}/imports/", 200, {"imports": []}
    )
    assert template == "/2/0/workspaces/{workspaceId}/models/{modelId}/imports"


def test_recursive_refs_resolve_for_nested_task_results(catalog: OpenApiCatalog) -> None:
    path = "/2/0/workspaces/w/models/M/processes/118000000001/tasks/T"
    nested = {"successful": True, "nestedResults": [{"successful": "yes"}]}
    issues = catalog.validate("GET", path, 200, {"task": {"result": nested}})[1]
    assert [(i.instance_path, i.keyword) for i in issues] == [
        ("/task/result/nestedResults/*/successful", "type")
    ]


def test_uuid_format_is_checked_but_date_time_is_not(catalog: OpenApiCatalog) -> None:
    body = {"tokenInfo": {"tokenId": "not-a-uuid"}}
    issues = catalog.validate("POST", "/token/authenticate", 201, body)[1]
    assert [i.keyword for i in issues] == ["format"]
    # Anaplan's own "+0000" timestamps are not RFC 3339; the schema's date-time is not enforced.
    user = {"user": {"lastLoginDate": "2017-09-07T08:05:37.000+0000"}}
    assert catalog.validate("GET", "/2/0/users/me", 200, user)[1] == []


def test_undocumented_status_and_unknown_operation_raise(catalog: OpenApiCatalog) -> None:
    with pytest.raises(NoSchemaError):
        catalog.validate("GET", "/2/0/users/me", 500, {})
    with pytest.raises(NoSchemaError):  # auth-service 4xx have their own, documented schemas
        catalog.validate("POST", "/token/authenticate", 404, {})
    with pytest.raises(NoSchemaError):
        catalog.validate("GET", "/2/0/nowhere/at/all", 200, {})
    with pytest.raises(NoSchemaError):  # 204: no JSON body is described
        catalog.validate("PUT", "/2/0/workspaces/w/models/M/files/113000000001", 204, {})


def test_every_json_example_in_the_openapi_validates_against_its_own_schema(
    catalog: OpenApiCatalog, openapi_dir: Path
) -> None:
    """A guard on the converter: the documents' own examples must pass (83 of them)."""
    checked = 0
    for filename, prefix in (
        ("integration-openapi.json", "/2/0"),
        ("authentication-openapi.json", ""),
        ("oauth-openapi.json", ""),
    ):
        document = json.loads((openapi_dir / filename).read_text(encoding="utf-8"))
        for raw_path, item in document["paths"].items():
            operations = {m: op for m, op in item.items() if m in ("get", "post", "put", "delete")}
            for method, op in operations.items():
                for status, response in op.get("responses", {}).items():
                    media = response.get("content", {}).get("application/json", {})
                    if "example" not in media:
                        continue
                    _, issues = catalog.validate(
                        method.upper(), prefix + raw_path, int(status), media["example"]
                    )
                    assert issues == [], [i.describe() for i in issues]
                    checked += 1
    assert checked >= 80


def test_deviation_file_rows_name_real_operations_and_have_reasons(
    catalog: OpenApiCatalog,
) -> None:
    doc = load_deviations()
    assert doc.deviations, "docs/emulator-deviations.md lists no schema deviations"
    for deviation in doc.deviations:
        op = catalog.find_template(deviation.method, deviation.template)
        assert op is not None, f"unknown operation in deviation file: {deviation}"
        catalog.response_schema(op, deviation.status)  # raises when the status has no schema
        assert len(deviation.reason) > 20, f"deviation without a real reason: {deviation}"
    for entry in doc.borrowed:
        own = catalog.find_template(entry.method, entry.template)
        if own is not None:
            with pytest.raises(NoSchemaError):  # described after all? then drop the stand-in
                catalog.response_schema(own, entry.status)
        op = catalog.find_template(entry.as_method, entry.as_template)
        assert op is not None, f"unknown stand-in operation: {entry}"
        catalog.response_schema(op, entry.as_status)
        assert len(entry.reason) > 20
