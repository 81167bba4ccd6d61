"""The keys of every object the CLI prints with `-o json` (and `-o csv`): one fixed set per kind.

Library objects carry whatever the server sent: pydantic models keep unknown keys, in the server's
camelCase, and their fields change when Anaplan's payloads do. A script needs keys it can rely on,
so each kind of object the CLI prints lists its snake_case keys here, always all of them (null
when unknown), nested objects included. docs/cli-output.md writes the same schemas down for
people; tests/cli/test_schemas.py checks that the two agree, that every command prints exactly
these keys, and that no library field is dropped by accident.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

_TASK_SUMMARY = ("task_id", "kind", "object_id", "object_name", "state", "progress", "created")
_IMPORT = ("id", "name", "code", "import_type", "import_data_source_id")
_EXPORT = ("id", "name", "code", "export_type", "export_format", "encoding", "layout")
_PROCESS = ("id", "name", "code")

#: Kind -> its keys, in the order they are printed.
SCHEMAS: dict[str, tuple[str, ...]] = {
    "workspace": ("id", "name", "active", "size_allowance", "current_size"),
    "model": (
        "id",
        "name",
        "active_state",
        "current_workspace_id",
        "current_workspace_name",
        "model_url",
        "memory_usage",
        "iso_creation_date",
        "last_modified",
        "last_modified_by_user_guid",
        "last_saved_serial_number",
        "model_transaction_running",
    ),
    "user": (
        "id",
        "email",
        "first_name",
        "last_name",
        "active",
        "customer_id",
        "last_login_date",
        "email_opt_in",
    ),
    "file": (
        "id",
        "name",
        "chunk_count",
        "format",
        "encoding",
        "separator",
        "delimiter",
        "header_row",
        "first_data_row",
        "code",
        "origin",
        "language",
        "country",
    ),
    "chunk": ("id", "name"),
    "import": _IMPORT,
    "import_details": (*_IMPORT, "source_type", "source"),
    "import_source": (
        "text_encoding",
        "column_separator",
        "text_delimiter",
        "decimal_separator",
        "header_row",
        "first_data_row",
        "column_count",
        "header_names",
    ),
    "export": _EXPORT,
    "export_details": (
        *_EXPORT,
        "separator",
        "delimiter",
        "column_count",
        "row_count",
        "header_names",
        "data_types",
        "list_names",
    ),
    "action": ("id", "name", "code", "action_type"),
    "process": _PROCESS,
    "process_details": (*_PROCESS, "actions"),
    "process_action": (
        "id",
        "name",
        "action_type",
        "import_data_source_id",
        "import_type",
        "export_type",
        "export_format",
        "layout",
    ),
    "task_summary": _TASK_SUMMARY,
    "task": (
        *_TASK_SUMMARY,
        "successful",
        "server_successful",
        "outcome",
        "current_step",
        "counts",
        "failure_dump_available",
        "dump_paths",
        "output_path",
        "cancelled_by",
        "warnings",
        "details",
        "nested",
    ),
    "outcome": (
        "status",
        "accepted",
        "rows_rejected",
        "rows_ignored",
        "rows_with_warnings",
        "reasons",
        "notes",
        "dumps_available",
    ),
    "counts": (
        "rows_successful",
        "rows_failed",
        "rows_ignored",
        "rows_invalid",
        "rows_with_warnings",
        "created",
        "updated",
        "total",
    ),
    "detail": ("type", "message", "occurrences", "values"),
    "upload": (
        "file_id",
        "file_name",
        "size",
        "chunks",
        "chunks_sent",
        "chunks_skipped",
        "compressed_bytes",
        "elapsed_s",
        "sha256",
    ),
    "download": (
        "file_id",
        "file_name",
        "path",
        "size",
        "chunks",
        "chunks_skipped",
        "elapsed_s",
        "sha256",
    ),
    "delete": ("file_id", "file_name", "deleted"),
}

# (kind, key) -> the kind of the nested object (or of each item of a nested list).
_NESTED: dict[tuple[str, str], str] = {
    ("import_details", "source"): "import_source",
    ("process_details", "actions"): "process_action",
    ("task", "outcome"): "outcome",
    ("task", "counts"): "counts",
    ("task", "details"): "detail",
    ("task", "nested"): "task",
}


def to_jsonable(value: Any) -> Any:
    """Turn library results (pydantic models, dataclasses, paths, enums) into plain JSON data."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return to_jsonable(dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return str(value)


def iso_utc(epoch_ms: Any) -> str | None:
    """Epoch milliseconds (Anaplan's `creationTime`) as ISO 8601 UTC, e.g. 2026-01-31T09:05:00Z."""
    if not isinstance(epoch_ms, int | float) or isinstance(epoch_ms, bool):
        return None
    when = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _task_fields(data: dict[str, Any]) -> dict[str, Any]:
    # TaskResult says `creation_time_ms`, a task list entry `task_state` and `creation_time`.
    data.setdefault("state", data.get("task_state"))
    millis = data.get("creation_time_ms", data.get("creation_time"))
    data["created"] = iso_utc(millis)
    return data


_DERIVED: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "task": _task_fields,
    "task_summary": _task_fields,
}


def shape(kind: str, value: Any) -> dict[str, Any]:
    """`value` (a library object or a dict) as the documented object of `kind`.

    Every key of the schema is present (None when the value has nothing for it); anything else
    the value carries is left out.
    """
    data = to_jsonable(value)
    if not isinstance(data, dict):
        data = {}
    derive = _DERIVED.get(kind)
    if derive is not None:
        data = derive(dict(data))
    out: dict[str, Any] = {}
    for key in SCHEMAS[kind]:
        item = data.get(key)
        nested = _NESTED.get((kind, key))
        if nested is not None and isinstance(item, list):
            item = [shape(nested, entry) for entry in item]
        elif nested is not None and isinstance(item, dict):
            item = shape(nested, item)
        out[key] = item
    return out


__all__ = ["SCHEMAS", "iso_utc", "shape", "to_jsonable"]
