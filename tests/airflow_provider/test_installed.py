"""Airflow is installed, new enough for the provider, and has found it (else: one skip line)."""

from __future__ import annotations

import importlib.util
from importlib.metadata import entry_points, version

import pytest


def test_airflow_3_3_or_later_lists_the_provider() -> None:
    if importlib.util.find_spec("airflow") is None:
        pytest.skip("Apache Airflow is not installed (pip install 'pyanaplan[airflow]')")
    major, minor = (int(part) for part in version("apache-airflow-core").split(".")[:2])
    assert (major, minor) >= (3, 3)  # task_state_store, which retries rely on
    (entry,) = [e for e in entry_points(group="apache_airflow_provider") if "pyanaplan" in e.value]
    assert entry.load()()["package-name"] == "pyanaplan"
