"""Import, export, action and process definitions rendered as API dicts (api-notes §4.6.1-4.6.2).

Listing functions return the entries of the ``imports``/``exports``/``actions``/``processes``
arrays in spec order (routes page and sort them). Metadata functions return the *content* of the
``importMetadata``/``exportMetadata``/``processMetadata`` key, or None for an unknown ID (the route
decides the status: api-notes §4.6.2 notes a made-up import ID gives 500 live).

Files: `file_entries` returns the model's data-source `FileSpec` objects (typed attributes id,
name, separator, delimiter, encoding, header_row, first_data_row, format, default_content;
``api_dict()`` renders the api-notes §4.4 entry without ``chunkCount``), and `export_file_entries`
the export output files (ID = export ID, api-notes §2.5), which carry no
delimiter/encoding/format/separator.
"""

from __future__ import annotations

from typing import Any

from pyanaplan.emulator.engine.exports import export_columns, export_row_count
from pyanaplan.emulator.spec import ExportSpec, FileSpec, ImportSpec, ModelSpec
from pyanaplan.emulator.storage.model_store import ModelReader


def list_imports(model_spec: ModelSpec) -> list[dict[str, Any]]:
    """``imports[]`` entries: id, name, importDataSourceId, importType."""
    return [_import_entry(imp) for imp in model_spec.imports]


def import_metadata(model_spec: ModelSpec, import_id: str) -> dict[str, Any] | None:
    """``importMetadata`` content for a file import, or None when the ID is unknown."""
    imp = model_spec.import_(import_id)
    if imp is None:
        return None
    source = model_spec.file(imp.source)
    if source is None:  # validated at load time; kept for type narrowing
        return {"name": imp.name, "type": "FILE"}
    headers = model_spec.header_names(source)
    return {
        "name": imp.name,
        "type": "FILE",
        "source": {
            "textEncoding": source.encoding,
            "columnSeparator": source.separator,
            "textDelimiter": source.delimiter,
            "headerRow": source.header_row,
            "firstDataRow": source.first_data_row,
            "decimalSeparator": ".",
            "headerNames": list(headers),
            "columnCount": len(headers),
        },
    }


def list_exports(model_spec: ModelSpec) -> list[dict[str, Any]]:
    """``exports[]`` entries: id, name, exportType, exportFormat, encoding, layout
    (api-notes §4.6.1)."""
    return [_export_entry(exp) for exp in model_spec.exports]


def export_metadata(
    model_spec: ModelSpec, export_id: str, data: ModelReader | None = None
) -> dict[str, Any] | None:
    """``exportMetadata`` content, or None when the ID is unknown.

    Args:
        model_spec: The model.
        export_id: The export's ID.
        data: When given, ``rowCount`` is the number of rows the export would write now;
            otherwise 0.
    """
    exp = model_spec.export(export_id)
    if exp is None:
        return None
    columns = export_columns(model_spec, exp)
    return {
        "columnCount": len(columns),
        "dataTypes": [data_type for _, data_type in columns],
        "delimiter": exp.delimiter,
        "encoding": exp.encoding,
        "exportFormat": exp.export_format,
        "headerNames": [header for header, _ in columns],
        "layout": exp.layout,
        "listNames": _list_names(model_spec, exp),
        "rowCount": export_row_count(data, model_spec, exp) if data is not None else 0,
        "separator": exp.separator,
    }


def list_actions(model_spec: ModelSpec) -> list[dict[str, Any]]:
    """``actions[]`` entries (delete-by-selection and the like): id, name, actionType."""
    return [{"id": a.id, "name": a.name, "actionType": a.type} for a in model_spec.actions]


def list_processes(model_spec: ModelSpec) -> list[dict[str, Any]]:
    """``processes[]`` entries: id, name."""
    return [{"id": p.id, "name": p.name} for p in model_spec.processes]


def process_metadata(
    model_spec: ModelSpec, process_id: str, show_import_data_source: bool = False
) -> dict[str, Any] | None:
    """``processMetadata`` content: name and ``actions[]`` in run order, or None when unknown."""
    process = model_spec.process(process_id)
    if process is None:
        return None
    actions: list[dict[str, Any]] = []
    for action_id in process.actions:
        entry: dict[str, Any]
        imp = model_spec.import_(action_id)
        exp = model_spec.export(action_id)
        act = model_spec.action(action_id)
        if imp is not None:
            entry = {"id": imp.id, "name": imp.name, "actionType": "IMPORT"}
            entry.update(_import_entry(imp))
            if show_import_data_source:
                entry["importDataSource"] = {"importDataSourceId": imp.source, "type": "FILE"}
        elif exp is not None:
            entry = {"id": exp.id, "name": exp.name, "actionType": "EXPORT"}
            entry.update(
                {"exportType": exp.layout, "exportFormat": exp.export_format, "layout": exp.layout}
            )
        elif act is not None:
            entry = {"id": act.id, "name": act.name, "actionType": act.type}
        else:  # validated at load time
            continue
        actions.append(entry)
    return {"name": process.name, "actions": actions}


def file_entries(model_spec: ModelSpec) -> list[FileSpec]:
    """The model's import data-source files, in spec order."""
    return list(model_spec.files)


def export_file_entries(model_spec: ModelSpec) -> list[dict[str, Any]]:
    """The export output files' listing entries without ``chunkCount`` (api-notes §4.4)."""
    return [
        {"id": exp.id, "name": exp.name, "firstDataRow": 0, "headerRow": 0}
        for exp in model_spec.exports
    ]


def object_name(model_spec: ModelSpec, object_id: str) -> str | None:
    """The name of any import, export, action or process by ID, or None."""
    for obj in (
        model_spec.import_(object_id),
        model_spec.export(object_id),
        model_spec.action(object_id),
        model_spec.process(object_id),
    ):
        if obj is not None:
            return obj.name
    return None


def _import_entry(imp: ImportSpec) -> dict[str, Any]:
    return {
        "id": imp.id,
        "name": imp.name,
        "importDataSourceId": imp.source,
        "importType": imp.import_type,
    }


def _export_entry(exp: ExportSpec) -> dict[str, Any]:
    return {
        "id": exp.id,
        "name": exp.name,
        "exportType": exp.layout,
        "exportFormat": exp.export_format,
        "encoding": exp.encoding,
        "layout": exp.layout,
    }


def _list_names(model_spec: ModelSpec, exp: ExportSpec) -> list[str]:
    if exp.source_module is not None:
        module = model_spec.module_named(exp.source_module)
        return list(module.dimensions) if module else []
    return [exp.source_list] if exp.source_list else []
