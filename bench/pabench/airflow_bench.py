"""The ``airflow`` suite's contenders: N Anaplan imports run through the Airflow provider.

* ``airflow.deferred``: the deferrable operator's path. One worker slot starts the N imports
  (each as an operator's ``execute`` does: a hook, ``run_import(wait=False)``, sign out), N
  ``AnaplanTaskTrigger`` objects then wait in one event loop, as a triggerer runs them, and the
  slot collects each ended task (``execute_complete``: a hook, ``Client.wait_task``).
* ``airflow.back_to_back``: ``deferrable=False`` on the same one slot: each import is started
  and waited for in the worker before the next one begins.

No scheduler runs: the worker/triggerer split is replayed in one process, phase by phase, with
the provider's own hook, trigger and client calls, so the figures are the provider's cost and not
Airflow's scheduling latency. The triggerer phase samples the process's RSS and thread count
(``/proc/self/status``) to show what N in-flight triggers cost. Until pyanaplan has an
``AsyncClient``, each trigger's poll is a sync ``Client.task`` call in ``asyncio.to_thread``
(``pyanaplan/airflow/_poll.py``); rerun this suite when that changes.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Job = dict[str, Any]
CONN_ID = "anaplan_bench"


def _prepare(job: Job) -> None:
    """Airflow's environment (a throwaway home, the connection) before Airflow is imported."""
    # Beside the job's own cache directory, inside the run's work dir (removed after the run).
    home = Path(os.environ["ANAPLAN_CACHE_DIR"]).parent / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
    os.environ[f"AIRFLOW_CONN_{CONN_ID.upper()}"] = json.dumps(
        {
            "conn_type": "anaplan",
            "login": job["user"],
            "password": job["password"],
            "extra": {
                "api_url": job["origin"],
                "auth_url": job["origin"],
                "oauth_url": job["origin"],
                "workspace": job["workspace_id"],
                "model": job["model_id"],
            },
        }
    )
    import pyanaplan.airflow.hooks
    import pyanaplan.airflow.triggers  # noqa: F401  (imported before the clock starts)


