"""Validate live emulator responses against the community OpenAPI descriptions.

Why this exists: the emulator must be indistinguishable from Anaplan for the calls it covers, and
the community OpenAPI descriptions (github.com/setikites/anaplan-openapi) are the machine-readable
contract for their JSON shapes. They are not part of this repository: the tests pass the directory
from env `PYANAPLAN_OPENAPI_DIR` (the `openapi_dir` fixture, tests/openapi_dir.py). This module
loads the three OpenAPI 3.0 documents, finds the response schema for a concrete request
(method, path, status) and validates a JSON body with `jsonschema`.

Every known, deliberate difference lives in `docs/emulator-deviations.md` (parsed by
`load_deviations`), so that file is the single source of truth; nothing is excused in code.

OpenAPI 3.0 is not JSON Schema, so schemas are converted before validation:
- `nullable: true` becomes a `"null"` member of `type` (and of `enum` when present);
- `$ref`s keep pointing at `#/components/...`: the converted components are embedded in every
  schema handed to jsonschema, which also keeps the recursive `TaskResult.nestedResults` finite;
- `example`/`examples` are dropped (OpenAPI uses them as annotations, JSON Schema would not care,
  but `examples` must be a list there);
- an Integration API 4xx that the OpenAPI documents without a body (or not at all) is checked
  against its `ErrorResponse` schema, the one error envelope of api-notes §2.4;
- only the `uuid` format is checked: OpenAPI formats are annotations, and Anaplan's own
  `date-time` values (`2017-09-07T08:05:37.000+0000`, api-notes §2.6) are not RFC 3339, so checking
  `date-time` would test the schema, not the emulator.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

REPO_ROOT = Path(__file__).resolve().parents[2]
DEVIATIONS_FILE = REPO_ROOT / "docs" / "emulator-deviations.md"

_INTEGRATION = "integration-openapi.json"
# (document, the prefix its paths are served under on the emulator's single origin)
_DOCUMENTS = (
    (_INTEGRATION, "/2/0"),
    ("authentication-openapi.json", ""),
    ("oauth-openapi.json", ""),
)
_METHODS = ("get", "post", "put", "delete", "patch")
_FORMAT_CHECKER = jsonschema.FormatChecker(formats=("uuid",))
_SHORT_FORM = re.compile(r"^/2/0/models/(.+)$")
_LONG_FORM = re.compile(r"^/2/0/workspaces/[^/]+/models/(.+)$")


class NoSchemaError(LookupError):
    """The OpenAPI documents describe no JSON body for this (method, path, status)."""


@dataclass(frozen=True)
class Issue:
    """One schema violation in a response body.

    Attributes:
        method: HTTP method, upper case.
        template: the OpenAPI path template (with its served prefix, e.g. `/2/0/users/me`).
        status: HTTP status of the response.
        instance_path: JSON pointer into the body, array indices replaced by `*`.
        keyword: the failing JSON Schema keyword (`type`, `pattern`, `enum`, `required`, ...).
        schema_path: where in the (converted) schema the rule sits, for the report.
        message: jsonschema's message.
    """

    method: str
    template: str
    status: int
    instance_path: str
    keyword: str
    schema_path: str
    message: str

    def describe(self) -> str:
        """A one-line description naming endpoint, location, rule and message."""
        return (
            f"{self.method} {self.template} {self.status}: {self.instance_path or '/'} "
            f"[{self.keyword} @ {self.schema_path}] {self.message}"
        )


@dataclass(frozen=True)
class Deviation:
    """A documented, deliberate difference between the emulator and the OpenAPI schemas."""

    method: str
    template: str
    status: int
    instance_path: str
    keyword: str
    reason: str

    def excuses(self, issue: Issue) -> bool:
        """Whether this deviation covers the given issue."""
        return (
            self.method == issue.method
            and self.template == issue.template
            and self.status == issue.status
            and self.instance_path == issue.instance_path
            and self.keyword == issue.keyword
        )


@dataclass(frozen=True)
class Borrowed:
    """An operation the OpenAPI does not describe, validated with another operation's schema."""

    method: str
    template: str
    status: int
    as_method: str
    as_template: str
    as_status: int
    reason: str


@dataclass(frozen=True)
class _Operation:
    method: str
    template: str
    regex: re.Pattern[str]
    literal_segments: int
    responses: dict[str, Any]
    document: str


