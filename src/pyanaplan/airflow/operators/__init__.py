"""The provider's operators (re-exports only)."""

from pyanaplan.airflow.operators.files import (
    AnaplanDeleteFileOperator,
    AnaplanDownloadOperator,
    AnaplanUploadOperator,
)
from pyanaplan.airflow.operators.tasks import (
    AnaplanActionOperator,
    AnaplanExportOperator,
    AnaplanImportOperator,
    AnaplanProcessOperator,
    AnaplanTaskFailedException,
    AnaplanTaskOperator,
)

__all__ = [
    "AnaplanActionOperator",
    "AnaplanDeleteFileOperator",
    "AnaplanDownloadOperator",
    "AnaplanExportOperator",
    "AnaplanImportOperator",
    "AnaplanProcessOperator",
    "AnaplanTaskFailedException",
    "AnaplanTaskOperator",
    "AnaplanUploadOperator",
]
