"""The public surface: `from pyanaplan import …` names, sorted __all__, error hints, Client API."""

from __future__ import annotations

import inspect

import pyanaplan
from pyanaplan import errors

EXPECTED = {
    "Client",
    "Settings",
    "RetryPolicy",
    "AnaplanError",
    "ConfigError",
    "LocalFileError",
    "TransportError",
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RateLimitedError",
    "ServerError",
    "TaskFailedError",
    "TableError",
    "TransferError",
    "NameResolutionError",
    "NameNotFoundError",
    "AmbiguousNameError",
    "User",
    "Workspace",
    "Model",
    "ModelStatus",
    "File",
    "Chunk",
    "Import",
    "Export",
    "Action",
    "Process",
    "ImportMetadata",
    "ExportMetadata",
    "ProcessMetadata",
    "__version__",
}


def test_all_is_sorted_and_complete() -> None:
    assert pyanaplan.__all__ == sorted(pyanaplan.__all__)
    assert set(pyanaplan.__all__) >= EXPECTED
    for name in pyanaplan.__all__:
        assert hasattr(pyanaplan, name), name


def test_error_tree_and_hints() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, Exception):
            assert issubclass(cls, errors.AnaplanError)
    for cls in (
        errors.AuthenticationError,
        errors.NotFoundError,
        errors.RateLimitedError,
        errors.ServerError,
        errors.ConflictError,
        errors.PermissionDeniedError,
    ):
        assert issubclass(cls, errors.APIError)
        error = cls("boom", status=500, method="GET", url="https://x/2/0/y")
        assert error.hint and error.status == 500 and str(error) == "boom"
    assert errors.ConfigError("x").hint
    assert errors.TransportError("x").hint
    assert errors.TransferError("x").hint
    assert errors.TaskFailedError("x", result=42).result == 42
    e = errors.NameNotFoundError("x", kind="file", query="q", candidates=[("a", "1")])
    assert e.candidates[0].name == "a" and e.candidates[0].id == "1" and e.hint
    assert issubclass(errors.AmbiguousNameError, errors.NameResolutionError)


def test_client_signature_matches_architecture() -> None:
    params = inspect.signature(pyanaplan.Client).parameters
    names = list(params)
    assert names[0] == "profile"
    for name in (
        "user",
        "password",
        "certificate",
        "private_key",
        "key_password",
        "token",
        "region",
        "api_url",
        "auth_url",
        "oauth_url",
        "workspace",
        "model",
        "verify",
        "ca_bundle",
        "proxy",
        "timeout_s",
        "retry",
        "settings",
    ):
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY, name
    for method in (
        "whoami",
        "workspaces",
        "models",
        "model",
        "files",
        "chunks",
        "imports",
        "exports",
        "actions",
        "processes",
        "import_metadata",
        "export_metadata",
        "process_metadata",
        "upload",
        "upload_table",
        "download",
        "delete_file",
        "run_import",
        "run_export",
        "run_action",
        "run_process",
        "tasks",
        "task",
        "cancel_task",
        "close",
    ):
        assert callable(getattr(pyanaplan.Client, method)), method


def test_errors_pickle_roundtrip() -> None:
    import pickle

    error = errors.NotFoundError("gone", status=404, code=None, method="GET", url="https://x/y")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is errors.NotFoundError
    assert (copy.status, copy.message, copy.url, copy.hint) == (
        404,
        "gone",
        "https://x/y",
        error.hint,
    )
    named = errors.AmbiguousNameError("two", kind="file", query="a", candidates=[("a", "1")])
    assert pickle.loads(pickle.dumps(named)).candidates == [("a", "1")]
