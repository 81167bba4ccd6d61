"""Session-wide generated certificate kits for the auth unit tests."""

from __future__ import annotations

import pytest
from certkit import CertKit, make_kit


@pytest.fixture(scope="session")
def kit() -> CertKit:
    return make_kit("demo@pyanaplan.example")


@pytest.fixture(scope="session")
def other_kit() -> CertKit:
    return make_kit("someone-else")
