"""Users (api-notes §4.1)."""

from __future__ import annotations

from pyanaplan.models._base import AnaplanModel, Id

__all__ = ["User"]


class User(AnaplanModel):
    """An Anaplan user (`GET /users/me`)."""

    id: Id
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    active: bool | None = None
    email_opt_in: bool | None = None
    customer_id: str | None = None
    last_login_date: str | None = None
