"""Fixtures for the conformance suite (third-party clients against the emulator)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from emulator_hooks import EmulatorTransport, emulator_origins


@pytest.fixture
def emulator_transport(emu) -> Iterator[EmulatorTransport]:
    """A fresh rewriting transport to the (reset) session emulator."""
    transport = EmulatorTransport(emulator_origins(emu))
    yield transport
    transport.close()
