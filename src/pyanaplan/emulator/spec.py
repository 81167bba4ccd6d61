"""The emulator's model spec: YAML -> frozen dataclasses, validated in one pass.

`load_spec(None)` reads the packaged ``specs/demo.yaml``. Every problem found is reported with the
path of the offending field (``models[0].imports[2].source: no file with id 113000000009``), all at
once, in one `EmulatorSpecError`.

How the platform side uses the result (docs/architecture.md §3):

* Users, workspaces and settings: `Spec.users`, `Spec.workspaces`, `Spec.settings`. A user's
  ``certificates`` are PEM texts (paths in the YAML are read relative to the spec file).
  ``password`` is excluded from ``repr``.
* Import data-source files: `ModelSpec.files` holds `FileSpec` objects whose typed attributes are
  the file metadata of reference §4.4 — ``id``, ``name``, ``separator``, ``delimiter``,
  ``encoding``, ``header_row``, ``first_data_row``, ``format`` ("txt") — and ``default_content``
  (bytes, or None when the file has no default content). `FileSpec.api_dict()` renders the
  listing entry without ``chunkCount`` (which depends on per-user content).
* Export output files share the export's ID (§2.5); see `ExportSpec`.

The YAML shape is docs/architecture.md §3.1, with these optional additions:

* ``modules[].cells``: seed rows, ``{<dimension list>: <item>, <line item>: <value>, …}``.
* ``modules[].line_items[].list``: the list of a ``format: list`` line item.
* ``files[].default_content_file``: a path (relative to the spec) instead of inline content.
* ``exports[]``: ``export_format``, ``encoding``, ``separator``, ``delimiter`` (CSV defaults).
* ``actions[].where.property`` may be ``name`` or ``code`` as well as a list property.
* Import mappings: a list import maps columns to ``name``, ``code``, ``parent`` or a property;
  a module import maps columns to dimension lists and input line items. A dimension left out
  of the mapping is supplied at run time by a ``mappingParameters`` entry.
* IDs may be written as YAML integers; they are kept as strings.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from pyanaplan.emulator.formulas import FormulaError, compile_formula

LINE_ITEM_FORMATS = ("number", "text", "boolean", "date", "list")
EXPORT_LAYOUTS = (
    "TABULAR_MULTI_COLUMN",
    "TABULAR_SINGLE_COLUMN",
    "GRID_ALL_PAGES",
    "GRID_CURRENT_PAGE",
    "TABULAR_ALL_LINE_ITEMS",
    "TABULAR_CURRENT_LINE_ITEM",
)
ACTION_TYPES = ("DELETE_BY_SELECTION",)
# §4.3.1 activeState values (ACTIVE is accepted by the SDK).
MODEL_STATES = (
    "UNLOCKED",
    "LOCKED",
    "ARCHIVED",
    "PRODUCTION",
    "MAINTENANCE",
    "PRODUCTION_MAINTENANCE",
    "ACTIVE",
)
LIST_FIELDS = ("name", "code", "parent")
MAX_DIMENSIONS = 4

_LOWER_HEX = re.compile(r"[0-9a-f]{32}")
_UPPER_HEX = re.compile(r"[0-9A-F]{32}")
# §2.5: model-level object IDs are 12 digits with a type prefix.
_PREFIXES = {
    "list": "101",
    "module": "102",
    "import": "112",
    "file": "113",
    "export": "116",
    "action": "117",
    "process": "118",
    "line item": "206",
}


class EmulatorSpecError(ValueError):
    """The spec file is missing, unreadable or invalid.

    Attributes:
        problems: One message per problem, each starting with the field path.
    """

    def __init__(self, problems: list[str], source: str = "spec") -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid emulator {source} ({len(self.problems)} problem(s)):\n{lines}")


# ---------------------------------------------------------------------------------------------
# Dataclasses


@dataclass(frozen=True)
class SettingsSpec:
    """Emulator behaviour switches.

    Attributes:
        oauth_auto_approve: Device-grant codes are approved without visiting /activate.
        legacy_certificate_auth: ``accept`` the v1.3 AnaplanCertificate scheme, or ``reject`` it
            with 401 as production now does (§3.3).
        task_steps: Status polls a task takes to go from IN_PROGRESS to terminal.
        rejected_rows_successful: What ``successful`` says for an import that rejected some
            rows (its ``failureDumpAvailable`` is true either way). Anaplan's public material
            does not settle it, so clients should be tested both ways: False (the default)
            answers ``successful: false``, True answers ``successful: true``.
    """

    oauth_auto_approve: bool = False
    legacy_certificate_auth: str = "accept"
    task_steps: int = 3
    rejected_rows_successful: bool = False


@dataclass(frozen=True)
class UserSpec:
    """A user who can sign in (Basic, certificate or OAuth)."""

    id: str
    email: str
    password: str = field(repr=False)
    first_name: str
    last_name: str
    certificates: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkspaceSpec:
    """A workspace and the emails of its members."""

    id: str
    name: str
    size_allowance: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class ListItemSpec:
    """A list item as seeded at create/reset time."""

    name: str
    code: str | None = None
    parent: str | None = None
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ListSpec:
    """A list (dimension): items with names, codes, a parent in ``parent_list``, properties."""

    id: str
    name: str
    parent_list: str | None
    properties: tuple[str, ...]
    items: tuple[ListItemSpec, ...]


@dataclass(frozen=True)
class LineItemSpec:
    """A module line item. ``list`` names the list for ``format: list``."""

    id: str
    name: str
    format: str
    formula: str | None = None
    list: str | None = None


@dataclass(frozen=True)
class ModuleSpec:
    """A module: dimensions (list names, in order) × line items, plus seeded cells.

    ``cells`` holds seed rows: a mapping of dimension list name -> item name and line item name ->
    value (as text, parsed like an import would).
    """

    id: str
    name: str
    dimensions: tuple[str, ...]
    line_items: tuple[LineItemSpec, ...]
    cells: tuple[dict[str, str], ...] = ()

    def line_item(self, name: str) -> LineItemSpec | None:
        """Return the line item called ``name``, or None."""
        return next((li for li in self.line_items if li.name == name), None)


@dataclass(frozen=True)
class FileSpec:
    """An import data source (§4.4 metadata) and its optional default content."""

    id: str
    name: str
    separator: str = ","
    delimiter: str = '"'
    encoding: str = "UTF-8"
    header_row: int = 1
    first_data_row: int = 2
    format: str = "txt"
    default_content: bytes | None = field(default=None, repr=False)
    header_names: tuple[str, ...] = ()

    def api_dict(self) -> dict[str, Any]:
        """The file's listing entry (§4.4) without ``chunkCount``."""
        return {
            "id": self.id,
            "name": self.name,
            "delimiter": self.delimiter,
            "encoding": self.encoding,
            "firstDataRow": self.first_data_row,
            "format": self.format,
            "headerRow": self.header_row,
            "separator": self.separator,
        }


