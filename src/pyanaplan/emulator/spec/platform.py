"""The spec's platform side: users, workspaces, behaviour switches, and the `Spec` root.

The root checks what spans its sections (a workspace member is a user, a model's workspace
exists, IDs are unique); each model checks its own objects (``model.py``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pyanaplan.emulator.spec.base import (
    Count,
    CustomerId,
    Flag,
    Problems,
    SpecModel,
    UserId,
    WorkspaceId,
    base_dir,
    one_of,
    problem,
)
from pyanaplan.emulator.spec.model import ModelSpec


class SettingsSpec(SpecModel):
    """Emulator behaviour switches.

    Attributes:
        oauth_auto_approve: Device-grant codes are approved without visiting /activate.
        legacy_certificate_auth: ``accept`` the v1.3 AnaplanCertificate scheme, or ``reject`` it
            with 401 as production now does (api-notes §3.3).
        task_steps: Status polls a task takes to go from IN_PROGRESS to terminal.
        rejected_rows_successful: What ``successful`` says for an import that rejected some
            rows (its ``failureDumpAvailable`` is true either way). Anaplan's public material
            does not settle it, so clients should be tested both ways: False (the default)
            answers ``successful: false``, True answers ``successful: true``.
    """

    oauth_auto_approve: Flag = False
    legacy_certificate_auth: Annotated[
        Literal["accept", "reject"], one_of(("accept", "reject"), "must be 'accept' or 'reject'")
    ] = "accept"
    task_steps: Count = 3
    rejected_rows_successful: Flag = False


def _email(value: str) -> str:
    if value and "@" not in value:
        raise problem(f"{value!r} is not an email address")
    return value


def _certificate(value: str, info: ValidationInfo) -> str:
    # PEM text stays as it is; anything else is a file name, read relative to the spec file.
    if not value.strip():
        raise problem("must be PEM text or a path to a PEM file")
    if "-----BEGIN" in value:
        return value
    try:
        text = (base_dir(info) / value).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise problem(f"cannot read certificate file {value!r}: {exc}") from None
    if "-----BEGIN" not in text:
        raise problem(f"{value!r} is not a PEM file")
    return text


class UserSpec(SpecModel):
    """A user who can sign in (Basic, certificate or OAuth).

    ``certificates`` are PEM texts: a file name in the YAML is read when the spec is loaded.
    ``password`` stays out of ``repr``.
    """

    id: UserId
    email: Annotated[str, AfterValidator(_email)]
    password: str = Field(repr=False)
    first_name: str = ""
    last_name: str = ""
    certificates: tuple[Annotated[str, AfterValidator(_certificate)], ...] = ()


class WorkspaceSpec(SpecModel):
    """A workspace and the emails of its members."""

    id: WorkspaceId
    name: str
    size_allowance: Count = 1073741824
    members: tuple[str, ...] = ()


class Spec(SpecModel):
    """The whole emulator spec: who signs in, which workspaces and models they see, switches.

    ``source`` names the file the spec was read from (for messages); it is not part of the YAML.
    """

    customer_id: CustomerId
    users: tuple[UserSpec, ...] = Field(default=(), validate_default=True)
    workspaces: tuple[WorkspaceSpec, ...] = ()
    models: tuple[ModelSpec, ...] = ()
    settings: SettingsSpec = Field(default_factory=SettingsSpec)
    _source: str = PrivateAttr(default="demo.yaml")

    @field_validator("users")
    @classmethod
    def _someone(cls, users: tuple[UserSpec, ...]) -> tuple[UserSpec, ...]:
        if not users:
            raise problem("at least one user is required")
        return users

    @model_validator(mode="after")
    def _check_references(self, info: ValidationInfo) -> Spec:
        found = Problems()
        users, workspaces = self.users, self.workspaces
        found.unique(((("users", i, "id"), u.id) for i, u in enumerate(users)), "user id")
        found.unique(((("users", i, "email"), u.email) for i, u in enumerate(users)), "user email")
        emails = {u.email for u in users}
        for i, ws in enumerate(workspaces):
            for j, member in enumerate(ws.members):
                if member not in emails:
                    found.add(("workspaces", i, "members", j), f"no user with email {member!r}")
        found.unique(((("workspaces", i, "id"), w.id) for i, w in enumerate(workspaces)), "id")
        workspace_ids = {w.id for w in workspaces}
        for i, model in enumerate(self.models):
            if model.workspace not in workspace_ids:
                found.add(("models", i, "workspace"), f"no workspace with id {model.workspace}")
        found.unique(((("models", i, "id"), m.id) for i, m in enumerate(self.models)), "model id")
        found.raise_any(type(self).__name__)
        if isinstance(info.context, dict) and isinstance(info.context.get("source"), str):
            self._source = info.context["source"]
        return self

    @property
    def source(self) -> str:
        """The spec file's name as given to the loader (``demo.yaml`` for the packaged spec)."""
        return self._source

    def model(self, model_id: str) -> ModelSpec | None:
        """Return the model with ``model_id`` (case-sensitive, api-notes §2.5), or None."""
        return next((m for m in self.models if m.id == model_id), None)
