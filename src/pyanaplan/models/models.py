"""Models and model status (api-notes §4.3)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from pyanaplan.models._base import AnaplanModel, Id, ListOf, OptionalId

__all__ = ["Model", "ModelStatus"]


class Model(AnaplanModel):
    """A model. `active_state` is a string: UNLOCKED, LOCKED, ARCHIVED, PRODUCTION, … or new
    values Anaplan adds later (kept as sent)."""

    id: Id
    name: str = ""
    active_state: str | None = None
    current_workspace_id: OptionalId = None
    current_workspace_name: str | None = None
    model_url: str | None = None
    category_values: Annotated[list[dict[str, Any]], ListOf] = Field(default_factory=list)
    last_saved_serial_number: int | None = None
    last_modified_by_user_guid: str | None = None
    memory_usage: int | None = None
    iso_creation_date: str | None = None
    last_modified: str | None = None
    model_transaction_running: bool | None = None


class ModelStatus(AnaplanModel):
    """Model status (`requestStatus`). Live GET returns it bare, the docs enveloped
    (api-notes §4.3.4).

    `progress` is -1.0 when idle; `current_step` is e.g. "Open", "Closed", "Processing ...".
    """

    current_step: str | None = None
    progress: float | None = None
    tooltip: str | None = None
    export_task_type: str | None = None
    creation_time: int | None = None
    task_id: str | None = None
    peak_memory_usage_estimate: int | None = None
    peak_memory_usage_time: int | None = None

    @classmethod
    def from_response(cls, body: Any) -> ModelStatus:
        """Parse a bare `{"requestStatus": …}` or an enveloped body, or the status itself."""
        if isinstance(body, dict) and isinstance(body.get("requestStatus"), dict):
            return cls.model_validate(body["requestStatus"])
        return cls.model_validate(body if isinstance(body, dict) else {})