@dataclass(frozen=True)
class ImportSpec:
    """An import: source file -> list or module, with a column mapping.

    ``mapping`` maps a source column name to a target field: for a list import ``name``,
    ``code``, ``parent`` or a property name; for a module import a dimension list name or a
    line-item name.
    """

    id: str
    name: str
    source: str
    target_list: str | None
    target_module: str | None
    mapping: dict[str, str]

    @property
    def import_type(self) -> str:
        """``HIERARCHY_DATA`` for list imports, ``MODULE_DATA`` for module imports (§4.6.1)."""
        return "HIERARCHY_DATA" if self.target_list is not None else "MODULE_DATA"


@dataclass(frozen=True)
class ExportSpec:
    """An export of a module or list as CSV; its output file has the export's ID (§2.5)."""

    id: str
    name: str
    source_list: str | None
    source_module: str | None
    layout: str = "TABULAR_MULTI_COLUMN"
    export_format: str = "text/csv"
    encoding: str = "UTF-8"
    separator: str = ","
    delimiter: str = '"'


@dataclass(frozen=True)
class ActionSpec:
    """A delete-by-selection action: items of ``list`` whose ``where_property`` equals a value.

    ``where_property`` is a list property name, or ``name``/``code``.
    """

    id: str
    name: str
    type: str
    list: str
    where_property: str
    where_equals: str


@dataclass(frozen=True)
class ProcessSpec:
    """A process: import/export/action IDs in run order."""

    id: str
    name: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class ModelSpec:
    """One model and everything in it."""

    id: str
    name: str
    workspace: str
    state: str
    lists: tuple[ListSpec, ...]
    modules: tuple[ModuleSpec, ...]
    files: tuple[FileSpec, ...]
    imports: tuple[ImportSpec, ...]
    exports: tuple[ExportSpec, ...]
    actions: tuple[ActionSpec, ...]
    processes: tuple[ProcessSpec, ...]

    def list_named(self, name: str) -> ListSpec | None:
        """Return the list called ``name``, or None."""
        return next((x for x in self.lists if x.name == name), None)

    def module_named(self, name: str) -> ModuleSpec | None:
        """Return the module called ``name``, or None."""
        return next((x for x in self.modules if x.name == name), None)

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


@dataclass(frozen=True)
class Spec:
    """The whole emulator spec."""

    customer_id: str
    users: tuple[UserSpec, ...]
    workspaces: tuple[WorkspaceSpec, ...]
    models: tuple[ModelSpec, ...]
    settings: SettingsSpec
    source: str = "demo.yaml"

    def model(self, model_id: str) -> ModelSpec | None:
        """Return the model with ``model_id`` (case-sensitive, §2.5), or None."""
        return next((m for m in self.models if m.id == model_id), None)


