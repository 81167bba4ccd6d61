"""Session-wide generated certificate kits for the auth unit tests."""

from __future__ import annotations

import pytest

from certs import CertKit, issue


@pytest.fixture(scope="session")
def kit() -> CertKit:
    return issue("demo@pyanaplan.example")


@pytest.fixture(scope="session")
def other_kit() -> CertKit:
    return issue("someone-else")
