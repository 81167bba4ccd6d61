"""`ModelSpec`: one model, its objects, the lookups the engine uses, and its cross-references."""

from __future__ import annotations

from typing import Annotated

from pydantic import model_validator

from pyanaplan.emulator.spec.actions import (
    ActionSpec,
    ExportSpec,
    FileSpec,
    ImportSpec,
    ProcessSpec,
    Runnable,
)
from pyanaplan.emulator.spec.base import (
    MODEL_STATES,
    ModelId,
    ModelState,
    Problems,
    SpecModel,
    one_of,
)
from pyanaplan.emulator.spec.checks import check_model
from pyanaplan.emulator.spec.structure import ListSpec, ModuleSpec


class ModelSpec(SpecModel):
    """One model and everything in it.

    Objects refer to each other by name (a module's dimensions, an import's target list) or by ID
    (an import's source file, a process's actions); every reference is checked when the model is
    validated, so the engine's lookups below find what they look for.
    """

    id: ModelId
    name: str
    workspace: str
    state: Annotated[ModelState, one_of(MODEL_STATES)] = "UNLOCKED"
    lists: tuple[ListSpec, ...] = ()
    modules: tuple[ModuleSpec, ...] = ()
    files: tuple[FileSpec, ...] = ()
    imports: tuple[ImportSpec, ...] = ()
    exports: tuple[ExportSpec, ...] = ()
    actions: tuple[ActionSpec, ...] = ()
    processes: tuple[ProcessSpec, ...] = ()

    @model_validator(mode="after")
    def _check_references(self) -> ModelSpec:
        found = Problems()
        check_model(self, found)
        found.raise_any(type(self).__name__)
        return self

    # -- structure ------------------------------------------------------------------------

    def list_named(self, name: str) -> ListSpec | None:
        """Return the list called ``name``, or None."""
        return next((x for x in self.lists if x.name == name), None)

    def module_named(self, name: str) -> ModuleSpec | None:
        """Return the module called ``name``, or None."""
        return next((x for x in self.modules if x.name == name), None)

    def dimension(self, name: str) -> ListSpec | None:
        """Return the dimension a module, import mapping or seeded cell names, or None.

        Every dimension name is resolved here: today a dimension is always a list; time and
        versions dimensions, when the spec gains them, resolve here too.
        """
        return self.list_named(name)

    # -- actions and files ----------------------------------------------------------------

    def file(self, file_id: str) -> FileSpec | None:
        """Return the data-source file with ``file_id``, or None."""
        return next((x for x in self.files if x.id == file_id), None)

    def import_(self, import_id: str) -> ImportSpec | None:
        """Return the import with ``import_id``, or None."""
        return next((x for x in self.imports if x.id == import_id), None)

    def export(self, export_id: str) -> ExportSpec | None:
        """Return the export with ``export_id``, or None."""
        return next((x for x in self.exports if x.id == export_id), None)

    def action(self, action_id: str) -> ActionSpec | None:
        """Return the (non-import, non-export) action with ``action_id``, or None."""
        return next((x for x in self.actions if x.id == action_id), None)

    def process(self, process_id: str) -> ProcessSpec | None:
        """Return the process with ``process_id``, or None."""
        return next((x for x in self.processes if x.id == process_id), None)

    def runnables(self, kind: str) -> tuple[Runnable, ...]:
        """The objects a task kind runs: ``imports``, ``exports``, ``actions`` or ``processes``
        (empty for any other word)."""
        by_kind: dict[str, tuple[Runnable, ...]] = {
            "imports": self.imports,
            "exports": self.exports,
            "actions": self.actions,
            "processes": self.processes,
        }
        return by_kind.get(kind, ())

    def header_names(self, source: FileSpec) -> tuple[str, ...]:
        """The columns of ``source`` as the import metadata lists them: its default content's
        header row, else the columns the first import reading it maps."""
        names = source.header_names
        if names:
            return names
        imp = next((x for x in self.imports if x.source == source.id), None)
        return tuple(imp.mapping) if imp is not None else ()
