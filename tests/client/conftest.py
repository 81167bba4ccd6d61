"""Client fixtures: a logged-in `client` for the demo model, and helpers as fixtures.

Helpers are fixtures (not imports) so test modules never depend on which conftest module
Python cached under the name "conftest".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from certs import CertKit, issue
from pyanaplan import Client, RetryPolicy

DEMO_WORKSPACE = "Demo Workspace"
DEMO_MODEL = "Sales Planning"


def _fast_retry(**overrides: Any) -> RetryPolicy:
    values: dict[str, Any] = {
        "attempts": 5,
        "base_s": 0.01,
        "max_backoff_s": 0.05,
        "deadline_s": 30,
    }
    values.update(overrides)
    return RetryPolicy(**values)


@pytest.fixture
def client(emu: Any) -> Iterator[Client]:
    """A Client logged in as the demo user, defaulting to Demo Workspace / Sales Planning."""
    user, password = emu.users[0]
    with Client(
        api_url=emu.api_url,
        auth_url=emu.auth_url,
        oauth_url=emu.oauth_url,
        user=user,
        password=password,
        workspace=DEMO_WORKSPACE,
        model=DEMO_MODEL,
        retry=_fast_retry(),
    ) as c:
        yield c


@pytest.fixture(scope="session")
def small_export_emulator() -> Iterator[Any]:
    """A second emulator whose export outputs come in 64-byte chunks (multi-chunk from the demo
    model's few rows), for export-output download and resume tests."""
    from pyanaplan.emulator import Emulator

    with Emulator(export_chunk_bytes=64) as emu:
        yield emu


@pytest.fixture
def export_client(small_export_emulator: Any) -> Iterator[Client]:
    """A Client of the demo user on `small_export_emulator`, reset before the test."""
    emu = small_export_emulator
    emu.reset()
    user, password = emu.users[0]
    with Client(
        api_url=emu.api_url,
        auth_url=emu.auth_url,
        oauth_url=emu.oauth_url,
        user=user,
        password=password,
        workspace=DEMO_WORKSPACE,
        model=DEMO_MODEL,
        retry=_fast_retry(),
    ) as c:
        yield c


@pytest.fixture
def fast_retry() -> Callable[..., RetryPolicy]:
    """Factory: a retry policy with tiny backoff (Retry-After is still honoured)."""
    return _fast_retry


@pytest.fixture
def connect(emu: Any) -> dict[str, Any]:
    """Client keyword arguments for the emulator's origins, with a fast retry policy."""
    return {
        "api_url": emu.api_url,
        "auth_url": emu.auth_url,
        "oauth_url": emu.oauth_url,
        "retry": _fast_retry(),
    }


@pytest.fixture
def make_client(connect: dict[str, Any]) -> Iterator[Callable[..., Client]]:
    """Factory: Client(**connect, **kwargs); every client made is closed after the test."""
    made: list[Client] = []

    def factory(**kwargs: Any) -> Client:
        c = Client(**{**connect, **kwargs})
        made.append(c)
        return c

    yield factory
    for c in made:
        c.close()


@pytest.fixture(scope="session")
def cert_kit() -> CertKit:
    """A certificate for the demo user (register it with emu.register_certificate per test)."""
    return issue("demo@pyanaplan.example")


@pytest.fixture(scope="session")
def stray_cert_kit() -> CertKit:
    """A certificate nobody registered."""
    return issue("stranger")


@pytest.fixture
def tables_client(tables_emu: Any) -> Iterator[Client]:
    """A Client on the tables emulator's model 'Tables'."""
    user, password = tables_emu.users[0]
    with Client(
        api_url=tables_emu.api_url,
        auth_url=tables_emu.auth_url,
        oauth_url=tables_emu.oauth_url,
        user=user,
        password=password,
        workspace="Demo Workspace",
        model="Tables",
        retry=_fast_retry(),
    ) as c:
        yield c
