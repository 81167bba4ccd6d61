"""Tolerant model of a failure-dump chunk list entry (api-notes §4.7)."""

from __future__ import annotations

from pyanaplan.models._base import AnaplanModel, Id

__all__ = ["DumpChunk"]


class DumpChunk(AnaplanModel):
    """One entry of `…/dump/chunks` or `…/dumps/{objectId}/chunks` (ids from "0")."""

    id: Id
    name: str = ""
