"""Where the OpenAPI conformance tests find the community OpenAPI descriptions.

Why this exists: the emulator's JSON bodies and the schemathesis run are checked against the
community OpenAPI descriptions of Anaplan's APIs (github.com/setikites/anaplan-openapi,
Apache-2.0). They are third-party material, so they are not copied into this repository: the
tests read them from the directory named by `PYANAPLAN_OPENAPI_DIR` (CI sets it in `.ci/run`).
Without it those tests skip, all with the one reason below, and every other test still runs.

A plain module (not conftest) so that modules needing the path at import time (the schemathesis
suite parametrizes from the document) share this one lookup with the `openapi_dir` fixture.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ENV = "PYANAPLAN_OPENAPI_DIR"
#: The three documents the tests read; the directory must hold all of them.
DOCUMENTS = ("integration-openapi.json", "authentication-openapi.json", "oauth-openapi.json")
SKIP_REASON = (
    f"OpenAPI conformance: set {ENV} to the directory holding integration-openapi.json (CI sets it)"
)


def find_openapi_dir() -> Path | None:
    """The directory from `PYANAPLAN_OPENAPI_DIR` when it holds every document, else None."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    directory = Path(value).expanduser().resolve()
    if all((directory / name).is_file() for name in DOCUMENTS):
        return directory
    return None


def skip_reason() -> str:
    """Why the OpenAPI tests skip: unset, or set to a directory that lacks a document."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return SKIP_REASON
    missing = [name for name in DOCUMENTS if not (Path(value).expanduser() / name).is_file()]
    return f"{SKIP_REASON}; {ENV}={value} lacks {', '.join(missing)}"


def require_openapi_dir() -> Path:
    """The OpenAPI directory, or skip the calling test with the one-line reason."""
    directory = find_openapi_dir()
    if directory is None:
        pytest.skip(skip_reason())
    return directory


def fold_skip(report: pytest.TestReport) -> None:
    """Give every OpenAPI skip this module as its location, so `-ra` prints them as one line.

    pytest reports a skip raised in a fixture at each test's own line; these skips share one cause
    and one remedy, so one summary line (`SKIPPED [N] tests/openapi_dir.py: …`) says it all.
    """
    if report.skipped and isinstance(report.longrepr, tuple):
        _path, _line, message = report.longrepr
        if SKIP_REASON in message:
            report.longrepr = (__file__, None, message)
