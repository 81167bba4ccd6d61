"""Cross-reference checks of one model: does what an object names exist, and is it the right kind.

`check_model` runs as `ModelSpec`'s validator, after every object in the model has validated by
itself, and reports at paths inside the model (``imports.2.source``); pydantic puts the model's own
path in front (``models.0.imports.2.source``). The order of the checks is the order of the spec's
sections, so the first problem reported is the one a reader meets first.

The checks see a model through `CheckedModel`, what they read of it, so that this module and
``model.py`` (which calls `check_model` from its validator) do not import each other.
"""

from __future__ import annotations

from typing import Protocol

from pyanaplan.emulator.spec.actions import (
    ActionSpec,
    ExportSpec,
    FileSpec,
    ImportSpec,
    ProcessSpec,
    Runnable,
)
from pyanaplan.emulator.spec.base import Loc, Problems
from pyanaplan.emulator.spec.structure import LIST_FIELDS, ListSpec, ModuleSpec


class CheckedModel(Protocol):
    """What the checks read of a model; `ModelSpec` is the one implementation."""

    @property
    def lists(self) -> tuple[ListSpec, ...]: ...
    @property
    def modules(self) -> tuple[ModuleSpec, ...]: ...
    @property
    def files(self) -> tuple[FileSpec, ...]: ...
    @property
    def imports(self) -> tuple[ImportSpec, ...]: ...
    @property
    def exports(self) -> tuple[ExportSpec, ...]: ...
    @property
    def actions(self) -> tuple[ActionSpec, ...]: ...
    @property
    def processes(self) -> tuple[ProcessSpec, ...]: ...
    def list_named(self, name: str) -> ListSpec | None: ...
    def module_named(self, name: str) -> ModuleSpec | None: ...
    def dimension(self, name: str) -> ListSpec | None: ...
    def file(self, file_id: str) -> FileSpec | None: ...
    def runnables(self, kind: str) -> tuple[Runnable, ...]: ...
    def header_names(self, source: FileSpec) -> tuple[str, ...]: ...


def check_model(model: CheckedModel, found: Problems) -> None:
    """Record every dangling or ill-typed reference between ``model``'s objects in ``found``."""
    _check_lists(model, found)
    _check_modules(model, found)
    found.unique(((("files", i, "id"), x.id) for i, x in enumerate(model.files)), "file id")
    _check_imports(model, found)
    _check_columns(model, found)
    _check_exports(model, found)
    _check_actions(model, found)
    _check_processes(model, found)
    for section, kind in (
        ("imports", "import"),
        ("exports", "export"),
        ("actions", "action"),
        ("processes", "process"),
    ):
        objects = model.runnables(section)
        found.unique((((section, i, "id"), x.id) for i, x in enumerate(objects)), f"{kind} id")
        found.unique(
            (((section, i, "name"), x.name) for i, x in enumerate(objects)), f"{kind} name"
        )


def _check_lists(model: CheckedModel, found: Problems) -> None:
    found.unique(((("lists", i, "id"), x.id) for i, x in enumerate(model.lists)), "list id")
    found.unique(((("lists", i, "name"), x.name) for i, x in enumerate(model.lists)), "list name")
    for i, lst in enumerate(model.lists):
        if _in_parent_cycle(model, lst):
            found.add(("lists", i, "parent_list"), "parent lists form a cycle")
    for i, lst in enumerate(model.lists):
        if lst.parent_list is None:
            continue
        parent = model.list_named(lst.parent_list)
        if parent is None:
            found.add(("lists", i, "parent_list"), f"no list named {lst.parent_list!r}")
            continue
        names = parent.item_names()
        for j, item in enumerate(lst.items):
            if item.parent is not None and item.parent not in names:
                found.add(
                    ("lists", i, "items", j, "parent"),
                    f"no item {item.parent!r} in list {lst.parent_list!r}",
                )


def _in_parent_cycle(model: CheckedModel, lst: ListSpec) -> bool:
    # Walk up the parent lists; every step adds a name to ``seen``, so the walk ends.
    seen = {lst.name}
    current = lst
    while current.parent_list is not None:
        parent = model.list_named(current.parent_list)
        if parent is None:
            return False
        if parent.name in seen:
            # A list that is its own parent list is reported by the list itself.
            return parent.name != lst.name or current is not lst
        seen.add(parent.name)
        current = parent
    return False


def _check_modules(model: CheckedModel, found: Problems) -> None:
    modules = model.modules
    found.unique(((("modules", i, "id"), x.id) for i, x in enumerate(modules)), "module id")
    found.unique(((("modules", i, "name"), x.name) for i, x in enumerate(modules)), "module name")
    for i, module in enumerate(modules):
        where: Loc = ("modules", i)
        for j, dim in enumerate(module.dimensions):
            if model.dimension(dim) is None:
                found.add((*where, "dimensions", j), f"no list named {dim!r}")
        for j, li in enumerate(module.line_items):
            if li.format == "list" and (li.list is None or model.list_named(li.list) is None):
                found.add(
                    (*where, "line_items", j, "list"),
                    f"format list needs an existing list, got {li.list!r}",
                )
        _check_cells(model, module, where, found)


