"""Workspaces (api-notes §4.2)."""

from __future__ import annotations

from pyanaplan.models._base import AnaplanModel, Id

__all__ = ["Workspace"]


class Workspace(AnaplanModel):
    """A workspace; size fields only come with `tenantDetails=true`."""

    id: Id
    name: str = ""
    active: bool | None = None
    size_allowance: int | None = None
    current_size: int | None = None
