"""Outcomes recorded with a task's data (engine/outcomes.py) and the crash points tests arm."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pyanaplan.emulator.engine import outcomes
from pyanaplan.emulator.engine.crash_points import AFTER_MODEL_COMMIT, CrashPoints
from pyanaplan.emulator.storage.model_store import ModelStores


class _Rollback(Exception):
    pass


def test_an_outcome_commits_and_rolls_back_with_the_data(tmp_path: Path) -> None:
    stores = ModelStores(tmp_path, durable=False)
    store, fresh = stores.get("5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B")
    assert fresh
    pending = outcomes.Pending(
        exports=[("116000000001", [("ab" * 16, 10), ("cd" * 16, 3)])],
        dumps={"112000000003": ("ef" * 16, 42)},
    )
    done = outcomes.RecordedOutcome("T1", "Complete.", {"successful": True}, pending)
    with pytest.raises(_Rollback), store.transaction() as data:
        outcomes.record(data, done)
        raise _Rollback
    assert outcomes.recorded(store.reader(), "T1") is None  # rolled back with the data
    with store.transaction() as data:
        outcomes.record(data, done)
    found = outcomes.recorded(store.reader(), "T1")
    assert found == done and found.pending.blob_names() == ["ab" * 16, "cd" * 16, "ef" * 16]
    assert outcomes.recorded_ids(store.reader()) == ["T1"]
    with store.transaction() as data:
        outcomes.forget(data, "T1")
    assert outcomes.recorded(store.reader(), "T1") is None
    assert outcomes.recorded_ids(store.reader()) == []
    stores.close()


def test_a_crash_point_parks_one_worker_until_disarmed() -> None:
    points = CrashPoints()
    points.reach(AFTER_MODEL_COMMIT)  # not armed: returns at once
    points.arm(AFTER_MODEL_COMMIT)
    assert points.state() == {AFTER_MODEL_COMMIT: "armed"}
    passed = threading.Event()

    def worker() -> None:
        points.reach(AFTER_MODEL_COMMIT)
        passed.set()

    thread = threading.Thread(target=worker)
    thread.start()
    for _ in range(500):
        if points.state() == {AFTER_MODEL_COMMIT: "reached"}:
            break
        passed.wait(0.01)
    assert points.state() == {AFTER_MODEL_COMMIT: "reached"} and not passed.is_set()
    points.disarm()
    thread.join(timeout=10)
    assert passed.is_set() and points.state() == {}
    with pytest.raises(ValueError):
        points.arm("somewhere-else")