# ---------------------------------------------------------------------------------------------
# Loading


def load_spec(path: str | Path | None = None) -> Spec:
    """Load and validate a spec.

    Args:
        path: A YAML file, or None for the packaged demo spec.

    Returns:
        The validated spec.

    Raises:
        EmulatorSpecError: The file cannot be read or parsed, or fails validation; the message
            lists every problem with its field path.
    """
    if path is None:
        specs = resources.files("pyanaplan.emulator").joinpath("specs")
        text = specs.joinpath("demo.yaml").read_text(encoding="utf-8")
        # The demo names no relative files; a zipped install has no directory to offer anyway.
        base = specs if isinstance(specs, Path) else Path.cwd()
        return parse_spec(text, base_dir=base, source="demo.yaml")
    spec_path = Path(path)
    try:
        text = spec_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EmulatorSpecError([f"cannot read {spec_path}: {exc}"], str(spec_path)) from exc
    return parse_spec(text, base_dir=spec_path.parent, source=str(spec_path))


def parse_spec(text: str, *, base_dir: Path, source: str = "spec") -> Spec:
    """Parse and validate spec YAML text.

    Args:
        text: The YAML document.
        base_dir: Directory that relative ``default_content_file`` and certificate paths
            are resolved against.
        source: Name used in error messages.

    Returns:
        The validated spec.

    Raises:
        EmulatorSpecError: Listing every problem found.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise EmulatorSpecError([f"not valid YAML: {exc}"], source) from exc
    checker = _Checker(base_dir)
    spec = checker.spec(data, source)
    if checker.problems:
        raise EmulatorSpecError(checker.problems, source)
    return spec


class _Checker:
    """Builds dataclasses from plain YAML data, collecting problems instead of stopping."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.problems: list[str] = []

    # -- primitives -----------------------------------------------------------------------

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def mapping(self, data: Any, where: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.problem(where, "must be a mapping")
            return {}
        for key in data:
            if key not in allowed:
                self.problem(f"{where}.{key}", "unknown field")
        return data

    def seq(self, data: dict[str, Any], key: str, where: str) -> list[Any]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(f"{where}.{key}", "must be a list")
            return []
        return value

    def text(self, data: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if value is None:
            self.problem(f"{where}.{key}", "is required")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(f"{where}.{key}", "must be a string")
            return ""
        return str(value)

    def optional_text(self, data: dict[str, Any], key: str, where: str) -> str | None:
        if data.get(key) is None:
            return None
        return self.text(data, key, where)

    def integer(self, data: dict[str, Any], key: str, where: str, default: int) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.problem(f"{where}.{key}", "must be a non-negative integer")
            return default
        return value

    def boolean(self, data: dict[str, Any], key: str, where: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problem(f"{where}.{key}", "must be true or false")
            return default
        return value

    def object_id(self, data: dict[str, Any], key: str, where: str, kind: str) -> str:
        value = self.text(data, key, where)
        if value:
            self.check_id(value, f"{where}.{key}", kind)
        return value

    def check_id(self, value: str, where: str, kind: str) -> None:
        if kind in ("user", "workspace", "customer"):
            if not _LOWER_HEX.fullmatch(value):
                self.problem(where, f"{kind} id {value!r} must be 32 lowercase hex digits")
        elif kind == "model":
            if not _UPPER_HEX.fullmatch(value):
                self.problem(where, f"model id {value!r} must be 32 uppercase hex digits")
        else:
            prefix = _PREFIXES[kind]
            if not (len(value) == 12 and value.isdigit() and value.startswith(prefix)):
                self.problem(where, f"{kind} id {value!r} must be 12 digits starting {prefix}")

    def unique(self, values: list[tuple[str, str]], what: str) -> None:
        seen: set[str] = set()
        for where, value in values:
            if value in seen:
                self.problem(where, f"duplicate {what} {value!r}")
            seen.add(value)

    # -- sections -------------------------------------------------------------------------

    def spec(self, data: Any, source: str) -> Spec:
        root = self.mapping(
            data, "spec", ("customer_id", "users", "workspaces", "models", "settings")
        )
        customer_id = self.object_id(root, "customer_id", "spec", "customer") if root else ""
        users = [self.user(u, f"users[{i}]") for i, u in enumerate(self.seq(root, "users", "spec"))]
        if root and not users:
            self.problem("users", "at least one user is required")
        self.unique([(f"users[{i}].id", u.id) for i, u in enumerate(users)], "user id")
        self.unique([(f"users[{i}].email", u.email) for i, u in enumerate(users)], "user email")
        emails = {u.email for u in users}
        workspaces = [
            self.workspace(w, f"workspaces[{i}]", emails)
            for i, w in enumerate(self.seq(root, "workspaces", "spec"))
        ]
        self.unique([(f"workspaces[{i}].id", w.id) for i, w in enumerate(workspaces)], "id")
        workspace_ids = {w.id for w in workspaces}
        models = [
            self.model(m, f"models[{i}]", workspace_ids)
            for i, m in enumerate(self.seq(root, "models", "spec"))
        ]
        self.unique([(f"models[{i}].id", m.id) for i, m in enumerate(models)], "model id")
        settings = self.settings(root.get("settings") or {}, "settings")
        return Spec(
            customer_id=customer_id,
            users=tuple(users),
            workspaces=tuple(workspaces),
            models=tuple(models),
            settings=settings,
            source=source,
        )

    def settings(self, data: Any, where: str) -> SettingsSpec:
        raw = self.mapping(
            data,
            where,
            (
                "oauth_auto_approve",
                "legacy_certificate_auth",
                "task_steps",
                "rejected_rows_successful",
            ),
        )
        legacy = self.text(raw, "legacy_certificate_auth", where, "accept")
        if legacy not in ("accept", "reject"):
            self.problem(f"{where}.legacy_certificate_auth", "must be 'accept' or 'reject'")
        return SettingsSpec(
            oauth_auto_approve=self.boolean(raw, "oauth_auto_approve", where, False),
            legacy_certificate_auth=legacy,
            task_steps=self.integer(raw, "task_steps", where, 3),
            rejected_rows_successful=self.boolean(raw, "rejected_rows_successful", where, False),
        )

    def user(self, data: Any, where: str) -> UserSpec:
        raw = self.mapping(
            data,
            where,
            ("id", "email", "password", "first_name", "last_name", "certificates"),
        )
        certificates = []
        for i, cert in enumerate(self.seq(raw, "certificates", where)):
            certificates.append(self.certificate(cert, f"{where}.certificates[{i}]"))
        email = self.text(raw, "email", where)
        if email and "@" not in email:
            self.problem(f"{where}.email", f"{email!r} is not an email address")
        return UserSpec(
            id=self.object_id(raw, "id", where, "user"),
            email=email,
            password=self.text(raw, "password", where),
            first_name=self.text(raw, "first_name", where, ""),
            last_name=self.text(raw, "last_name", where, ""),
            certificates=tuple(certificates),
        )

    def certificate(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.problem(where, "must be PEM text or a path to a PEM file")
            return ""
        if "-----BEGIN" in value:
            return value
        cert_path = self.base_dir / value
        try:
            text = cert_path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(where, f"cannot read certificate file {value!r}: {exc}")
            return ""
        if "-----BEGIN" not in text:
            self.problem(where, f"{value!r} is not a PEM file")
            return ""
        return text

    def workspace(self, data: Any, where: str, emails: set[str]) -> WorkspaceSpec:
        raw = self.mapping(data, where, ("id", "name", "size_allowance", "members"))
        members = [str(m) for m in self.seq(raw, "members", where)]
        for i, member in enumerate(members):
            if member not in emails:
                self.problem(f"{where}.members[{i}]", f"no user with email {member!r}")
        return WorkspaceSpec(
            id=self.object_id(raw, "id", where, "workspace"),
            name=self.text(raw, "name", where),
            size_allowance=self.integer(raw, "size_allowance", where, 1073741824),
            members=tuple(members),
        )

    def model(self, data: Any, where: str, workspace_ids: set[str]) -> ModelSpec:
        raw = self.mapping(
            data,
            where,
            (
                "id",
                "name",
                "workspace",
                "state",
                "lists",
                "modules",
                "files",
                "imports",
                "exports",
                "actions",
                "processes",
            ),
        )
        workspace = self.text(raw, "workspace", where)
        if workspace and workspace not in workspace_ids:
            self.problem(f"{where}.workspace", f"no workspace with id {workspace}")
        state = self.text(raw, "state", where, "UNLOCKED")
        if state not in MODEL_STATES:
            self.problem(f"{where}.state", f"must be one of {', '.join(MODEL_STATES)}")
        lists = [
            self.list_(x, f"{where}.lists[{i}]")
            for i, x in enumerate(self.seq(raw, "lists", where))
        ]
        self.unique([(f"{where}.lists[{i}].id", x.id) for i, x in enumerate(lists)], "list id")
        self.unique(
            [(f"{where}.lists[{i}].name", x.name) for i, x in enumerate(lists)], "list name"
        )
        by_list = {x.name: x for x in lists}
        self.check_parent_cycles(lists, where, by_list)
        for i, lst in enumerate(lists):
            self.check_list_items(lst, f"{where}.lists[{i}]", by_list)
        modules = [
            self.module(x, f"{where}.modules[{i}]", by_list)
            for i, x in enumerate(self.seq(raw, "modules", where))
        ]
        self.unique(
            [(f"{where}.modules[{i}].id", x.id) for i, x in enumerate(modules)], "module id"
        )
        self.unique(
            [(f"{where}.modules[{i}].name", x.name) for i, x in enumerate(modules)], "module name"
        )
        by_module = {x.name: x for x in modules}
        files = [
            self.file(x, f"{where}.files[{i}]") for i, x in enumerate(self.seq(raw, "files", where))
        ]
        self.unique([(f"{where}.files[{i}].id", x.id) for i, x in enumerate(files)], "file id")
        by_file = {x.id: x for x in files}
        imports = [
            self.import_(x, f"{where}.imports[{i}]", by_file, by_list, by_module)
            for i, x in enumerate(self.seq(raw, "imports", where))
        ]
        files = [self.file_with_headers(f, imports) for f in files]
        headers = {f.id: f.header_names for f in files}
        for i, imp in enumerate(imports):
            names = headers.get(imp.source)
            if not names:
                continue
            for column in imp.mapping:
                if column not in names:
                    self.problem(
                        f"{where}.imports[{i}].mapping.{column}",
                        f"no column {column!r} in the header of {by_file[imp.source].name}",
                    )
        exports = [
            self.export(x, f"{where}.exports[{i}]", by_list, by_module)
            for i, x in enumerate(self.seq(raw, "exports", where))
        ]
        actions = [
            self.action(x, f"{where}.actions[{i}]", by_list)
            for i, x in enumerate(self.seq(raw, "actions", where))
        ]
        runnable = {x.id for x in imports} | {x.id for x in exports} | {x.id for x in actions}
        processes = [
            self.process(x, f"{where}.processes[{i}]", runnable)
            for i, x in enumerate(self.seq(raw, "processes", where))
        ]
        for kind, objs in (
            ("import", imports),
            ("export", exports),
            ("action", actions),
            ("process", processes),
        ):
            self.unique(
                [(f"{where}.{kind}s[{i}].id", x.id) for i, x in enumerate(objs)], f"{kind} id"
            )
            self.unique(
                [(f"{where}.{kind}s[{i}].name", x.name) for i, x in enumerate(objs)],
                f"{kind} name",
            )
        return ModelSpec(
            id=self.object_id(raw, "id", where, "model"),
            name=self.text(raw, "name", where),
            workspace=workspace,
            state=state,
            lists=tuple(lists),
            modules=tuple(modules),
            files=tuple(files),
            imports=tuple(imports),
            exports=tuple(exports),
            actions=tuple(actions),
            processes=tuple(processes),
        )

    def list_(self, data: Any, where: str) -> ListSpec:
        raw = self.mapping(data, where, ("id", "name", "parent_list", "properties", "items"))
        properties = tuple(str(p) for p in self.seq(raw, "properties", where))
        for i, prop in enumerate(properties):
            if prop in LIST_FIELDS:
                self.problem(f"{where}.properties[{i}]", f"{prop!r} is reserved")
        items = []
        for i, item in enumerate(self.seq(raw, "items", where)):
            at = f"{where}.items[{i}]"
            item_raw = self.mapping(item, at, ("name", "code", "parent", "properties"))
            props = item_raw.get("properties") or {}
            if not isinstance(props, dict):
                self.problem(f"{at}.properties", "must be a mapping")
                props = {}
            for key in props:
                if key not in properties:
                    self.problem(f"{at}.properties.{key}", "not a property of this list")
            items.append(
                ListItemSpec(
                    name=self.text(item_raw, "name", at),
                    code=self.optional_text(item_raw, "code", at),
                    parent=self.optional_text(item_raw, "parent", at),
                    properties={str(k): "" if v is None else str(v) for k, v in props.items()},
                )
            )
        return ListSpec(
            id=self.object_id(raw, "id", where, "list"),
            name=self.text(raw, "name", where),
            parent_list=self.optional_text(raw, "parent_list", where),
            properties=properties,
            items=tuple(items),
        )

    def check_parent_cycles(
        self, lists: list[ListSpec], where: str, by_list: dict[str, ListSpec]
    ) -> None:
        for i, lst in enumerate(lists):
            seen = {lst.name}
            current = lst
            while current.parent_list and current.parent_list in by_list:
                if current.parent_list in seen:
                    if current.parent_list != lst.name or current is not lst:
                        self.problem(f"{where}.lists[{i}].parent_list", "parent lists form a cycle")
                    break
                seen.add(current.parent_list)
                current = by_list[current.parent_list]

    def check_list_items(self, lst: ListSpec, where: str, by_list: dict[str, ListSpec]) -> None:
        parent = by_list.get(lst.parent_list) if lst.parent_list else None
        if lst.parent_list and parent is None:
            self.problem(f"{where}.parent_list", f"no list named {lst.parent_list!r}")
        if lst.parent_list == lst.name:
            self.problem(f"{where}.parent_list", "a list cannot be its own parent list")
        parent_names = {i.name for i in parent.items} if parent else set()
        self.unique([(f"{where}.items[{i}].name", x.name) for i, x in enumerate(lst.items)], "item")
        codes = [(f"{where}.items[{i}].code", x.code) for i, x in enumerate(lst.items) if x.code]
        self.unique([(w, c) for w, c in codes if c is not None], "code")
        for i, item in enumerate(lst.items):
            if item.parent is None:
                continue
            if lst.parent_list is None:
                self.problem(f"{where}.items[{i}].parent", "list has no parent_list")
            elif parent is not None and item.parent not in parent_names:
                self.problem(
                    f"{where}.items[{i}].parent",
                    f"no item {item.parent!r} in list {lst.parent_list!r}",
                )

    def module(self, data: Any, where: str, by_list: dict[str, ListSpec]) -> ModuleSpec:
        raw = self.mapping(data, where, ("id", "name", "dimensions", "line_items", "cells"))
        dimensions = tuple(str(d) for d in self.seq(raw, "dimensions", where))
        if not dimensions:
            self.problem(f"{where}.dimensions", "at least one dimension is required")
        if len(dimensions) > MAX_DIMENSIONS:
            self.problem(f"{where}.dimensions", f"at most {MAX_DIMENSIONS} dimensions")
        if len(set(dimensions)) != len(dimensions):
            self.problem(f"{where}.dimensions", "a list appears twice")
        for i, dim in enumerate(dimensions):
            if dim not in by_list:
                self.problem(f"{where}.dimensions[{i}]", f"no list named {dim!r}")
        line_items = []
        for i, li in enumerate(self.seq(raw, "line_items", where)):
            at = f"{where}.line_items[{i}]"
            li_raw = self.mapping(li, at, ("id", "name", "format", "formula", "list"))
            fmt = self.text(li_raw, "format", at, "number")
            if fmt not in LINE_ITEM_FORMATS:
                self.problem(f"{at}.format", f"must be one of {', '.join(LINE_ITEM_FORMATS)}")
            li_list = self.optional_text(li_raw, "list", at)
            if fmt == "list" and li_list not in by_list:
                self.problem(f"{at}.list", f"format list needs an existing list, got {li_list!r}")
            line_items.append(
                LineItemSpec(
                    id=self.object_id(li_raw, "id", at, "line item"),
                    name=self.text(li_raw, "name", at),
                    format=fmt,
                    formula=self.optional_text(li_raw, "formula", at),
                    list=li_list,
                )
            )
        self.unique(
            [(f"{where}.line_items[{i}].name", x.name) for i, x in enumerate(line_items)],
            "line item",
        )
        clashes = set(dimensions) & {li.name for li in line_items}
        for name in sorted(clashes):
            self.problem(f"{where}.line_items", f"{name!r} is both a dimension and a line item")
        inputs = {li.name for li in line_items if li.format == "number" and li.formula is None}
        for i, li in enumerate(line_items):
            if li.formula is None:
                continue
            if li.format != "number":
                self.problem(f"{where}.line_items[{i}].formula", "only number line items")
                continue
            try:
                compile_formula(li.formula, inputs)
            except FormulaError as exc:
                self.problem(f"{where}.line_items[{i}].formula", str(exc))
        cells = []
        for i, row in enumerate(self.seq(raw, "cells", where)):
            at = f"{where}.cells[{i}]"
            if not isinstance(row, dict):
                self.problem(at, "must be a mapping")
                continue
            names = {li.name for li in line_items if li.formula is None}
            for key in row:
                if key not in dimensions and key not in names:
                    self.problem(f"{at}.{key}", "not a dimension or input line item")
            for dim in dimensions:
                lst = by_list.get(dim)
                value = row.get(dim)
                if value is None:
                    self.problem(f"{at}.{dim}", "is required")
                elif lst is not None and str(value) not in {x.name for x in lst.items}:
                    self.problem(f"{at}.{dim}", f"no item {value!r} in list {dim!r}")
            cells.append({str(k): "" if v is None else str(v) for k, v in row.items()})
        return ModuleSpec(
            id=self.object_id(raw, "id", where, "module"),
            name=self.text(raw, "name", where),
            dimensions=dimensions,
            line_items=tuple(line_items),
            cells=tuple(cells),
        )

    def file(self, data: Any, where: str) -> FileSpec:
        raw = self.mapping(
            data,
            where,
            (
                "id",
                "name",
                "separator",
                "delimiter",
                "encoding",
                "header_row",
                "first_data_row",
                "format",
                "default_content",
                "default_content_file",
            ),
        )
        separator = self.text(raw, "separator", where, ",")
        if len(separator) > 1:
            self.problem(f"{where}.separator", "must be a single character or empty")
        delimiter = self.text(raw, "delimiter", where, '"')
        if len(delimiter) > 1:
            self.problem(f"{where}.delimiter", "must be a single character or empty")
        if delimiter and delimiter == separator:
            self.problem(f"{where}.delimiter", "must differ from the separator")
        encoding = self.text(raw, "encoding", where, "UTF-8")
        encoding_ok = True
        try:
            codecs.lookup(encoding)
        except LookupError:
            encoding_ok = False
            self.problem(f"{where}.encoding", f"unknown encoding {encoding!r}")
        header_row = self.integer(raw, "header_row", where, 1)
        first_data_row = self.integer(raw, "first_data_row", where, header_row + 1)
        if first_data_row and header_row and first_data_row <= header_row:
            self.problem(f"{where}.first_data_row", "must come after header_row")
        content: bytes | None = None
        if raw.get("default_content") is not None and raw.get("default_content_file") is not None:
            self.problem(where, "give default_content or default_content_file, not both")
        elif raw.get("default_content") is not None:
            text = self.text(raw, "default_content", where)
            try:
                content = text.encode(encoding if encoding_ok else "utf-8")
            except UnicodeEncodeError:
                self.problem(f"{where}.default_content", f"cannot be encoded as {encoding}")
        elif raw.get("default_content_file") is not None:
            name = self.text(raw, "default_content_file", where)
            try:
                content = (self.base_dir / name).read_bytes()
            except OSError as exc:
                self.problem(f"{where}.default_content_file", f"cannot read {name!r}: {exc}")
        return FileSpec(
            id=self.object_id(raw, "id", where, "file"),
            name=self.text(raw, "name", where),
            separator=separator,
            delimiter=delimiter,
            encoding=encoding,
            header_row=header_row,
            first_data_row=first_data_row,
            format=self.text(raw, "format", where, "txt"),
            default_content=content,
        )

    def import_(
        self,
        data: Any,
        where: str,
        by_file: dict[str, FileSpec],
        by_list: dict[str, ListSpec],
        by_module: dict[str, ModuleSpec],
    ) -> ImportSpec:
        raw = self.mapping(data, where, ("id", "name", "source", "target", "mapping"))
        source = self.text(raw, "source", where)
        if source and source not in by_file:
            self.problem(f"{where}.source", f"no file with id {source}")
        target = self.mapping(raw.get("target"), f"{where}.target", ("list", "module"))
        target_list = self.optional_text(target, "list", f"{where}.target")
        target_module = self.optional_text(target, "module", f"{where}.target")
        if (target_list is None) == (target_module is None):
            self.problem(f"{where}.target", "give exactly one of list or module")
        mapping_raw = raw.get("mapping")
        if not isinstance(mapping_raw, dict) or not mapping_raw:
            self.problem(f"{where}.mapping", "must map source columns to target fields")
            mapping_raw = {}
        mapping = {str(k): str(v) for k, v in mapping_raw.items()}
        if target_list is not None:
            self.check_list_mapping(
                mapping, f"{where}.mapping", by_list.get(target_list), f"{where}.target.list"
            )
            if target_list not in by_list:
                self.problem(f"{where}.target.list", f"no list named {target_list!r}")
        elif target_module is not None:
            module = by_module.get(target_module)
            if module is None:
                self.problem(f"{where}.target.module", f"no module named {target_module!r}")
            else:
                self.check_module_mapping(mapping, f"{where}.mapping", module)
        return ImportSpec(
            id=self.object_id(raw, "id", where, "import"),
            name=self.text(raw, "name", where),
            source=source,
            target_list=target_list,
            target_module=target_module,
            mapping=mapping,
        )

    def check_list_mapping(
        self, mapping: dict[str, str], where: str, lst: ListSpec | None, target_where: str
    ) -> None:
        if lst is None:
            return  # reported by the caller
        targets = list(mapping.values())
        if "name" not in targets and "code" not in targets:
            self.problem(where, "a list import must map a column to name or code")
        for column, target in mapping.items():
            if target == "parent" and lst.parent_list is None:
                self.problem(f"{where}.{column}", f"list {lst.name!r} has no parent_list")
            elif target not in LIST_FIELDS and target not in lst.properties:
                self.problem(
                    f"{where}.{column}", f"{target!r} is not name, code, parent or a property"
                )
        self.unique([(f"{where}.{c}", t) for c, t in mapping.items()], "target")

    def check_module_mapping(self, mapping: dict[str, str], where: str, module: ModuleSpec) -> None:
        for column, target in mapping.items():
            li = module.line_item(target)
            if target in module.dimensions:
                continue
            if li is None:
                self.problem(f"{where}.{column}", f"{target!r} is not a dimension or line item")
            elif li.formula is not None:
                self.problem(f"{where}.{column}", f"line item {target!r} is calculated")
        self.unique([(f"{where}.{c}", t) for c, t in mapping.items()], "target")

    def file_with_headers(self, spec_file: FileSpec, imports: list[ImportSpec]) -> FileSpec:
        """Fill ``header_names``: from the default content's header row, else the mapping."""
        names: tuple[str, ...] = ()
        if (
            spec_file.default_content is not None
            and spec_file.header_row
            and _readable_layout(spec_file)
        ):
            from pyanaplan.emulator.csvio import CsvFormat, read_header

            fmt = CsvFormat.of(spec_file)
            try:
                names = tuple(read_header(spec_file.default_content, fmt))
            except ValueError:
                names = ()
        if not names:
            for imp in imports:
                if imp.source == spec_file.id:
                    names = tuple(imp.mapping)
                    break
        return FileSpec(**{**spec_file.__dict__, "header_names": names})

    def export(
        self,
        data: Any,
        where: str,
        by_list: dict[str, ListSpec],
        by_module: dict[str, ModuleSpec],
    ) -> ExportSpec:
        raw = self.mapping(
            data,
            where,
            (
                "id",
                "name",
                "source",
                "layout",
                "export_format",
                "encoding",
                "separator",
                "delimiter",
            ),
        )
        source = self.mapping(raw.get("source"), f"{where}.source", ("list", "module"))
        source_list = self.optional_text(source, "list", f"{where}.source")
        source_module = self.optional_text(source, "module", f"{where}.source")
        if (source_list is None) == (source_module is None):
            self.problem(f"{where}.source", "give exactly one of list or module")
        elif source_list is not None and source_list not in by_list:
            self.problem(f"{where}.source.list", f"no list named {source_list!r}")
        elif source_module is not None and source_module not in by_module:
            self.problem(f"{where}.source.module", f"no module named {source_module!r}")
        layout = self.text(raw, "layout", where, "TABULAR_MULTI_COLUMN")
        if layout not in EXPORT_LAYOUTS:
            self.problem(f"{where}.layout", f"must be one of {', '.join(EXPORT_LAYOUTS)}")
        encoding = self.text(raw, "encoding", where, "UTF-8")
        try:
            codecs.lookup(encoding)
        except LookupError:
            self.problem(f"{where}.encoding", f"unknown encoding {encoding!r}")
        separator = self.text(raw, "separator", where, ",")
        delimiter = self.text(raw, "delimiter", where, '"')
        if len(separator) != 1:
            self.problem(f"{where}.separator", "must be a single character")
        if len(delimiter) > 1:
            self.problem(f"{where}.delimiter", "must be a single character or empty")
        return ExportSpec(
            id=self.object_id(raw, "id", where, "export"),
            name=self.text(raw, "name", where),
            source_list=source_list,
            source_module=source_module,
            layout=layout,
            export_format=self.text(raw, "export_format", where, "text/csv"),
            encoding=encoding,
            separator=separator,
            delimiter=delimiter,
        )

    def action(self, data: Any, where: str, by_list: dict[str, ListSpec]) -> ActionSpec:
        raw = self.mapping(data, where, ("id", "name", "type", "list", "where"))
        action_type = self.text(raw, "type", where, "DELETE_BY_SELECTION")
        if action_type not in ACTION_TYPES:
            self.problem(f"{where}.type", f"must be one of {', '.join(ACTION_TYPES)}")
        list_name = self.text(raw, "list", where)
        lst = by_list.get(list_name)
        if list_name and lst is None:
            self.problem(f"{where}.list", f"no list named {list_name!r}")
        cond = self.mapping(raw.get("where"), f"{where}.where", ("property", "equals"))
        prop = self.text(cond, "property", f"{where}.where")
        equals = self.text(cond, "equals", f"{where}.where", "")
        if lst is not None and prop and prop not in ("name", "code") and prop not in lst.properties:
            self.problem(f"{where}.where.property", f"{prop!r} is not a property of {list_name!r}")
        return ActionSpec(
            id=self.object_id(raw, "id", where, "action"),
            name=self.text(raw, "name", where),
            type=action_type,
            list=list_name,
            where_property=prop,
            where_equals=equals,
        )

    def process(self, data: Any, where: str, runnable: set[str]) -> ProcessSpec:
        raw = self.mapping(data, where, ("id", "name", "actions"))
        actions = [str(a) for a in self.seq(raw, "actions", where)]
        if not actions:
            self.problem(f"{where}.actions", "a process needs at least one action")
        for i, action_id in enumerate(actions):
            if action_id not in runnable:
                self.problem(
                    f"{where}.actions[{i}]",
                    f"no import, export or action with id {action_id}",
                )
        return ProcessSpec(
            id=self.object_id(raw, "id", where, "process"),
            name=self.text(raw, "name", where),
            actions=tuple(actions),
        )


def _readable_layout(spec_file: FileSpec) -> bool:
    """True when the file's separator, delimiter and encoding can drive the CSV reader."""
    try:
        codecs.lookup(spec_file.encoding)
    except LookupError:
        return False
    return (
        len(spec_file.separator) <= 1
        and len(spec_file.delimiter) <= 1
        and (not spec_file.delimiter or spec_file.delimiter != spec_file.separator)
    )
