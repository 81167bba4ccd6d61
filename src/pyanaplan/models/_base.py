"""Tolerant pydantic base: extra fields kept, camelCase aliases, IDs as strings.

Anaplan adds fields and enum values without notice (api-notes §10.4, §10.21), so models never
reject unknown keys or values: enums are plain strings and missing optional keys default.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel

__all__ = ["AnaplanModel", "Id", "OptionalId", "payload"]


def _id(value: Any) -> Any:
    # IDs are strings (api-notes §2.5); some sources send numbers. Never go through float.
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    return value


def _optional_id(value: Any) -> Any:
    if value is None or value == "":
        return None
    return _id(value)


Id = Annotated[str, BeforeValidator(_id)]
OptionalId = Annotated[str | None, BeforeValidator(_optional_id)]


def _none_to_list(value: Any) -> Any:
    return [] if value is None else value


class AnaplanModel(BaseModel):
    """Base of every API payload model."""

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        alias_generator=to_camel,
        frozen=False,
        coerce_numbers_to_str=True,
    )


def payload(body: Any, key: str) -> Any:
    """The payload under `key` of an envelope, or the body itself when it is bare."""
    if isinstance(body, dict) and key in body:
        return body[key]
    return body


ListOf = BeforeValidator(_none_to_list)
