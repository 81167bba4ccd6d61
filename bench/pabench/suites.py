"""The benchmarks: each runs its contenders round-robin against the one emulator.

Every contender run is a fresh worker process (see ``runner.py``); the emulator is reset between
upload runs so every run meets the same server state. Each benchmark returns one JSON-ready record:
contenders with their runs and medians, the ratios that matter, and the issue's targets.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pabench import data, raw, stats
from pabench.emulator import DEMO_MODEL_ID, DEMO_WORKSPACE_ID, EmulatorProcess, wait_for_task
from pabench.linkcap import LinkProxy
from pabench.runner import RunResult, run_worker

MB = stats.MB
SALES_FILE_ID = "113000000003"
SALES_IMPORT_ID = "112000000003"
REGIONS_FILE_ID = "113000000001"
REGIONS_IMPORT_ID = "112000000001"

# The tables suite's own emulator spec and objects (bench/pabench/tables_spec.yaml).
TABLES_SPEC = Path(__file__).with_name("tables_spec.yaml")
ORDERS_FILE_ID = "113000000001"
ORDERS_IMPORT_ID = "112000000001"
LINES_FILE_ID = "113000000002"
LINES_IMPORT_ID = "112000000002"
LINES_EXPORT_ID = "116000000001"

SUITES = (
    "upload",
    "download",
    "latency",
    "import",
    "sweep",
    "compress",
    "slowlink",
    "tables",
    "airflow",
)

JobFactory = Callable[[], dict[str, Any]]


@dataclass
class Config:
    """What to run; filled from the command line by ``run.py``."""

    smoke: bool
    sizes: list[int]
    rounds: int
    only: set[str]
    big: bool
    data_dir: Path
    work_dir: Path
    import_rows: list[int] = field(default_factory=list)
    sweep_size: int = 200 * MB
    #: (cap in bytes/s, file size, "link" (shared proxy) or "emulator" (its per-request cap))
    slow_links: list[tuple[int, int, str]] = field(default_factory=list)
    sweep_grid: dict[str, list[Any]] = field(default_factory=dict)
    #: (task steps, seconds per step, delay added to every API request)
    latency_timings: list[tuple[int, float, float]] = field(default_factory=list)
    compress_sample: int = 64 * MB
    #: Only these contenders (None: all); for quick diagnostic runs.
    contenders: set[str] | None = None
    #: py-spy executable: profile one extra pyanaplan run of the largest upload and download.
    py_spy: str | None = None
    #: Rows of the tables suite's table (issue 14 asks 10M).
    table_rows: int = 10_000_000
    #: The airflow suite: imports in flight, their task timing (steps, s), trigger poll interval.
    airflow_imports: int = 50
    airflow_task_timing: tuple[int, float] = (2, 0.25)
    airflow_poll_s: float = 5.0


def size_label(size: int) -> str:
    """``100MB``, ``1GB``, ``4MB`` (decimal units, as on the command line)."""
    if size >= 1_000_000_000 and size % 1_000_000_000 == 0:
        return f"{size // 1_000_000_000}GB"
    return f"{size / MB:g}MB"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while block := src.read(8 * 1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def target(name: str, goal: str, measured: float | None, met: bool | None, note: str = "") -> dict:
    """One target line: what the issue asks, what we measured, met or not."""
    return {"name": name, "target": goal, "measured": measured, "met": met, "note": note}


class Harness:
    """Runs the suites against one emulator and collects benchmark records."""

    def __init__(self, cfg: Config, emu: EmulatorProcess, defaults: dict[str, Any]) -> None:
        self.cfg = cfg
        self.emu = emu
        self.defaults = defaults
        self.records: list[dict[str, Any]] = []
        #: Suites that raised (the run goes on; the report lists them).
        self.errors: list[dict[str, str]] = []
        #: Where workers connect: the emulator, or a capped link in front of it.
        self.origin = emu.origin
        self._hashes: dict[Path, str] = {}
        self._jobs = 0
        self._demo_items: tuple[list[str], list[str]] | None = None

    # -- plumbing ------------------------------------------------------------------------------
    def job(self, contender: str, **fields: Any) -> dict[str, Any]:
        """A worker job with the emulator's coordinates, a fresh token and empty config dirs.

        Each run gets its own ANAPLAN_CACHE_DIR so no run resumes another's upload journal.
        """
        self._jobs += 1
        home = self.cfg.work_dir / f"home-{self._jobs}"
        return {
            "contender": contender,
            "env": {
                "ANAPLAN_CACHE_DIR": str(home / "cache"),
                "ANAPLAN_CONFIG_DIR": str(home / "config"),
            },
            "origin": self.origin,
            "workspace_id": DEMO_WORKSPACE_ID,
            "model_id": DEMO_MODEL_ID,
            "token": self.emu.token(),
            **fields,
        }

    def sha(self, path: Path) -> str:
        if path not in self._hashes:
            self._hashes[path] = sha256_file(path)
        return self._hashes[path]

    def interleave(
        self,
        jobs: dict[str, JobFactory],
        *,
        rounds: int,
        timeout_s: float,
        before: Callable[[str], None] | None = None,
        after: Callable[[str, int, RunResult], None] | None = None,
    ) -> dict[str, list[dict[str, Any]]]:
        """Run every contender once per round, rotating the order each round.

        Rotation spreads slow drifts of the machine (page cache, other load) over all contenders.
        """
        names = [n for n in jobs if self.cfg.contenders is None or n in self.cfg.contenders]
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for round_no in range(rounds):
            shift = round_no % len(names)
            for name in names[shift:] + names[:shift]:
                if before:
                    before(name)
                result = run_worker(jobs[name](), timeout_s=timeout_s)
                if after and result.ok:
                    after(name, round_no, result)
                runs[name].append(result.to_json())
                status = f"{result.elapsed_s:.2f} s" if result.ok else f"FAILED: {result.error}"
                rss = result.peak_rss_kib / 1024
                print(f"    {name:<32} round {round_no + 1}: {status}, peak RSS {rss:.0f} MiB")
        return runs

    def record(
        self,
        bench_id: str,
        suite: str,
        title: str,
        runs: dict[str, list[dict[str, Any]]],
        labels: dict[str, str],
        *,
        size_bytes: int | None = None,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        rec = {
            "id": bench_id,
            "suite": suite,
            "title": title,
            "size_bytes": size_bytes,
            "params": params or {},
            "contenders": {
                name: {
                    "label": labels.get(name, name),
                    "summary": stats.summarize(name_runs, size_bytes),
                    "runs": name_runs,
                }
                for name, name_runs in runs.items()
            },
            "ratios": [],
            "targets": [],
            "notes": [],
        }
        self.records.append(rec)
        return rec

    @staticmethod
    def median_s(rec: dict[str, Any], name: str) -> float | None:
        entry = rec["contenders"].get(name)
        return entry["summary"]["median_s"] if entry else None

    @staticmethod
    def rss_mb(rec: dict[str, Any], name: str) -> float | None:
        """Peak RSS, decimal MB (the unit the targets use), max over the runs."""
        entry = rec["contenders"].get(name)
        mib = entry["summary"]["max_peak_rss_mib"] if entry else None
        return mib * stats.MIB / MB if mib is not None else None

    @staticmethod
    def add_ratio(rec: dict[str, Any], name: str, top: str, bottom: str) -> float | None:
        """Record ``median(top) / median(bottom)`` on ``rec`` and return it."""
        value = stats.ratio(Harness.median_s(rec, top), Harness.median_s(rec, bottom))
        rec["ratios"].append(
            {"name": name, "numerator": top, "denominator": bottom, "value": value}
        )
        return value

    def upload_in_process(self, path: Path, file_id: str) -> None:
        """Put ``path`` on the server (setup for downloads and imports; not measured)."""
        d = self.defaults
        raw.upload(
            origin=self.emu.origin,
            token=self.emu.token(),
            workspace_id=DEMO_WORKSPACE_ID,
            model_id=DEMO_MODEL_ID,
            file_id=file_id,
            path=path,
            chunk_size=d["chunk_size"],
            concurrency=d["concurrency"],
            compress=raw.compressor("zlib", 1),
        )

    def server_sha(self, file_id: str) -> tuple[str, int]:
        """SHA-256 and size of the server's content of ``file_id`` (streamed)."""
        digest = hashlib.sha256()
        size = 0
        with (
            self.emu.api(self.emu.token()) as api,
            api.stream("GET", f"/files/{file_id}") as response,
        ):
            response.raise_for_status()
            for block in response.iter_bytes(8 * 1024 * 1024):
                digest.update(block)
                size += len(block)
        return digest.hexdigest(), size

    def demo_items(self) -> tuple[list[str], list[str]]:
        """Product and region item names of the demo spec (module-import rows must use them)."""
        if self._demo_items is None:
            from pyanaplan.emulator import load_spec

            spec = load_spec(None)
            model = next(m for m in spec.models if m.id == DEMO_MODEL_ID)
            lists = {lst.name: [item.name for item in lst.items] for lst in model.lists}
            self._demo_items = (lists["Products"], lists["Regions"])
        return self._demo_items

    def _maybe_profile(
        self, rec: dict[str, Any], job: JobFactory, size: int, *, before: Callable[[], None]
    ) -> None:
        """With ``--profile``: one extra pyanaplan run of the largest size under py-spy."""
        if not self.cfg.py_spy or size != max(self.cfg.sizes):
            return
        from pabench.profile import profile_run

        before()
        print(f"    profiling one more pyanaplan run of {rec['id']} with py-spy")
        out = self.cfg.work_dir / f"profile-{rec['id']}.txt"
        rec["profile"] = profile_run(self.cfg.py_spy, job(), out, self.timeout_for(size))

    #: The import the airflow suite runs (a list import whose source the spec already holds).
    regions_import_id = REGIONS_IMPORT_ID

    def run_airflow(self) -> dict[str, Any]:
        from pabench.airflow_bench import run_suite

        return run_suite(self)

    def timeout_for(self, size: int) -> float:
        """Generous: 2 MB/s worst case plus start-up, so only a hung run is killed."""
        return 120.0 + size / (2 * MB)

    # -- suites --------------------------------------------------------------------------------
    def run_upload(self, size: int) -> dict[str, Any]:
        cfg, d = self.cfg, self.defaults
        path = data.sales_csv(cfg.data_dir, size)
        raw_opts = {
            "chunk_size": d["chunk_size"],
            "concurrency": d["concurrency"],
            "library": d["gzip_library"],
            "level": d["compress_level"],
            "compress": True,
        }
        up = {"path": str(path), "file_id": SALES_FILE_ID}
        jobs: dict[str, JobFactory] = {
            "pyanaplan": lambda: self.job("upload.pyanaplan", **up, options={}),
            "anaplan-sdk": lambda: self.job("upload.sdk", **up),
            "raw": lambda: self.job("upload.raw", **up, options=raw_opts),
            "pyanaplan --no-compress": lambda: self.job(
                "upload.pyanaplan", **up, options={"compress": False}
            ),
            "raw, no gzip": lambda: self.job(
                "upload.raw", **up, options={**raw_opts, "compress": False}
            ),
        }
        labels = {
            "pyanaplan": "pyanaplan `Client.upload` (defaults)",
            "anaplan-sdk": "anaplan-sdk 0.5.22 `upload_file` (defaults: 25 MB chunks, gzip 9, "
            "cpu_count threads)",
            "raw": f"bare httpx2 loop, {d['gzip_library']} level {d['compress_level']}, "
            f"{d['chunk_size'] / stats.MIB:g} MiB chunks, {d['concurrency']} threads",
            "pyanaplan --no-compress": "pyanaplan `Client.upload(compress=False)`",
            "raw, no gzip": "bare httpx2 loop, uncompressed PUTs, same chunks and threads",
        }
        rec = self._measure_upload(
            f"upload-{size_label(size)}", f"Upload {size_label(size)}", path, jobs, labels
        )
        self._maybe_profile(rec, jobs["pyanaplan"], size, before=self.emu.reset)
        return rec

    def _measure_upload(
        self,
        bench_id: str,
        title: str,
        path: Path,
        jobs: dict[str, JobFactory],
        labels: dict[str, str],
        *,
        cap_bps: int | None = None,
        suite: str = "upload",
    ) -> dict[str, Any]:
        size = path.stat().st_size
        source_sha = self.sha(path)
        verified: dict[str, bool] = {}

        def before(_name: str) -> None:
            self.emu.reset()
            if cap_bps:
                self.emu.set_bandwidth(cap_bps, None)

        def after(name: str, round_no: int, result: RunResult) -> None:
            # Check the server's content once per contender: an upload that silently lost a chunk
            # must not count as fast (anaplan-sdk drops chunk errors on the floor).
            if name in verified:
                return
            if cap_bps:
                self.emu.set_bandwidth(None, None)
            server_sha, server_size = self.server_sha(SALES_FILE_ID)
            verified[name] = server_sha == source_sha
            if not verified[name]:
                result.ok = False
                result.error = f"server content differs ({server_size} of {size} bytes)"

        print(f"  {title} ({size / MB:.0f} MB, {self.cfg.rounds} rounds)")
        runs = self.interleave(
            jobs,
            rounds=self.cfg.rounds,
            timeout_s=self.timeout_for(size),
            before=before,
            after=after,
        )
        if cap_bps:
            self.emu.set_bandwidth(None, None)
        rec = self.record(
            bench_id,
            suite,
            title,
            runs,
            labels,
            size_bytes=size,
            params={"bandwidth_cap_bps": cap_bps, "verified": verified},
        )
        return rec

    def run_download(self, size: int) -> dict[str, Any]:
        cfg, d = self.cfg, self.defaults
        path = data.sales_csv(cfg.data_dir, size)
        source_sha = self.sha(path)
        actual = path.stat().st_size  # the generator cuts at a row end
        self.emu.reset()
        self.upload_in_process(path, SALES_FILE_ID)
        target_path = cfg.work_dir / "download.csv"
        down = {"file_id": SALES_FILE_ID, "target": str(target_path)}
        jobs: dict[str, JobFactory] = {
            "pyanaplan": lambda: self.job("download.pyanaplan", **down),
            "anaplan-sdk": lambda: self.job("download.sdk", **down),
            "raw": lambda: self.job(
                "download.raw", **down, options={"concurrency": d["download_concurrency"]}
            ),
        }
        labels = {
            "pyanaplan": "pyanaplan `Client.download` (defaults)",
            "anaplan-sdk": "anaplan-sdk 0.5.22 `get_file` (cpu_count threads, whole file in "
            "memory), then written to disk",
            "raw": f"bare httpx2 loop, {d['download_concurrency']} chunk GETs in flight, "
            "written in order",
        }
        checked: set[str] = set()

        def before(_name: str) -> None:
            target_path.unlink(missing_ok=True)

        def after(name: str, round_no: int, result: RunResult) -> None:
            if not target_path.exists() or target_path.stat().st_size != actual:
                result.ok = False
                result.error = "downloaded file has the wrong size"
            elif name not in checked:
                checked.add(name)
                if sha256_file(target_path) != source_sha:
                    result.ok = False
                    result.error = "downloaded bytes differ from the source"
            target_path.unlink(missing_ok=True)

        print(f"  Download {size_label(size)} ({cfg.rounds} rounds)")
        runs = self.interleave(
            jobs, rounds=cfg.rounds, timeout_s=self.timeout_for(size), before=before, after=after
        )
        rec = self.record(
            f"download-{size_label(size)}",
            "download",
            f"Download {size_label(size)}",
            runs,
            labels,
            size_bytes=actual,
            params={"server_chunk_size": d["chunk_size"]},
        )
        self._maybe_profile(rec, jobs["pyanaplan"], size, before=lambda: before("pyanaplan"))
        target_path.unlink(missing_ok=True)
        return rec

    def run_latency(self) -> list[dict[str, Any]]:
        cfg = self.cfg
        products, regions = self.demo_items()
        path = data.module_csv(cfg.data_dir, 1000, products=products, regions=regions)
        self.emu.reset()
        self.upload_in_process(path, SALES_FILE_ID)
        task = {"import_id": SALES_IMPORT_ID}
        jobs: dict[str, JobFactory] = {
            "pyanaplan": lambda: self.job("task.pyanaplan", **task),
            "anaplan-sdk": lambda: self.job("task.sdk", **task),
            "bare poll": lambda: self.job("task.bare", **task),
        }
        labels = {
            "pyanaplan": "pyanaplan `Client.run_import` (start + wait, default poll schedule)",
            "anaplan-sdk": "anaplan-sdk 0.5.22 `run_action` (polls every `status_poll_delay`=1 s)",
            "bare poll": "bare httpx2 loop: start, then poll back to back "
            "(= the emulator's own completion time)",
        }
        records = []
        for steps, step_s, delay_s in cfg.latency_timings:
            self.emu.set_task_timing(steps, step_s)
            self.emu.control("DELETE", "faults")
            title = f"Small import latency, task of {steps} x {step_s:g} s steps"
            if delay_s:
                # Every API request waits delay_s first: a WAN round trip, so extra requests show.
                self.emu.control(
                    "POST", "faults", {"path": "/2/0/*", "delay_s": delay_s, "fraction": 1.0}
                )
                title += f", {delay_s * 1000:.0f} ms added per request"
            print(f"  {title} ({cfg.rounds} rounds)")
            runs = self.interleave(jobs, rounds=cfg.rounds, timeout_s=120.0)
            self.emu.control("DELETE", "faults")
            rec = self.record(
                f"latency-{steps}x{step_s:g}s" + (f"-rtt{delay_s * 1000:.0f}ms" if delay_s else ""),
                "latency",
                title,
                runs,
                labels,
                params={
                    "rows": 1000,
                    "task_steps": steps,
                    "task_step_s": step_s,
                    "request_delay_s": delay_s,
                },
            )
            bare = self.median_s(rec, "bare poll")
            for name in ("pyanaplan", "anaplan-sdk"):
                mine = self.median_s(rec, name)
                over = None if mine is None or bare is None else mine - bare
                rec["ratios"].append(
                    {
                        "name": f"{name} over the emulator's completion time (s)",
                        "numerator": name,
                        "denominator": "bare poll",
                        "value": over,
                        "kind": "difference_s",
                    }
                )
            records.append(rec)
        return records

    def _import_once(self, kind: str, rows: int) -> dict[str, Any]:
        """Upload the source (not measured), then time the import and watch the server's RSS."""
        cfg = self.cfg
        if kind == "list":
            path, file_id, import_id = (
                data.list_csv(cfg.data_dir, rows),
                REGIONS_FILE_ID,
                REGIONS_IMPORT_ID,
            )
        else:
            products, regions = self.demo_items()
            path = data.module_csv(cfg.data_dir, rows, products=products, regions=regions)
            file_id, import_id = SALES_FILE_ID, SALES_IMPORT_ID
        self.emu.reset()
        self.emu.set_task_timing(1, 0.0)
        self.upload_in_process(path, file_id)
        rss_before = self.emu.rss_kib()
        peak_reset = self.emu.reset_peak_rss()
        with self.emu.api(self.emu.token()) as api:
            started = time.perf_counter()
            response = api.post(f"/imports/{import_id}/tasks", json={"localeName": "en_US"})
            response.raise_for_status()
            task_id = response.json()["task"]["taskId"]
            task = wait_for_task(
                api, "imports", import_id, task_id, timeout_s=600.0 + rows / 2000, interval_s=0.05
            )
            elapsed = time.perf_counter() - started
        peak = self.emu.peak_rss_kib()
        result = task.get("result") or {}
        return {
            "kind": kind,
            "rows": rows,
            "elapsed_s": elapsed,
            "rows_per_s": rows / elapsed,
            "successful": bool(result.get("successful")),
            "details": [d.get("localMessageText") for d in result.get("details", [])][:3],
            "server_rss_before_mib": rss_before / 1024,
            "server_peak_rss_mib": peak / 1024,
            "server_peak_rss_delta_mib": (peak - rss_before) / 1024,
            "peak_reset": peak_reset,
            "source_bytes": path.stat().st_size,
        }

    def run_import(self) -> list[dict[str, Any]]:
        records = []
        for kind in ("list", "module"):
            for rows in self.cfg.import_rows:
                rounds = self.cfg.rounds if rows <= 100_000 else 1
                print(f"  Emulator import into a {kind}, {rows:,} rows ({rounds} rounds)")
                runs = []
                for _ in range(rounds):
                    run = self._import_once(kind, rows)
                    print(
                        f"    {run['elapsed_s']:.2f} s, {run['rows_per_s']:,.0f} rows/s, "
                        f"server peak RSS {run['server_peak_rss_mib']:.0f} MiB, "
                        f"successful={run['successful']}"
                    )
                    runs.append(run)
                ok = [r for r in runs if r["successful"]]
                records.append(
                    {
                        "id": f"import-{kind}-{rows}",
                        "suite": "import",
                        "title": f"Emulator import into a {kind}, {rows:,} rows",
                        "params": {"kind": kind, "rows": rows},
                        "runs": runs,
                        "summary": {
                            "runs_ok": len(ok),
                            "median_s": stats.median(r["elapsed_s"] for r in ok),
                            "rows_per_s": stats.median(r["rows_per_s"] for r in ok),
                            "server_peak_rss_mib": max(
                                (r["server_peak_rss_mib"] for r in ok), default=None
                            ),
                            "server_peak_rss_delta_mib": max(
                                (r["server_peak_rss_delta_mib"] for r in ok), default=None
                            ),
                        },
                        "targets": [],
                        "notes": [],
                    }
                )
        self.records.extend(records)
        self.emu.reset()
        return records

    def run_sweep(self) -> dict[str, Any]:
        cfg, d = self.cfg, self.defaults
        path = data.sales_csv(cfg.data_dir, cfg.sweep_size)
        up = {"path": str(path), "file_id": SALES_FILE_ID}
        grid = cfg.sweep_grid
        jobs: dict[str, JobFactory] = {}
        labels: dict[str, str] = {}
        for chunk, conc, level in grid["settings"]:
            name = f"chunk {chunk / stats.MIB:g} MiB, {conc} threads, level {level}"
            options = {"chunk_size": chunk, "concurrency": conc, "compress_level": level}
            jobs[name] = lambda options=options: self.job("upload.pyanaplan", **up, options=options)
            labels[name] = f"pyanaplan upload, {name}"
        for library, level in grid.get("library", []):
            name = f"raw {library} level {level}"
            options = {
                "chunk_size": d["chunk_size"],
                "concurrency": d["concurrency"],
                "library": library,
                "level": level,
                "compress": True,
            }
            jobs[name] = lambda options=options: self.job("upload.raw", **up, options=options)
            labels[name] = f"bare loop, {library} level {level}, default chunk size and threads"
        rounds = min(cfg.rounds, 2)
        print(
            f"  Sweep over {len(jobs)} settings, {path.stat().st_size / MB:.0f} MB "
            f"({rounds} rounds)"
        )
        runs = self.interleave(
            jobs,
            rounds=rounds,
            timeout_s=self.timeout_for(cfg.sweep_size),
            before=lambda _n: self.emu.reset(),
        )
        return self.record(
            f"sweep-{size_label(cfg.sweep_size)}",
            "sweep",
            f"Upload settings sweep, {size_label(cfg.sweep_size)}",
            runs,
            labels,
            size_bytes=path.stat().st_size,
            params={"grid": grid, "rounds": rounds},
        )

    def run_compress(self) -> dict[str, Any]:
        """Single-thread gzip speed and ratio per library and level, on the same CSV bytes."""
        cfg = self.cfg
        path = data.sales_csv(cfg.data_dir, max(cfg.sizes))
        with path.open("rb") as src:
            sample = src.read(cfg.compress_sample)
        results = []
        candidates = [("zlib", lvl) for lvl in (1, 3, 6, 9)]
        try:
            import isal  # noqa: F401

            candidates += [("isal", lvl) for lvl in (0, 1, 2, 3)]
        except ImportError:
            pass
        print(f"  Gzip speed per core on {len(sample) / MB:.0f} MB of CSV")
        for library, level in candidates:
            fn = raw.compressor(library, level)
            times = []
            # Slow levels once: they take seconds and their spread hardly matters.
            for _ in range(1 if level >= 6 and library == "zlib" else max(1, min(cfg.rounds, 3))):
                started = time.perf_counter()
                out = fn(sample)
                times.append(time.perf_counter() - started)
            elapsed = stats.median(times)
            row = {
                "library": library,
                "level": level,
                "mb_per_s": len(sample) / MB / elapsed,
                "ratio": len(sample) / len(out),
                "compressed_bytes": len(out),
            }
            print(f"    {library} {level}: {row['mb_per_s']:.0f} MB/s, ratio {row['ratio']:.2f}")
            results.append(row)
        rec = {
            "id": "compress",
            "suite": "compress",
            "title": "Gzip speed per core and ratio on the benchmark CSV",
            "params": {"sample_bytes": len(sample)},
            "results": results,
            "targets": [],
            "notes": [],
        }
        self.records.append(rec)
        return rec

    def run_slowlink(self) -> list[dict[str, Any]]:
        """Uploads over a capped link: ``link`` = shared-bandwidth proxy, ``emulator`` = its cap."""
        records = []
        for cap, size, mode in self.cfg.slow_links:
            path = data.sales_csv(self.cfg.data_dir, size)
            jobs, labels = self._slowlink_jobs(path)
            where = "a shared" if mode == "link" else "the emulator's per-request"
            title = f"Upload {size_label(size)} over {where} {cap / MB:g} MB/s cap"
            bench_id = f"slowlink-{mode}-{cap // MB}MBps-{size_label(size)}"
            if mode == "link":
                with LinkProxy(self.emu.origin, cap) as proxy:
                    self.origin = proxy.origin
                    try:
                        rec = self._measure_upload(
                            bench_id, title, path, jobs, labels, suite="slowlink"
                        )
                    finally:
                        self.origin = self.emu.origin
            else:
                rec = self._measure_upload(
                    bench_id, title, path, jobs, labels, cap_bps=cap, suite="slowlink"
                )
            rec["params"].update({"cap_bps": cap, "cap_mode": mode})
            records.append(rec)
        return records

    def _slowlink_jobs(self, path: Path) -> tuple[dict[str, JobFactory], dict[str, str]]:
        d = self.defaults
        up = {"path": str(path), "file_id": SALES_FILE_ID}
        raw_opts = {
            "chunk_size": d["chunk_size"],
            "concurrency": d["concurrency"],
            "library": d["gzip_library"],
            "level": d["compress_level"],
            "compress": True,
        }
        jobs: dict[str, JobFactory] = {
            "pyanaplan": lambda: self.job("upload.pyanaplan", **up, options={}),
            "anaplan-sdk": lambda: self.job("upload.sdk", **up),
            "raw": lambda: self.job("upload.raw", **up, options=raw_opts),
        }
        if not self.cfg.smoke:
            jobs["raw zlib level 6"] = lambda: self.job(
                "upload.raw", **up, options={**raw_opts, "library": "zlib", "level": 6}
            )
        labels = {
            "pyanaplan": "pyanaplan `Client.upload` (defaults)",
            "anaplan-sdk": "anaplan-sdk 0.5.22 `upload_file` (defaults)",
            "raw": f"bare loop, {d['gzip_library']} level {d['compress_level']}",
            "raw zlib level 6": "bare loop, zlib level 6 (does a higher level pay off here?)",
        }
        return jobs, labels

    # -- tables (issue 14) ---------------------------------------------------------------------
    def run_tables(self) -> list[dict[str, Any]]:
        """A table uploaded from Arrow vs written to CSV and uploaded; an export read into Arrow
        vs downloaded and read by pandas. On an emulator of its own (the tables spec), so the
        export has ``table_rows`` typed rows."""
        cfg = self.cfg
        rows = cfg.table_rows
        print(f"  Tables: preparing {rows:,} rows (cached in {cfg.data_dir})")
        parquet = data.order_lines_parquet(cfg.data_dir, rows)
        orders = data.orders_csv(cfg.data_dir, rows)
        demo = self.emu
        with EmulatorProcess(spec=str(TABLES_SPEC)) as emu:
            self.emu, self.origin = emu, emu.origin
            try:
                emu.set_task_timing(1, 0.0)
                self.upload_in_process(orders, ORDERS_FILE_ID)
                list_s = self._run_task("imports", ORDERS_IMPORT_ID, rows)
                print(f"    setup: {rows:,} orders imported into the list in {list_s:.0f} s")
                upload = self._tables_upload(rows, parquet)
                module_s = self._run_task("imports", LINES_IMPORT_ID, rows)
                export_s = self._run_task("exports", LINES_EXPORT_ID, rows)
                print(
                    f"    setup: module import {module_s:.0f} s, export task {export_s:.0f} s "
                    "(not measured against anything)"
                )
                export = self._tables_export(rows)
                export["params"].update({"module_import_s": module_s, "export_task_s": export_s})
            finally:
                self.emu, self.origin = demo, demo.origin
        return [upload, export]

    def _run_task(self, kind: str, object_id: str, rows: int) -> float:
        """Start a task on the current emulator and wait for it; seconds taken."""
        with self.emu.api(self.emu.token()) as api:
            started = time.perf_counter()
            response = api.post(f"/{kind}/{object_id}/tasks", json={"localeName": "en_US"})
            response.raise_for_status()
            task_id = response.json()["task"]["taskId"]
            task = wait_for_task(
                api, kind, object_id, task_id, timeout_s=600.0 + rows / 2000, interval_s=0.1
            )
        if not (task.get("result") or {}).get("successful"):
            raise RuntimeError(f"{kind} {object_id} did not succeed: {task.get('result')}")
        return time.perf_counter() - started

    def _server_lines(self, file_id: str) -> tuple[int, int]:
        """Line count and size of the server's content of ``file_id`` (streamed)."""
        lines = size = 0
        with (
            self.emu.api(self.emu.token()) as api,
            api.stream("GET", f"/files/{file_id}") as response,
        ):
            response.raise_for_status()
            for block in response.iter_bytes(8 * 1024 * 1024):
                lines += block.count(b"\n")
                size += len(block)
        return lines, size

    def _tables_upload(self, rows: int, parquet: Path) -> dict[str, Any]:
        cfg = self.cfg
        up = {"parquet": str(parquet), "file_id": LINES_FILE_ID}
        csv_path = cfg.work_dir / "order-lines.csv"
        jobs: dict[str, JobFactory] = {
            "from Arrow": lambda: self.job("tables.upload.arrow", **up),
            "CSV file": lambda: self.job("tables.upload.csvfile", **up, csv_path=str(csv_path)),
        }
        labels = {
            "from Arrow": "pyanaplan `Client.upload_table(table)`: encoded block by block into "
            "the streamed upload",
            "CSV file": "`pyarrow.csv.write_csv(table, path)`, then `Client.upload(path)`",
        }
        sizes: dict[str, int] = {}

        def after(name: str, _round: int, result: RunResult) -> None:
            if name in sizes:
                return
            lines, sizes[name] = self._server_lines(LINES_FILE_ID)
            if lines != rows + 1:
                result.ok = False
                result.error = f"the server file has {lines} lines, expected {rows + 1}"

        rounds = cfg.rounds if rows <= 1_000_000 else min(cfg.rounds, 2)
        print(f"  Tables: upload {rows:,} rows ({rounds} rounds)")
        runs = self.interleave(
            jobs, rounds=rounds, timeout_s=self.timeout_for(rows * 80), after=after
        )
        ok = [r for r in runs["from Arrow"] if r["ok"]]
        table_bytes = ok[0]["extra"]["table_bytes"] if ok else None
        rec = self.record(
            f"tables-upload-{rows}",
            "tables",
            f"Table of {rows:,} rows uploaded from Arrow vs via a CSV file",
            runs,
            labels,
            size_bytes=sizes.get("from Arrow"),
            params={"rows": rows, "table_bytes": table_bytes, "server_bytes": sizes},
        )
        csv_path.unlink(missing_ok=True)
        return rec

    def _tables_export(self, rows: int) -> dict[str, Any]:
        cfg = self.cfg
        down = {"file_id": LINES_EXPORT_ID}
        csv_path = cfg.work_dir / "order-lines-export.csv"
        jobs: dict[str, JobFactory] = {
            "to Arrow": lambda: self.job("tables.export.arrow", **down, as_table="arrow"),
            "to pandas": lambda: self.job("tables.export.arrow", **down, as_table="pandas"),
            "file + pandas.read_csv": lambda: self.job(
                "tables.export.pandas", **down, csv_path=str(csv_path)
            ),
        }
        labels = {
            "to Arrow": "pyanaplan `Client.download(export, as_table='arrow')`: streamed "
            "download parsed by pyarrow, typed from exportMetadata",
            "to pandas": "the same with `as_table='pandas'` (Arrow, then `to_pandas()`)",
            "file + pandas.read_csv": "`Client.download(export, path)`, then "
            "`pandas.read_csv(path)` (C engine, default options)",
        }

        def after(_name: str, _round: int, result: RunResult) -> None:
            if result.extra.get("rows") != rows:
                result.ok = False
                result.error = f"read {result.extra.get('rows')} rows, expected {rows}"

        rounds = cfg.rounds if rows <= 1_000_000 else min(cfg.rounds, 2)
        print(f"  Tables: export of {rows:,} rows read into a table ({rounds} rounds)")
        runs = self.interleave(
            jobs, rounds=rounds, timeout_s=self.timeout_for(rows * 80), after=after
        )
        csv_path.unlink(missing_ok=True)
        _, size = self._server_lines(LINES_EXPORT_ID)
        return self.record(
            f"tables-export-{rows}",
            "tables",
            f"Export of {rows:,} rows read into a table",
            runs,
            labels,
            size_bytes=size,
            params={"rows": rows},
        )
