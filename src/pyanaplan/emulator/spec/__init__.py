"""The emulator's spec: YAML -> frozen pydantic models, every problem reported at once.

`load_spec(None)` reads the packaged ``specs/demo.yaml``. The YAML format is documented in
docs/emulator-spec.md; how this package reads it and how to extend it, in
docs/architecture.md §3.1. Modules: ``base.py`` (field types, IDs, how problems are raised),
``structure.py`` (lists, modules), ``actions.py`` (files, imports, exports, actions,
processes), ``model.py`` (`ModelSpec`, its lookups), ``checks.py`` (a model's cross-references,
read through the `CheckedModel` protocol), ``platform.py`` (users, workspaces, settings, the
`Spec` root), ``loading.py`` (YAML, messages).
"""

from pyanaplan.emulator.spec.actions import (
    ActionSpec,
    ExportSpec,
    FileSpec,
    ImportSpec,
    ListOrModule,
    ProcessSpec,
    Runnable,
    Selection,
)
from pyanaplan.emulator.spec.base import (
    ACTION_TYPES,
    EXPORT_LAYOUTS,
    LINE_ITEM_FORMATS,
    MODEL_STATES,
    SpecModel,
)
from pyanaplan.emulator.spec.loading import EmulatorSpecError, load_spec, parse_spec
from pyanaplan.emulator.spec.model import ModelSpec
from pyanaplan.emulator.spec.platform import SettingsSpec, Spec, UserSpec, WorkspaceSpec
from pyanaplan.emulator.spec.structure import LineItemSpec, ListItemSpec, ListSpec, ModuleSpec

__all__ = [
    "ACTION_TYPES",
    "EXPORT_LAYOUTS",
    "LINE_ITEM_FORMATS",
    "MODEL_STATES",
    "ActionSpec",
    "EmulatorSpecError",
    "ExportSpec",
    "FileSpec",
    "ImportSpec",
    "LineItemSpec",
    "ListItemSpec",
    "ListOrModule",
    "ListSpec",
    "ModelSpec",
    "ModuleSpec",
    "ProcessSpec",
    "Runnable",
    "Selection",
    "SettingsSpec",
    "Spec",
    "SpecModel",
    "UserSpec",
    "WorkspaceSpec",
    "load_spec",
    "parse_spec",
]
