"""Users, workspaces and models from the spec, and who may see what.

A user sees only the workspaces they are a member of and the models in them; anything else is the
generic 404 (NO-ACCESS is masked as 404, never 403 — api-notes §7). IDs are compared exactly, so a
wrong-case ID is also a 404 (api-notes §2.5).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pyanaplan.emulator.engine.clock import Clock
from pyanaplan.emulator.engine.errors import forbidden, not_found
from pyanaplan.emulator.spec import ModelSpec, Spec, WorkspaceSpec


def iso_millis(epoch_s: float) -> str:
    """``2022-02-10T19:14:23.000+0000`` (api-notes §2.6)."""
    dt = datetime.fromtimestamp(epoch_s, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}+0000"


@dataclass(frozen=True)
class User:
    """A spec user (the password never leaves the engine)."""

    id: str
    email: str
    password: str
    first_name: str
    last_name: str


class Directory:
    """Access rules over the spec's users, workspaces and models.

    Args:
        spec: the loaded spec.
        clock: the engine clock (model status ``creationTime``).
    """

    def __init__(self, spec: Spec, clock: Clock) -> None:
        self.spec = spec
        self.clock = clock
        self.customer_id = spec.customer_id
        self.users: list[User] = [
            User(
                id=u.id,
                email=u.email,
                password=u.password,
                first_name=u.first_name,
                last_name=u.last_name,
            )
            for u in spec.users
        ]
        self._by_email = {u.email.lower(): u for u in self.users}
        self._by_id = {u.id: u for u in self.users}
        self.workspaces: list[WorkspaceSpec] = list(spec.workspaces)
        self.models: list[ModelSpec] = list(spec.models)
        self._ws_by_id = {w.id: w for w in self.workspaces}
        self._model_by_id = {m.id: m for m in self.models}
        self._model_step: dict[str, str] = {}
        self._lock = threading.Lock()
        self.started_s = clock.now_s()

    # ---- users --------------------------------------------------------------------------------
    def user_by_email(self, email: str) -> User | None:
        """Emails match case-insensitively, as sign-in names do."""
        return self._by_email.get(email.lower())

    def user_by_id(self, user_id: str) -> User | None:
        """Exact-ID lookup."""
        return self._by_id.get(user_id)

    def user_json(self, user: User) -> dict[str, Any]:
        """The ``user`` object of ``/users/me`` (api-notes §4.1)."""
        return {
            "id": user.id,
            "active": True,
            "email": user.email,
            "emailOptIn": False,
            "firstName": user.first_name,
            "lastName": user.last_name,
            "customerId": self.customer_id,
            "lastLoginDate": iso_millis(self.started_s),
        }

    def visible_users(self, user: User) -> list[User]:
        """Users sharing at least one workspace with ``user``."""
        mine = {w.id for w in self.member_workspaces(user)}
        return [u for u in self.users if any(w.id in mine for w in self.member_workspaces(u))]

    def listing_user(self, caller: User, user_id: str) -> User:
        """Whose workspaces and models ``/users/{userId}/…`` may list: the caller's own only.

        The reference knows these paths only as clients call them, with their own ID
        (api-notes §4.1). Another user the caller can see is refused (403); an ID naming nobody
        the caller can see, or a wrong-case ID, is the generic 404 as on ``/users/{userId}``.
        """
        if user_id == caller.id:
            return caller
        target = self.user_by_id(user_id)
        if target is None or target not in self.visible_users(caller):
            raise not_found()
        raise forbidden()

    # ---- workspaces ---------------------------------------------------------------------------
    def is_member(self, user: User, workspace: WorkspaceSpec) -> bool:
        """Members are listed by email (any case) or user ID."""
        return any(m.lower() == user.email.lower() or m == user.id for m in workspace.members)

    def member_workspaces(self, user: User) -> list[WorkspaceSpec]:
        """The workspaces ``user`` is a member of, in spec order."""
        return [w for w in self.workspaces if self.is_member(user, w)]

    def workspace(self, user: User, workspace_id: str) -> WorkspaceSpec:
        """The workspace, or the generic 404 for unknown IDs and non-members."""
        ws = self._ws_by_id.get(workspace_id)
        if ws is None or not self.is_member(user, ws):
            raise not_found()
        return ws

    def workspace_json(self, ws: WorkspaceSpec, *, tenant_details: bool) -> dict[str, Any]:
        """``workspaces[]`` entry; size fields only with tenantDetails (api-notes §4.2)."""
        out: dict[str, Any] = {"id": ws.id, "name": ws.name, "active": True}
        if tenant_details:
            out["sizeAllowance"] = ws.size_allowance
            out["currentSize"] = sum(1024 * 1024 for m in self.models if m.workspace == ws.id)
        return out

    # ---- models -------------------------------------------------------------------------------
    def model(self, user: User, model_id: str, workspace_id: str | None = None) -> ModelSpec:
        """The model when ``user`` may see it (in ``workspace_id`` if given); else 404."""
        model = self._model_by_id.get(model_id)
        if model is None:
            raise not_found()
        if workspace_id is not None and model.workspace != workspace_id:
            raise not_found()
        ws = self._ws_by_id.get(model.workspace)
        if ws is None or not self.is_member(user, ws):
            raise not_found()
        return model

    def model_spec(self, model_id: str) -> ModelSpec:
        """The model's spec object (no access check; internal use)."""
        model = self._model_by_id.get(model_id)
        if model is None:
            raise not_found()
        return model

    def visible_models(self, user: User, workspace_id: str | None = None) -> list[ModelSpec]:
        """The models in ``user``'s workspaces (only ``workspace_id``'s if given)."""
        ws_ids = {w.id for w in self.member_workspaces(user)}
        return [
            m
            for m in self.models
            if m.workspace in ws_ids and (workspace_id is None or m.workspace == workspace_id)
        ]

    def model_json(
        self, model: ModelSpec, *, details: bool, single: bool = False
    ) -> dict[str, Any]:
        """``models[]`` entry; the detail fields the SDK requires with ``modelDetails``
        (api-notes §4.3.1)."""
        # The spec checks that every model's workspace exists.
        ws = self._ws_by_id[model.workspace]
        out: dict[str, Any] = {
            "id": model.id,
            "activeState": model.state,
            "name": model.name,
            "currentWorkspaceId": ws.id,
            "currentWorkspaceName": ws.name,
            "modelUrl": (
                "https://rt.anaplan.com/anaplan/rt?selectedWorkspaceId="
                f"{ws.id}&selectedModelId={model.id}"
            ),
            "categoryValues": [],
        }
        if details:
            first_user = self.users[0].id if self.users else ""
            out.update(
                {
                    "lastSavedSerialNumber": 2000000,
                    "lastModifiedByUserGuid": first_user,
                    "memoryUsage": 10485760,
                    "isoCreationDate": iso_millis(self.started_s),
                    "lastModified": iso_millis(self.started_s),
                }
            )
        if single or details:
            out["modelTransactionRunning"] = False
        return out

    # ---- model open/close state (api-notes §4.3.3, §4.3.4) ---------------------------------------
    def model_status(self, model_id: str) -> dict[str, Any]:
        """Bare ``requestStatus`` with all 8 keys."""
        with self._lock:
            step = self._model_step.get(model_id, "Open")
        return {
            "requestStatus": {
                "tooltip": None,
                "progress": -1.0,
                "currentStep": step,
                "exportTaskType": None,
                "creationTime": self.clock.now_ms(),
                "taskId": None,
                "peakMemoryUsageEstimate": None,
                "peakMemoryUsageTime": None,
            }
        }

    def open_model(self, model_id: str) -> None:
        """Loading is instantaneous here; status reads "Open" afterwards."""
        with self._lock:
            self._model_step[model_id] = "Open"

    def close_model(self, model_id: str) -> None:
        """Status reads "Closed" until the model is opened again."""
        with self._lock:
            self._model_step[model_id] = "Closed"

    def reset(self) -> None:
        """Every model back to "Open"."""
        with self._lock:
            self._model_step.clear()
