"""Users, workspaces and models from the spec, and who may see what.

A user sees only the workspaces they are a member of and the models in them; anything else is the
generic 404 (NO-ACCESS is masked as 404, never 403 — reference §7). IDs are compared exactly, so a
wrong-case ID is also a 404 (§2.5).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pyanaplan.emulator.engine.clock import Clock
from pyanaplan.emulator.engine.errors import forbidden, not_found


def field(obj: Any, name: str, default: Any = None) -> Any:
    """Read ``name`` from a spec object that may be a dataclass or a plain mapping."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def iso_millis(epoch_s: float) -> str:
    """``2022-02-10T19:14:23.000+0000`` (§2.6)."""
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
        spec: the loaded spec (``pyanaplan.emulator.spec.Spec`` or an equivalent mapping).
        clock: the engine clock (model status ``creationTime``).
    """

    def __init__(self, spec: Any, clock: Clock) -> None:
        self.spec = spec
        self.clock = clock
        self.customer_id: str = field(spec, "customer_id", "") or ""
        self.users: list[User] = [
            User(
                id=field(u, "id"),
                email=field(u, "email"),
                password=field(u, "password", "") or "",
                first_name=field(u, "first_name", "") or "",
                last_name=field(u, "last_name", "") or "",
            )
            for u in field(spec, "users", []) or []
        ]
        self._by_email = {u.email.lower(): u for u in self.users}
        self._by_id = {u.id: u for u in self.users}
        self.workspaces: list[Any] = list(field(spec, "workspaces", []) or [])
        self.models: list[Any] = list(field(spec, "models", []) or [])
        self._ws_by_id = {field(w, "id"): w for w in self.workspaces}
        self._model_by_id = {field(m, "id"): m for m in self.models}
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
        """The ``user`` object of ``/users/me`` (§4.1)."""
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
        mine = {field(w, "id") for w in self.member_workspaces(user)}
        return [
            u for u in self.users if any(field(w, "id") in mine for w in self.member_workspaces(u))
        ]

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
    def is_member(self, user: User, workspace: Any) -> bool:
        members = field(workspace, "members", []) or []
        return any(str(m).lower() == user.email.lower() or m == user.id for m in members)

    def member_workspaces(self, user: User) -> list[Any]:
        return [w for w in self.workspaces if self.is_member(user, w)]

    def workspace(self, user: User, workspace_id: str) -> Any:
        """The workspace, or the generic 404 for unknown IDs and non-members."""
        ws = self._ws_by_id.get(workspace_id)
        if ws is None or not self.is_member(user, ws):
            raise not_found()
        return ws

    def workspace_json(self, ws: Any, *, tenant_details: bool) -> dict[str, Any]:
        """``workspaces[]`` entry; size fields only with tenantDetails (§4.2)."""
        out: dict[str, Any] = {"id": field(ws, "id"), "name": field(ws, "name"), "active": True}
        if tenant_details:
            out["sizeAllowance"] = int(field(ws, "size_allowance", 1073741824) or 0)
            out["currentSize"] = sum(
                1024 * 1024 for m in self.models if field(m, "workspace") == field(ws, "id")
            )
        return out

    # ---- models -------------------------------------------------------------------------------
    def model(self, user: User, model_id: str, workspace_id: str | None = None) -> Any:
        """The model when ``user`` may see it (in ``workspace_id`` if given); else 404."""
        model = self._model_by_id.get(model_id)
        if model is None:
            raise not_found()
        ws_id = field(model, "workspace")
        if workspace_id is not None and ws_id != workspace_id:
            raise not_found()
        ws = self._ws_by_id.get(ws_id)
        if ws is None or not self.is_member(user, ws):
            raise not_found()
        return model

    def model_spec(self, model_id: str) -> Any:
        """The model's spec object (no access check; internal use)."""
        model = self._model_by_id.get(model_id)
        if model is None:
            raise not_found()
        return model

    def visible_models(self, user: User, workspace_id: str | None = None) -> list[Any]:
        ws_ids = {field(w, "id") for w in self.member_workspaces(user)}
        return [
            m
            for m in self.models
            if field(m, "workspace") in ws_ids
            and (workspace_id is None or field(m, "workspace") == workspace_id)
        ]

    def model_json(self, model: Any, *, details: bool, single: bool = False) -> dict[str, Any]:
        """``models[]`` entry; the detail fields the SDK requires with ``modelDetails`` (§4.3.1)."""
        ws = self._ws_by_id.get(field(model, "workspace"))
        mid = field(model, "id")
        out: dict[str, Any] = {
            "id": mid,
            "activeState": field(model, "state", "UNLOCKED") or "UNLOCKED",
            "name": field(model, "name"),
            "currentWorkspaceId": field(ws, "id"),
            "currentWorkspaceName": field(ws, "name"),
            "modelUrl": (
                "https://rt.anaplan.com/anaplan/rt?selectedWorkspaceId="
                f"{field(ws, 'id')}&selectedModelId={mid}"
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

    # ---- model open/close state (§4.3.3, §4.3.4) ---------------------------------------------
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
        with self._lock:
            self._model_step[model_id] = "Closed"

    def reset(self) -> None:
        with self._lock:
            self._model_step.clear()


def ids(items: Iterable[Any]) -> list[str]:
    """The ``id`` of each spec object."""
    return [field(i, "id") for i in items]
