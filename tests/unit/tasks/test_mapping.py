"""Mapping parameters for task starts (api-notes §4.6.3)."""

from __future__ import annotations

import pytest

from pyanaplan.errors import ConfigError
from pyanaplan.tasks.run import mapping_parameters


def test_dict_and_list_forms() -> None:
    assert mapping_parameters(None) == []
    assert mapping_parameters({}) == []
    assert mapping_parameters({"Version": "Actual", "Region": "Japan"}) == [
        {"entityType": "Version", "entityName": "Actual"},
        {"entityType": "Region", "entityName": "Japan"},
    ]
    assert mapping_parameters([{"entityType": "Version", "entityName": "Budget"}, {"A": "B"}]) == [
        {"entityType": "Version", "entityName": "Budget"},
        {"entityType": "A", "entityName": "B"},
    ]


def test_bad_mapping() -> None:
    with pytest.raises(ConfigError):
        mapping_parameters(["Version=Actual"])  # type: ignore[list-item]
