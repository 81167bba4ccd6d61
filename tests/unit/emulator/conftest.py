"""Fixtures for the model-engine tests (the harness itself lives in engine_harness.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_harness import SALES_MODEL, EngineHarness, demo_spec, make_harness

from pyanaplan.emulator.spec import Spec


@pytest.fixture(scope="session")
def spec() -> Spec:
    return demo_spec()


@pytest.fixture
def engine(tmp_path: Path, spec: Spec) -> Iterator[EngineHarness]:
    """The Sales Planning model, freshly seeded."""
    model = spec.model(SALES_MODEL)
    assert model is not None
    yield from make_harness(tmp_path, model)
