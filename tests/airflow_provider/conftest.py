"""Airflow provider tests: real DAGs run with `dag.test()` against the emulator.

They run in a pytest process of their own (`make test-airflow`, which `make test` calls):
importing Airflow reconfigures logging for the whole process (a root stdout handler at INFO),
which other tests' log and output assertions must not see. So the root conftest leaves this
folder out unless it is named on the command line, and without Airflow installed everything here
is skipped with one line.

The environment Airflow reads at import is set here, before anything imports it: a temporary
AIRFLOW_HOME with a sqlite metadata database, no example DAGs, and a DAGs folder holding
`dags/anaplan_dags.py` and the JSON specs the tests write.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

AIRFLOW_MISSING = importlib.util.find_spec("airflow") is None
if AIRFLOW_MISSING:
    # The test modules import Airflow; test_installed.py alone is collected, and skips with
    # the one line that says what to install.
    collect_ignore = [
        str(p) for p in Path(__file__).parent.glob("test_*.py") if p.name != "test_installed.py"
    ]

HOME = Path(tempfile.mkdtemp(prefix="pyanaplan-airflow-home-"))
DAGS = HOME / "dags"
DAGS.mkdir()
shutil.copy(Path(__file__).with_name("dags") / "anaplan_dags.py", DAGS / "anaplan_dags.py")
os.environ.update(
    AIRFLOW_HOME=str(HOME),
    AIRFLOW__CORE__LOAD_EXAMPLES="False",
    AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
    AIRFLOW__LOGGING__LOGGING_LEVEL="INFO",
)
sys.path.insert(0, str(DAGS))

from afhelpers import DagRunResult, conn_json  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def airflow_db() -> Iterator[Path]:
    """One sqlite metadata database for the session (what `airflow db migrate` makes)."""
    if not AIRFLOW_MISSING:
        from airflow.utils.db import initdb

        initdb()
    yield HOME
    shutil.rmtree(HOME, ignore_errors=True)


@pytest.fixture
def anaplan_conn(emu: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """Connection `anaplan_default` (an environment variable, as Airflow reads them)."""
    monkeypatch.setenv("AIRFLOW_CONN_ANAPLAN_DEFAULT", conn_json(emu))
    return "anaplan_default"


@pytest.fixture(autouse=True)
def fresh_trigger_clients() -> Iterator[None]:
    """Triggers share one client per connection per process; each test starts without."""
    if AIRFLOW_MISSING:
        yield
        return
    from pyanaplan.airflow import _poll

    _poll.drop_clients()
    yield
    _poll.drop_clients()


@pytest.fixture
def run_dag(request: pytest.FixtureRequest) -> Iterator[Callable[..., DagRunResult]]:
    """Run the DAG of a spec (see dags/anaplan_dags.py) with `dag.test()`."""
    written: list[Path] = []

    def run(tasks: list[dict[str, Any]], *, dag_id: str | None = None) -> DagRunResult:
        import anaplan_dags

        name = dag_id or request.node.name.replace("[", "_").replace("]", "").replace("-", "_")
        spec = {"dag_id": name, "tasks": tasks}
        path = DAGS / f"{name}.json"
        path.write_text(json.dumps(spec))
        written.append(path)
        return DagRunResult(anaplan_dags.build(spec).test())

    yield run
    for path in written:
        path.unlink(missing_ok=True)