def _check_cells(model: CheckedModel, module: ModuleSpec, where: Loc, found: Problems) -> None:
    inputs = {li.name for li in module.inputs()}
    items: dict[str, set[str]] = {}
    for dim in module.dimensions:
        dimension = model.dimension(dim)
        if dimension is not None:
            items[dim] = dimension.item_names()
    for i, row in enumerate(module.cells):
        at: Loc = (*where, "cells", i)
        for key in row:
            if key not in module.dimensions and key not in inputs:
                found.add((*at, key), "not a dimension or input line item")
        for dim in module.dimensions:
            value = row.get(dim)
            if value is None:
                found.add((*at, dim), "is required")
            elif dim in items and value not in items[dim]:
                found.add((*at, dim), f"no item {value!r} in list {dim!r}")


def _check_imports(model: CheckedModel, found: Problems) -> None:
    for i, imp in enumerate(model.imports):
        where: Loc = ("imports", i)
        if model.file(imp.source) is None:
            found.add((*where, "source"), f"no file with id {imp.source}")
        if imp.target.list is not None:
            lst = model.list_named(imp.target.list)
            if lst is None:
                found.add((*where, "target", "list"), f"no list named {imp.target.list!r}")
            else:
                _check_list_mapping(imp.mapping, lst, (*where, "mapping"), found)
        elif imp.target.module is not None:
            module = model.module_named(imp.target.module)
            if module is None:
                found.add((*where, "target", "module"), f"no module named {imp.target.module!r}")
            else:
                _check_module_mapping(imp.mapping, module, (*where, "mapping"), found)


def _check_list_mapping(
    mapping: dict[str, str], lst: ListSpec, where: Loc, found: Problems
) -> None:
    targets = list(mapping.values())
    if "name" not in targets and "code" not in targets:
        found.add(where, "a list import must map a column to name or code")
    for column, target in mapping.items():
        if target == "parent" and lst.parent_list is None:
            found.add((*where, column), f"list {lst.name!r} has no parent_list")
        elif target not in LIST_FIELDS and target not in lst.properties:
            found.add((*where, column), f"{target!r} is not name, code, parent or a property")
    found.unique((((*where, column), target) for column, target in mapping.items()), "target")


def _check_module_mapping(
    mapping: dict[str, str], module: ModuleSpec, where: Loc, found: Problems
) -> None:
    for column, target in mapping.items():
        if target in module.dimensions:
            continue
        li = module.line_item(target)
        if li is None:
            found.add((*where, column), f"{target!r} is not a dimension or line item")
        elif li.formula is not None:
            found.add((*where, column), f"line item {target!r} is calculated")
    found.unique((((*where, column), target) for column, target in mapping.items()), "target")


def _check_columns(model: CheckedModel, found: Problems) -> None:
    # Mapped columns must be in the source's header, when the spec knows the header.
    for i, imp in enumerate(model.imports):
        source = model.file(imp.source)
        names = model.header_names(source) if source is not None else ()
        if source is None or not names:
            continue
        for column in imp.mapping:
            if column not in names:
                found.add(
                    ("imports", i, "mapping", column),
                    f"no column {column!r} in the header of {source.name}",
                )


def _check_exports(model: CheckedModel, found: Problems) -> None:
    for i, exp in enumerate(model.exports):
        where: Loc = ("exports", i, "source")
        if exp.source.list is not None and model.list_named(exp.source.list) is None:
            found.add((*where, "list"), f"no list named {exp.source.list!r}")
        elif exp.source.module is not None and model.module_named(exp.source.module) is None:
            found.add((*where, "module"), f"no module named {exp.source.module!r}")


def _check_actions(model: CheckedModel, found: Problems) -> None:
    for i, act in enumerate(model.actions):
        lst = model.list_named(act.list)
        if lst is None:
            found.add(("actions", i, "list"), f"no list named {act.list!r}")
            continue
        prop = act.where.property
        if prop and prop not in ("name", "code") and prop not in lst.properties:
            found.add(
                ("actions", i, "where", "property"), f"{prop!r} is not a property of {act.list!r}"
            )


def _check_processes(model: CheckedModel, found: Problems) -> None:
    runnable = {x.id for kind in ("imports", "exports", "actions") for x in model.runnables(kind)}
    for i, process in enumerate(model.processes):
        for j, action_id in enumerate(process.actions):
            if action_id not in runnable:
                found.add(
                    ("processes", i, "actions", j),
                    f"no import, export or action with id {action_id}",
                )
