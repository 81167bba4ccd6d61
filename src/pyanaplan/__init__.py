"""pyanaplan: a resilient Anaplan Integration API client, CLI and local emulator.

Public names are re-exported lazily (PEP 562), so `import pyanaplan` and `pyanaplan --help` stay
fast: each name's module is imported the first time the name is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from pyanaplan._client import Client, ModelRef
    from pyanaplan._config import (
        Settings,
        delete_profile,
        list_profiles,
        load_profile,
        load_settings,
        save_profile,
    )
    from pyanaplan.auth import (
        DeviceCode,
        FileTokenStore,
        KeyringTokenStore,
        MemoryTokenStore,
        TokenStore,
    )
    from pyanaplan.errors import (
        AmbiguousNameError,
        AmbiguousTaskStartError,
        AnaplanError,
        APIError,
        AuthenticationError,
        BadRequestError,
        ConfigError,
        ConflictError,
        LocalFileError,
        NameNotFoundError,
        NameResolutionError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitedError,
        ServerError,
        TableError,
        TaskFailedError,
        TaskInterrupted,
        TaskTimeoutError,
        TransferError,
        TransportError,
    )
    from pyanaplan.http import RetryPolicy
    from pyanaplan.models import (
        Action,
        Chunk,
        Export,
        ExportMetadata,
        File,
        Import,
        ImportMetadata,
        Model,
        ModelStatus,
        Process,
        ProcessMetadata,
        TaskSummary,
        User,
        Workspace,
    )
    from pyanaplan.tasks.outcome import Outcome, TaskOutcome
    from pyanaplan.tasks.results import TaskCounts, TaskResult
    from pyanaplan.transfer.download import DownloadResult
    from pyanaplan.transfer.upload import UploadResult

_EXPORTS: dict[str, str] = {
    "Action": "pyanaplan.models",
    "AmbiguousNameError": "pyanaplan.errors",
    "AmbiguousTaskStartError": "pyanaplan.errors",
    "AnaplanError": "pyanaplan.errors",
    "APIError": "pyanaplan.errors",
    "AuthenticationError": "pyanaplan.errors",
    "BadRequestError": "pyanaplan.errors",
    "Chunk": "pyanaplan.models",
    "Client": "pyanaplan._client",
    "ConfigError": "pyanaplan.errors",
    "ConflictError": "pyanaplan.errors",
    "DeviceCode": "pyanaplan.auth",
    "DownloadResult": "pyanaplan.transfer.download",
    "Export": "pyanaplan.models",
    "ExportMetadata": "pyanaplan.models",
    "File": "pyanaplan.models",
    "FileTokenStore": "pyanaplan.auth",
    "Import": "pyanaplan.models",
    "ImportMetadata": "pyanaplan.models",
    "KeyringTokenStore": "pyanaplan.auth",
    "LocalFileError": "pyanaplan.errors",
    "delete_profile": "pyanaplan._config",
    "list_profiles": "pyanaplan._config",
    "load_profile": "pyanaplan._config",
    "load_settings": "pyanaplan._config",
    "MemoryTokenStore": "pyanaplan.auth",
    "Model": "pyanaplan.models",
    "ModelRef": "pyanaplan._client",
    "ModelStatus": "pyanaplan.models",
    "NameNotFoundError": "pyanaplan.errors",
    "NameResolutionError": "pyanaplan.errors",
    "NotFoundError": "pyanaplan.errors",
    "Outcome": "pyanaplan.tasks.outcome",
    "PermissionDeniedError": "pyanaplan.errors",
    "Process": "pyanaplan.models",
    "ProcessMetadata": "pyanaplan.models",
    "RateLimitedError": "pyanaplan.errors",
    "RetryPolicy": "pyanaplan.http",
    "save_profile": "pyanaplan._config",
    "ServerError": "pyanaplan.errors",
    "Settings": "pyanaplan._config",
    "TableError": "pyanaplan.errors",
    "TaskCounts": "pyanaplan.tasks.results",
    "TaskFailedError": "pyanaplan.errors",
    "TaskInterrupted": "pyanaplan.errors",
    "TaskOutcome": "pyanaplan.tasks.outcome",
    "TaskTimeoutError": "pyanaplan.errors",
    "TaskResult": "pyanaplan.tasks.results",
    "TaskSummary": "pyanaplan.models",
    "TokenStore": "pyanaplan.auth",
    "TransferError": "pyanaplan.errors",
    "TransportError": "pyanaplan.errors",
    "UploadResult": "pyanaplan.transfer.upload",
    "User": "pyanaplan.models",
    "Workspace": "pyanaplan.models",
}

__all__ = [
    "APIError",
    "Action",
    "AmbiguousNameError",
    "AmbiguousTaskStartError",
    "AnaplanError",
    "AuthenticationError",
    "BadRequestError",
    "Chunk",
    "Client",
    "ConfigError",
    "ConflictError",
    "DeviceCode",
    "DownloadResult",
    "Export",
    "ExportMetadata",
    "File",
    "FileTokenStore",
    "Import",
    "ImportMetadata",
    "KeyringTokenStore",
    "LocalFileError",
    "MemoryTokenStore",
    "Model",
    "ModelRef",
    "ModelStatus",
    "NameNotFoundError",
    "NameResolutionError",
    "NotFoundError",
    "Outcome",
    "PermissionDeniedError",
    "Process",
    "ProcessMetadata",
    "RateLimitedError",
    "RetryPolicy",
    "ServerError",
    "Settings",
    "TableError",
    "TaskCounts",
    "TaskFailedError",
    "TaskInterrupted",
    "TaskOutcome",
    "TaskResult",
    "TaskSummary",
    "TaskTimeoutError",
    "TokenStore",
    "TransferError",
    "TransportError",
    "UploadResult",
    "User",
    "Workspace",
    "__version__",
    "delete_profile",
    "list_profiles",
    "load_profile",
    "load_settings",
    "save_profile",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pyanaplan' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
