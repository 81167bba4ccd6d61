"""Outcomes recorded with a task's data (engine/outcomes.py) and the crash points tests arm."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from pyanaplan.emulator.engine import outcomes
from pyanaplan.emulator.engine.crash_points import AFTER_MODEL_COMMIT, CrashPoints
from pyanaplan.emulator.storage.model_schema import MODEL_SCHEMA


def _conn() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.executescript(MODEL_SCHEMA)
    return conn


def test_an_outcome_commits_and_rolls_back_with_the_data() -> None:
    conn = _conn()
    pending = outcomes.Pending(
        exports=[("116000000001", [("ab" * 16, 10), ("cd" * 16, 3)])],
        dumps={"112000000003": ("ef" * 16, 42)},
    )
    done = outcomes.RecordedOutcome("T1", "Complete.", {"successful": True}, pending)
    conn.execute("BEGIN")
    outcomes.record(conn, done)
    conn.execute("ROLLBACK")
    assert outcomes.recorded(conn, "T1") is None  # rolled back with the data
    conn.execute("BEGIN")
    outcomes.record(conn, done)
    conn.execute("COMMIT")
    found = outcomes.recorded(conn, "T1")
    assert found == done and found.pending.blob_names() == ["ab" * 16, "cd" * 16, "ef" * 16]
    assert outcomes.recorded_ids(conn) == ["T1"]
    outcomes.forget(conn, "T1")
    assert outcomes.recorded(conn, "T1") is None and outcomes.recorded_ids(conn) == []


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
