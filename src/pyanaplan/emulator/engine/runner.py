"""The engine's entry points for the platform (docs/architecture.md §3.2).

* `seed_model(data, model_spec)` puts a model's lists and seeded cells into its store, replacing
  whatever data the model had (called on create and on reset, inside the caller's transaction).
* `run_action(ctx, action_id, mapping=...)` runs an import (112…), export (116…), other action
  (117…) or process (118…) inside the caller's transaction and returns an `ActionOutcome`.
  It raises `TaskCancelled` when ``ctx.cancelled()`` turns true; on that or any other exception
  the caller rolls back, so nothing is half-applied.

`RunContext`, `ActionOutcome` and `TaskCancelled` are defined in `run_context.py` and re-exported
here; ``ActionOutcome.result_dict()`` renders the task status ``result`` object (api-notes §4.6.4).
"""

from __future__ import annotations

from pyanaplan.emulator.engine.deletes import run_delete
from pyanaplan.emulator.engine.exports import run_export
from pyanaplan.emulator.engine.imports import parse_value, run_import
from pyanaplan.emulator.engine.processes import run_process
from pyanaplan.emulator.engine.run_context import (
    COMPLETE_STEP,
    FAILED_STEP,
    ActionOutcome,
    MappingParameters,
    RunContext,
    TaskCancelled,
    failed_outcome,
)
from pyanaplan.emulator.spec import ListSpec, ModelSpec
from pyanaplan.emulator.storage.model_store import ModelWriter
from pyanaplan.emulator.storage.model_tables import MAX_DIMENSIONS

__all__ = [
    "COMPLETE_STEP",
    "FAILED_STEP",
    "ActionOutcome",
    "RunContext",
    "TaskCancelled",
    "run_action",
    "seed_model",
]


def run_action(
    ctx: RunContext, action_id: str, *, mapping: MappingParameters | None = None
) -> ActionOutcome:
    """Run one import, export, action or process of ``ctx.model``.

    Args:
        ctx: The task's context (its data inside the worker's transaction).
        action_id: An ID of the model's imports, exports, actions or processes.
        mapping: The task body's ``mappingParameters`` (``[{entityType, entityName}]``); used
            by module imports to fix dimensions the file does not carry, ignored otherwise.

    Returns:
        The outcome; ``current_step`` is ``"Failed."`` when the action failed outright.

    Raises:
        TaskCancelled: The task was cancelled while running; roll back.
        KeyError: ``action_id`` is not an object of this model (routes check this first).
    """
    model = ctx.model
    imp = model.import_(action_id)
    if imp is not None:
        return run_import(ctx, imp, mapping=mapping)
    exp = model.export(action_id)
    if exp is not None:
        return run_export(ctx, exp)
    act = model.action(action_id)
    if act is not None:
        return run_delete(ctx, act)
    process = model.process(action_id)
    if process is not None:
        return run_process(ctx, process, mapping=mapping, run_one=_run_nested)
    raise KeyError(f"model {model.id} has no import, export, action or process {action_id}")


def _run_nested(
    ctx: RunContext, action_id: str, mapping: MappingParameters | None
) -> ActionOutcome:
    # Processes cannot contain processes (api-notes §4.6.2); the spec validator enforces it.
    if ctx.model.process(action_id) is not None:
        return failed_outcome(action_id, action_id, "A process cannot run a process")
    return run_action(ctx, action_id, mapping=mapping)


def seed_model(data: ModelWriter, model_spec: ModelSpec) -> None:
    """Replace the model's data with the spec's list items and seeded cells.

    Args:
        data: The model's store, inside the caller's transaction.
        model_spec: The model to seed.
    """
    data.delete_all()
    # Parent lists first, so a child item can point at its parent's id.
    ids: dict[tuple[str, str], int] = {}
    for lst in _parents_first(model_spec):
        parent_list = model_spec.list_named(lst.parent_list) if lst.parent_list else None
        items = data.list_items(lst.id)
        for item in lst.items:
            parent_id = None
            if parent_list is not None and item.parent is not None:
                parent_id = ids.get((parent_list.name, item.parent))
            ids[(lst.name, item.name)] = items.insert(
                name=item.name,
                code=item.code,
                parent_id=parent_id,
                properties=dict(item.properties),
            )
    for module in model_spec.modules:
        inputs = module.inputs()
        writer = data.module_cells(module.id).writer([li.id for li in inputs])
        rows = []
        for cell in module.cells:
            dims = [ids.get((dim, cell[dim]), 0) for dim in module.dimensions]
            dims += [0] * (MAX_DIMENSIONS - len(dims))
            values = []
            for li in inputs:
                raw = cell.get(li.name, "")
                parsed, error = parse_value(raw, li.format)
                values.append(None if error else parsed)
            rows.append((*dims, *values))
        writer.write(rows)


def _parents_first(model_spec: ModelSpec) -> list[ListSpec]:
    ordered: list[ListSpec] = []
    pending = list(model_spec.lists)
    for _ in range(len(pending) + 1):
        done = {lst.name for lst in ordered}
        for lst in list(pending):
            if lst.parent_list is None or lst.parent_list in done:
                ordered.append(lst)
                pending.remove(lst)
    return ordered + pending