def _convert(node: Any) -> Any:
    """Turn an OpenAPI 3.0 schema fragment into JSON Schema (see the module docstring)."""
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _convert(v) for k, v in node.items() if k not in ("example", "examples", "nullable")}
    if node.get("nullable") is True:
        if "$ref" in out:
            ref = out.pop("$ref")
            out = {"anyOf": [{"$ref": ref}, {"type": "null"}], **out}
        elif "type" in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = [*types, "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def _template_regex(template: str) -> tuple[re.Pattern[str], int]:
    parts = [p for p in template.split("/") if p]
    pattern = "".join("/[^/]+" if p.startswith("{") else "/" + re.escape(p) for p in parts)
    literal = sum(1 for p in parts if not p.startswith("{"))
    return re.compile(f"^{pattern}/?$"), literal


def pointer(path: Any) -> str:
    """JSON pointer of a jsonschema error path, with array indices replaced by `*`."""
    return "".join("/*" if isinstance(part, int) else f"/{part}" for part in path)


class OpenApiCatalog:
    """The three OpenAPI documents, indexed by operation, with converted schemas."""

    def __init__(self, directory: Path) -> None:
        """Load the documents from `directory` (the one `PYANAPLAN_OPENAPI_DIR` names)."""
        self._directory = directory.resolve()
        self._components: dict[str, Any] = {}
        self._operations: list[_Operation] = []
        for filename, prefix in _DOCUMENTS:
            document = json.loads((self._directory / filename).read_text(encoding="utf-8"))
            self._components[filename] = _convert(document.get("components", {}))
            for raw_path, item in document["paths"].items():
                template = prefix + raw_path.rstrip("/")
                regex, literal = _template_regex(template)
                for method in _METHODS:
                    if method in item:
                        self._operations.append(
                            _Operation(
                                method=method.upper(),
                                template=template,
                                regex=regex,
                                literal_segments=literal,
                                responses=item[method].get("responses", {}),
                                document=filename,
                            )
                        )

    def match(self, method: str, path: str) -> _Operation | None:
        """The operation for a concrete path; the most specific template wins.

        Model-scoped resources are the same under `/models/{m}/…` and
        `/workspaces/{ws}/models/{m}/…` (api-notes §4), but the OpenAPI describes many of them in
        one form only, so a path that matches nothing is retried in the other form.
        """
        found = self._match_exact(method, path)
        if found is not None:
            return found
        short = _SHORT_FORM.match(path)
        if short:
            return self._match_exact(method, f"/2/0/workspaces/_/models/{short.group(1)}")
        long = _LONG_FORM.match(path)
        if long:
            return self._match_exact(method, f"/2/0/models/{long.group(1)}")
        return None

    def _match_exact(self, method: str, path: str) -> _Operation | None:
        candidates = [
            op for op in self._operations if op.method == method.upper() and op.regex.match(path)
        ]
        if not candidates:
            return None
        return max(candidates, key=lambda op: op.literal_segments)

    def find_template(self, method: str, template: str) -> _Operation | None:
        """The operation with exactly this template (trailing slash ignored)."""
        template = template.rstrip("/")
        for op in self._operations:
            if op.method == method.upper() and op.template == template:
                return op
        return None

    def response_schema(self, op: _Operation, status: int) -> dict[str, Any]:
        """The converted JSON schema of `op`'s JSON response for `status`.

        Raises:
            NoSchemaError: the status is not documented or has no JSON body.
        """
        components = self._components[op.document]
        response = op.responses.get(str(status)) or {}
        if "$ref" in response:
            name = response["$ref"].rsplit("/", 1)[-1]
            response = components["responses"][name]
        media = response.get("content", {}).get("application/json")
        if media is not None and "schema" in media:
            return {**_convert(media["schema"]), "components": components}
        if op.document == _INTEGRATION and 400 <= status < 500:
            # Every Integration API 4xx has the one ErrorResponse envelope (api-notes §2.4), but
            # many operations document their 4xx without a body; check those against it too.
            return {"$ref": "#/components/schemas/ErrorResponse", "components": components}
        raise NoSchemaError(f"{op.method} {op.template} {status}: no JSON schema")

    def validate(
        self,
        method: str,
        path: str,
        status: int,
        body: Any,
        *,
        borrowed: list[Borrowed] = (),  # type: ignore[assignment]
    ) -> tuple[str, list[Issue]]:
        """Validate one response body.

        Args:
            method: the request's method.
            path: the request's concrete path (no query string), e.g. `/2/0/users/me`.
            status: the response status.
            body: the decoded JSON body.
            borrowed: the documented stand-ins for operations the OpenAPI does not describe.

        Returns:
            The template the body was validated against, and the issues found (possibly none).

        Raises:
            NoSchemaError: no operation or no JSON schema covers this response.
        """
        op = self.match(method, path)
        template = op.template if op else None
        schema_op, schema_status = op, status
        for entry in borrowed:
            regex, _ = _template_regex(entry.template)
            if entry.method == method.upper() and entry.status == status and regex.match(path):
                schema_op = self.find_template(entry.as_method, entry.as_template)
                template, schema_status = entry.template, entry.as_status
                if schema_op is None:
                    raise NoSchemaError(f"borrowed {entry.as_method} {entry.as_template} unknown")
                break
        if schema_op is None or template is None:
            raise NoSchemaError(f"{method} {path}: no operation in the OpenAPI documents")
        schema = self.response_schema(schema_op, schema_status)
        validator = jsonschema.Draft202012Validator(schema, format_checker=_FORMAT_CHECKER)
        issues = [
            Issue(
                method=method.upper(),
                template=template,
                status=status,
                instance_path=pointer(error.absolute_path),
                keyword=str(error.validator),
                schema_path="/".join(str(p) for p in error.absolute_schema_path),
                message=error.message[:300],
            )
            for error in validator.iter_errors(body)
        ]
        return template, issues

    def validate_component(self, name: str, instance: Any) -> list[str]:
        """Validate against one Integration API component schema (e.g. `File`, `Task`).

        Used for v1.3 bodies, which carry the v2 payloads without an envelope (api-notes §5).

        Returns:
            One message per violation, prefixed with its JSON pointer.
        """
        components = self._components[_INTEGRATION]
        schema = {"$ref": f"#/components/schemas/{name}", "components": components}
        validator = jsonschema.Draft202012Validator(schema, format_checker=_FORMAT_CHECKER)
        return [
            f"{pointer(e.absolute_path) or '/'}: {e.message[:200]}"
            for e in validator.iter_errors(instance)
        ]


# --- docs/emulator-deviations.md -------------------------------------------------------------


def _table_rows(text: str, header_first_cell: str) -> list[list[str]]:
    """Rows of the markdown table whose header starts with `header_first_cell`."""
    rows: list[list[str]] = []
    in_table = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("|"):
            in_table = False
            continue
        cells = [c.strip().strip("`").strip() for c in stripped.strip("|").split("|")]
        if not in_table:
            in_table = cells[0].lower() == header_first_cell.lower()
            continue
        if set("".join(cells)) <= set("-: "):
            continue  # the |---|---| separator
        rows.append(cells)
    return rows


@dataclass(frozen=True)
class DeviationDoc:
    """The parsed contents of docs/emulator-deviations.md."""

    deviations: list[Deviation]
    borrowed: list[Borrowed]


def load_deviations(path: Path = DEVIATIONS_FILE) -> DeviationDoc:
    """Parse the deviation tables.

    The schema table's header starts with `schema deviation`; its columns are
    `id | method | path | status | instance path | keyword | reason`. The stand-in table's header
    starts with `undescribed operation`; its columns are
    `id | method | path | status | validated as | reason`, where "validated as" reads
    `METHOD /path STATUS`.
    """
    text = path.read_text(encoding="utf-8")
    deviations = [
        Deviation(
            method=row[1].upper(),
            template=row[2],
            status=int(row[3]),
            instance_path="" if row[4] in ("/", "(body)") else row[4],
            keyword=row[5],
            reason=row[6],
        )
        for row in _table_rows(text, "schema deviation")
    ]
    borrowed = []
    for row in _table_rows(text, "undescribed operation"):
        as_method, as_template, as_status = row[4].split()
        borrowed.append(
            Borrowed(
                method=row[1].upper(),
                template=row[2],
                status=int(row[3]),
                as_method=as_method.upper(),
                as_template=as_template,
                as_status=int(as_status),
                reason=row[5],
            )
        )
    return DeviationDoc(deviations=deviations, borrowed=borrowed)