def _status(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


class _Sampler:
    """Peak RSS (KiB) and thread count of this process while running, every 20 ms."""

    def __init__(self) -> None:
        self.rss_before_kib = _status("VmRSS")
        self.rss_peak_kib = self.rss_before_kib
        self.threads_peak = _status("Threads")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.rss_peak_kib = max(self.rss_peak_kib, _status("VmRSS"))
            self.threads_peak = max(self.threads_peak, _status("Threads"))

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def deferred(job: Job) -> Callable[[], dict[str, Any]]:
    """Start N imports on one slot, wait for them as N triggers in one loop, collect each."""
    _prepare(job)
    from pyanaplan.airflow import _poll
    from pyanaplan.airflow._poll import TaskRef
    from pyanaplan.airflow.hooks import AnaplanHook
    from pyanaplan.airflow.triggers import AnaplanTaskTrigger

    count, import_id = int(job["imports"]), job["import_id"]

    async def wait_all(refs: list[TaskRef]) -> list[dict[str, Any]]:
        async def one(ref: TaskRef) -> dict[str, Any]:
            trigger = AnaplanTaskTrigger.for_task(
                ref, poll_interval_s=float(job["poll_interval_s"]), deadline=None
            )
            events = [event.payload async for event in trigger.run()]
            return events[-1]

        return list(await asyncio.gather(*(one(ref) for ref in refs)))

    def run() -> dict[str, Any]:
        started = time.perf_counter()
        refs = []
        for _ in range(count):
            with AnaplanHook(CONN_ID) as client:  # what the operator's execute() does
                model = client.model_ref()
                found = client.resolve("import", import_id)
                task = client.run_import(found.id, wait=False)
            ids = (model.workspace_id, model.model_id, found.id, found.name, task.task_id)
            refs.append(TaskRef(CONN_ID, "import", *ids))
        starts_done = time.perf_counter()
        with _Sampler() as sampler:
            events = asyncio.run(wait_all(refs))
        triggers_done = time.perf_counter()
        ended = sum(1 for e in events if e["status"] == "ended")
        for ref in refs:
            with AnaplanHook(CONN_ID) as client:
                client.wait_task(
                    "import", ref.object_id, ref.task_id,
                    workspace=ref.workspace_id, model=ref.model_id,
                )  # fmt: skip
        finished = time.perf_counter()
        _poll.drop_clients()
        return {
            "imports": count,
            "triggers_ended": ended,
            "worker_slot_s": (starts_done - started) + (finished - triggers_done),
            "triggerer_s": triggers_done - starts_done,
            "triggerer_rss_before_mib": sampler.rss_before_kib / 1024,
            "triggerer_rss_peak_mib": sampler.rss_peak_kib / 1024,
            "triggerer_rss_growth_mib": (sampler.rss_peak_kib - sampler.rss_before_kib) / 1024,
            "triggerer_threads_peak": sampler.threads_peak,
        }

    return run


def back_to_back(job: Job) -> Callable[[], dict[str, Any]]:
    """The same N imports with ``deferrable=False``: each waits in the one slot."""
    _prepare(job)
    from pyanaplan.airflow.hooks import AnaplanHook

    count, import_id = int(job["imports"]), job["import_id"]

    def run() -> dict[str, Any]:
        started = time.perf_counter()
        for _ in range(count):
            with AnaplanHook(CONN_ID) as client:
                client.run_import(import_id)
        return {"imports": count, "worker_slot_s": time.perf_counter() - started}

    return run


# -- the harness side (runs in bench/run.py's process) ---------------------------------------

LABELS = {
    "deferred": "deferrable (default): starts on one worker slot, N triggers wait in one "
    "event loop, then the slot collects each",
    "back to back": "`deferrable=False` on one worker slot: start, wait, collect, next",
}


def run_suite(harness: Any) -> dict[str, Any]:
    """N imports in flight on one worker slot vs the same N back to back (Config.airflow_*)."""
    import importlib.util

    cfg, emu = harness.cfg, harness.emu
    if importlib.util.find_spec("airflow") is None:
        raise RuntimeError("Apache Airflow is not installed (pip install 'pyanaplan[airflow]')")
    steps, step_s = cfg.airflow_task_timing
    emu.reset()
    emu.set_task_timing(steps, step_s)
    fields = {
        "imports": cfg.airflow_imports,
        "import_id": harness.regions_import_id,
        "poll_interval_s": cfg.airflow_poll_s,
        "user": emu.user,
        "password": emu.password,
    }
    jobs = {
        "deferred": lambda: harness.job("airflow.deferred", **fields),
        "back to back": lambda: harness.job("airflow.back_to_back", **fields),
    }
    title = (
        f"{cfg.airflow_imports} imports on one worker slot, each a task of {steps} x {step_s:g} s "
        f"steps in one model (Anaplan runs a model's tasks one at a time)"
    )
    print(f"  {title} ({cfg.rounds} rounds)")
    runs = harness.interleave(jobs, rounds=cfg.rounds, timeout_s=120.0 + 30 * cfg.airflow_imports)
    rec = harness.record(
        f"airflow-{cfg.airflow_imports}-deferred",
        "airflow",
        title,
        runs,
        LABELS,
        params={
            "imports": cfg.airflow_imports,
            "task_steps": steps,
            "task_step_s": step_s,
            "trigger_poll_interval_s": cfg.airflow_poll_s,
        },
    )
    harness.add_ratio(rec, "wall time, deferred / back to back", "deferred", "back to back")
    slot = {name: _median_extra(runs[name], "worker_slot_s") for name in runs}
    deferred_slot, serial_slot = slot.get("deferred"), slot.get("back to back")
    if deferred_slot is not None and serial_slot:
        rec["ratios"].append(
            {
                "name": "worker-slot time, deferred / back to back",
                "numerator": "deferred",
                "denominator": "back to back",
                "value": deferred_slot / serial_slot,
            }
        )
    growth = _median_extra(runs.get("deferred", []), "triggerer_rss_growth_mib")
    threads = _median_extra(runs.get("deferred", []), "triggerer_threads_peak")
    triggerer_s = _median_extra(runs.get("deferred", []), "triggerer_s")
    if growth is not None and deferred_slot is not None and serial_slot is not None:
        n = cfg.airflow_imports
        rec["notes"] += [
            f"- Worker slot busy: {deferred_slot:.1f} s deferred (starting and collecting "
            f"{n} imports) vs {serial_slot:.1f} s back to back (the slot waits for each).",
            f"- Triggerer: {n} triggers in flight for {triggerer_s:.1f} s grew the process by "
            f"{growth:.1f} MiB ({growth * 1024 / n:.0f} KiB per trigger, one shared client), "
            f"at most {threads:.0f} threads (asyncio.to_thread's pool; until `AsyncClient`).",
        ]
    return rec


def _median_extra(runs: list[dict[str, Any]], key: str) -> float | None:
    from pabench import stats

    return stats.median(run["extra"].get(key) for run in runs if run.get("ok"))
