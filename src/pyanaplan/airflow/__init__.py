"""Apache Airflow provider for Anaplan (extra `pyanaplan[airflow]`, Airflow 3.3+).

Names are re-exported lazily (PEP 562): Airflow imports `provider_info` through the
`apache_airflow_provider` entry point in every process, and that must not import Airflow's
operator machinery; the hook, operators, sensor and trigger load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyanaplan.airflow.hooks import AnaplanHook
    from pyanaplan.airflow.operators import (
        AnaplanActionOperator,
        AnaplanDeleteFileOperator,
        AnaplanDownloadOperator,
        AnaplanExportOperator,
        AnaplanImportOperator,
        AnaplanProcessOperator,
        AnaplanTaskFailedException,
        AnaplanTaskOperator,
        AnaplanUploadOperator,
    )
    from pyanaplan.airflow.provider_info import get_provider_info
    from pyanaplan.airflow.sensors import AnaplanTaskSensor
    from pyanaplan.airflow.triggers import AnaplanTaskTrigger

_EXPORTS: dict[str, str] = {
    "AnaplanActionOperator": "pyanaplan.airflow.operators",
    "AnaplanDeleteFileOperator": "pyanaplan.airflow.operators",
    "AnaplanDownloadOperator": "pyanaplan.airflow.operators",
    "AnaplanExportOperator": "pyanaplan.airflow.operators",
    "AnaplanHook": "pyanaplan.airflow.hooks",
    "AnaplanImportOperator": "pyanaplan.airflow.operators",
    "AnaplanProcessOperator": "pyanaplan.airflow.operators",
    "AnaplanTaskFailedException": "pyanaplan.airflow.operators",
    "AnaplanTaskOperator": "pyanaplan.airflow.operators",
    "AnaplanTaskSensor": "pyanaplan.airflow.sensors",
    "AnaplanTaskTrigger": "pyanaplan.airflow.triggers",
    "AnaplanUploadOperator": "pyanaplan.airflow.operators",
    "get_provider_info": "pyanaplan.airflow.provider_info",
}

__all__ = [
    "AnaplanActionOperator",
    "AnaplanDeleteFileOperator",
    "AnaplanDownloadOperator",
    "AnaplanExportOperator",
    "AnaplanHook",
    "AnaplanImportOperator",
    "AnaplanProcessOperator",
    "AnaplanTaskFailedException",
    "AnaplanTaskOperator",
    "AnaplanTaskSensor",
    "AnaplanTaskTrigger",
    "AnaplanUploadOperator",
    "get_provider_info",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pyanaplan.airflow' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
