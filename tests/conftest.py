"""Session-wide emulator, per-test reset (and, after the test, proof that its injected faults
happened), an isolated config/cache directory and environment, and the OpenAPI descriptions'
directory for the conformance tests (skipped without it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from faultcheck import missed_rules
from openapi_dir import fold_skip, require_openapi_dir

_CALL_PASSED = pytest.StashKey[bool]()
# Not tests/airflow: with Airflow not installed, a folder of that name on sys.path would pass for
# the `airflow` package (a namespace package), and the tests' skip would not happen.
_AIRFLOW_TESTS = Path(__file__).resolve().parent / "airflow_provider"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """tests/airflow_provider runs only when named (`make test-airflow`, called by `make test`):
    importing Airflow reconfigures logging for the whole process, which other tests must not
    see."""
    if collection_path != _AIRFLOW_TESTS:
        return None
    for arg in config.args:
        path = Path(arg.split("::", 1)[0]).resolve()
        if path == _AIRFLOW_TESTS or _AIRFLOW_TESTS in path.parents:
            return None
    return True


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test gets empty ANAPLAN_* settings and its own config and cache directories."""
    for key in list(os.environ):
        if key.startswith("ANAPLAN_"):
            monkeypatch.delenv(key)
    home = tmp_path / "home"
    monkeypatch.setenv("ANAPLAN_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("ANAPLAN_CACHE_DIR", str(home / "cache"))
    yield home


@pytest.fixture(scope="session")
def emulator_server():
    """One emulator for the whole session, on a free loopback port, with the demo spec."""
    from pyanaplan.emulator import Emulator

    with Emulator() as emu:
        yield emu


@pytest.fixture
def emu(emulator_server, request: pytest.FixtureRequest):
    """The session emulator, reset to the demo spec's state before the test.

    After a test that passed, every fault rule it injected must have hit its target
    (faultcheck.missed_rules): a fault aimed at the wrong path fails the test.
    """
    emulator_server.reset()
    yield emulator_server
    if request.node.stash.get(_CALL_PASSED, False):
        problems = missed_rules(emulator_server.faults())
        if problems:
            pytest.fail("injected faults that did not happen: " + "; ".join(problems))


@pytest.fixture(scope="session")
def tables_server():
    """A second emulator, for the table tests: tests/client/specs/tables.yaml (model 'Tables')."""
    from pyanaplan.emulator import Emulator

    with Emulator(spec=Path(__file__).parent / "client" / "specs" / "tables.yaml") as server:
        yield server


@pytest.fixture
def tables_emu(tables_server, request: pytest.FixtureRequest):
    """The tables emulator, reset before the test; its faults must have fired, as for `emu`."""
    tables_server.reset()
    yield tables_server
    if request.node.stash.get(_CALL_PASSED, False):
        problems = missed_rules(tables_server.faults())
        if problems:
            pytest.fail("injected faults that did not happen: " + "; ".join(problems))


@pytest.fixture(scope="session")
def openapi_dir() -> Path:
    """The community OpenAPI descriptions (env PYANAPLAN_OPENAPI_DIR); skips the test if unset."""
    return require_openapi_dir()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """Report all OpenAPI skips under one location, hence one line in the `-ra` summary; note
    whether the test body passed (the `emu` fixture checks faults only then)."""
    report = yield
    fold_skip(report)
    if report.when == "call":
        item.stash[_CALL_PASSED] = report.passed
    return report


@pytest.fixture(params=[False, True], ids=["server-says-unsuccessful", "server-says-successful"])
def rejected_rows_successful(request: pytest.FixtureRequest, emu) -> bool:
    """Run the test against both answers a server may give for an import that rejected rows:
    `successful: false` or `successful: true`, with `failureDumpAvailable: true` either way
    (Anaplan does not document which). The value is what the emulator will say."""
    emu.set_rejected_rows_successful(request.param)
    return request.param
