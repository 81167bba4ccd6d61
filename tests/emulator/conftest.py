"""Fixtures for emulator HTTP tests: plain and signed-in clients on the session emulator, and the
OpenAPI catalog the conformance tests validate against."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from emu_http import ANALYST, Api, make_api
from openapi_validation import OpenApiCatalog


@pytest.fixture
def raw(emu: Any) -> Iterator[httpx2.Client]:
    """An unauthenticated client on the emulator origin."""
    with httpx2.Client(base_url=emu.api_url, timeout=30) as client:
        yield client


@pytest.fixture
def control(emu: Any) -> Iterator[httpx2.Client]:
    """A client for ``/__emulator__/``: this run's control token and the JSON content type."""
    with httpx2.Client(base_url=emu.api_url, headers=emu.control_headers, timeout=30) as client:
        yield client


@pytest.fixture
def api(emu: Any) -> Iterator[Api]:
    """The demo user, signed in."""
    client = make_api(emu)
    yield client
    client.close()


@pytest.fixture
def analyst(emu: Any) -> Iterator[Api]:
    """The second demo user, signed in."""
    client = make_api(emu, ANALYST)
    yield client
    client.close()


@pytest.fixture(scope="session")
def catalog(openapi_dir: Path) -> OpenApiCatalog:
    """The three OpenAPI documents, indexed; skips the test without env PYANAPLAN_OPENAPI_DIR."""
    return OpenApiCatalog(openapi_dir)
