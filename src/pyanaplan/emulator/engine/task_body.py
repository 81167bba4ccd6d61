"""What a task-start body may hold: ``localeName`` and ``mappingParameters``, checked.

Anaplan's help shows the body as ``{"localeName": "en_US", "mappingParameters": [{"entityType":
"Version", "entityName": "Actual"}]}`` (help page "Import with mapping data"). Clients also send
extra and null fields (Anaplan Connect serialises its whole definition object, with
``connectorParameters: null`` and ``mappingParameters: null``), so unknown and null fields are
ignored; but a field that is present with the wrong type is a 400, not something to run with
(api-notes §4.6.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyanaplan.emulator.engine.errors import bad_request

MAPPING_SHAPE = '{"entityType": "…", "entityName": "…"}'


@dataclass(frozen=True)
class MappingParameter:
    """One mapping parameter: the dimension (``entityType``) and the item to use for it."""

    entity_type: str
    entity_name: str

    def as_json(self) -> dict[str, str]:
        """The API's form (what the engine and the stored task row use)."""
        return {"entityType": self.entity_type, "entityName": self.entity_name}


@dataclass(frozen=True)
class TaskRequest:
    """A task-start body after checking.

    Attributes:
        locale_name: ``localeName`` when sent (the emulator runs every locale the same way).
        mapping: ``mappingParameters`` when sent as a list, else None.
    """

    locale_name: str | None = None
    mapping: tuple[MappingParameter, ...] | None = None

    def mapping_json(self) -> list[dict[str, str]] | None:
        """``mappingParameters`` in the API's form, or None."""
        if self.mapping is None:
            return None
        return [m.as_json() for m in self.mapping]


def parse_task_body(body: Any) -> TaskRequest:
    """Check the body of ``POST …/{imports|exports|actions|processes}/{id}/tasks``.

    Args:
        body: the parsed JSON body; None when the request had none.

    Returns:
        The locale and mapping parameters.

    Raises:
        EmulatorError: 400 when the body is not an object, ``localeName`` is not a string, or
            ``mappingParameters`` is not a list of objects with string ``entityType`` and
            ``entityName``.
    """
    if body is None:
        return TaskRequest()
    if not isinstance(body, dict):
        raise bad_request('The request body must be a JSON object such as {"localeName": "en_US"}.')
    locale = body.get("localeName")
    if locale is not None and not isinstance(locale, str):
        raise bad_request('localeName must be a string, such as "en_US".')
    raw = body.get("mappingParameters")
    if raw is None:
        return TaskRequest(locale_name=locale)
    if not isinstance(raw, list):
        raise bad_request(f"mappingParameters must be a list of {MAPPING_SHAPE} objects.")
    mapping = tuple(_mapping_parameter(i, entry) for i, entry in enumerate(raw))
    return TaskRequest(locale_name=locale, mapping=mapping)


def _mapping_parameter(index: int, entry: Any) -> MappingParameter:
    if not isinstance(entry, dict):
        raise bad_request(f"mappingParameters[{index}] must be an object {MAPPING_SHAPE}.")
    entity_type, entity_name = entry.get("entityType"), entry.get("entityName")
    if not isinstance(entity_type, str) or not isinstance(entity_name, str):
        raise bad_request(
            f"mappingParameters[{index}] needs string fields entityType and entityName, "
            f"as in {MAPPING_SHAPE}."
        )
    return MappingParameter(entity_type, entity_name)
