"""pyanaplan benchmarks: ``python bench/run.py [--smoke] [--sizes 100MB,1GB] [--big] [--rounds N]
[--only upload,download,...]``.

Starts one emulator process on 127.0.0.1, runs each benchmark's contenders round-robin in worker
processes, and writes docs/benchmarks.json (raw figures) and docs/benchmarks.md (tables, targets,
machine, commands). See docs/benchmarks.md, "How to read this".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from pabench import machine, report, targets  # noqa: E402
from pabench.defaults import transfer_defaults  # noqa: E402
from pabench.emulator import EmulatorProcess  # noqa: E402
from pabench.profile import find_py_spy  # noqa: E402
from pabench.suites import MB, SUITES, Config, Harness  # noqa: E402

MIB = 1024 * 1024


def parse_size(text: str) -> int:
    """``100MB`` -> 100_000_000, ``1GB``, ``512KiB``; a bare number is bytes (the library's
    parser, so the bench reads units as the CLI does); a bad size ends the run with its message."""
    from pyanaplan._config import parse_size as parse
    from pyanaplan.errors import ConfigError

    try:
        return parse(text)
    except ConfigError as exc:
        raise SystemExit(f"--sizes: {exc.message} {exc.hint}") from None


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a few MB, one round (CI)")
    parser.add_argument("--sizes", help="upload/download sizes, e.g. 100MB,1GB (default)")
    parser.add_argument("--big", action="store_true", help="add the 5 GB file, 10M-row imports")
    parser.add_argument("--rounds", type=int, help="rounds per benchmark (default 3; smoke 1)")
    parser.add_argument("--only", help=f"comma-separated subset of: {','.join(SUITES)}")
    parser.add_argument("--out", type=Path, default=REPO / "docs", help="where to write results")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "pyanaplan-bench-data",
        help="cache of generated CSV inputs (reused between runs)",
    )
    parser.add_argument("--findings", type=Path, default=BENCH_DIR / "FINDINGS.md")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="auto",
        metavar="PY_SPY",
        help="profile one extra pyanaplan run of the largest upload and download with py-spy "
        "(path to py-spy, default: the one on PATH)",
    )
    parser.add_argument(
        "--emulator-no-fsync",
        action="store_true",
        help="diagnosis: the emulator skips its per-chunk fsync (not for published figures)",
    )
    parser.add_argument(
        "--contenders",
        help="only these contenders, e.g. pyanaplan,raw (quick diagnosis; ratios may be n/a)",
    )
    parser.add_argument(
        "--merge",
        type=Path,
        help="keep this earlier benchmarks.json's results for the suites not run now",
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        help="only re-render benchmarks.md from this benchmarks.json (e.g. after editing "
        "bench/FINDINGS.md)",
    )
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else set(SUITES)
    unknown = only - set(SUITES)
    if unknown:
        parser.error(f"unknown suites: {', '.join(sorted(unknown))}")
    args.only = only
    return args


def build_config(args: argparse.Namespace, work_dir: Path) -> Config:
    """Sizes, rounds and grids: small for ``--smoke``, the issue's for a full run."""
    if args.smoke:
        cfg = Config(
            smoke=True,
            sizes=[4 * MB],
            rounds=1,
            only=args.only,
            big=False,
            data_dir=args.data_dir,
            work_dir=work_dir,
            import_rows=[2000],
            sweep_size=4 * MB,
            slow_links=[(10 * MB, 2 * MB, "link")],
            sweep_grid={"settings": [(2 * MIB, 2, 1)], "library": [("isal", 1)]},
            latency_timings=[(1, 0.0, 0.0)],
            compress_sample=2 * MB,
            table_rows=20_000,
            airflow_imports=5,
            airflow_task_timing=(1, 0.0),
            airflow_poll_s=0.2,
        )
    else:
        cfg = Config(
            smoke=False,
            sizes=[100 * MB, 1000 * MB] + ([5000 * MB] if args.big else []),
            rounds=3,
            only=args.only,
            big=args.big,
            data_dir=args.data_dir,
            work_dir=work_dir,
            import_rows=[100_000, 1_000_000] + ([10_000_000] if args.big else []),
            sweep_size=200 * MB,
            slow_links=[
                (10 * MB, 50 * MB, "link"),
                (100 * MB, 200 * MB, "link"),
                (10 * MB, 50 * MB, "emulator"),
            ],
            sweep_grid={
                # chunk size x concurrency at level 1, then the level at the default shape.
                "settings": [
                    *((chunk * MIB, conc, 1) for chunk in (4, 10, 25) for conc in (2, 4, 8)),
                    (10 * MIB, 4, 3),
                    (10 * MIB, 4, 6),
                ],
                "library": [("zlib", 1), ("isal", 0), ("isal", 1), ("isal", 2)],
            },
            latency_timings=[(1, 0.0, 0.0), (3, 0.5, 0.0), (5, 1.0, 0.0), (1, 0.0, 0.1)],
            compress_sample=32 * MB,
        )
    if args.sizes:
        cfg.sizes = [parse_size(s) for s in args.sizes.split(",")]
    if args.rounds:
        cfg.rounds = args.rounds
    if args.contenders:
        cfg.contenders = set(args.contenders.split(","))
    if args.profile:
        cfg.py_spy = find_py_spy(args.profile)
        if cfg.py_spy is None:
            raise SystemExit(f"--profile: py-spy not found ({args.profile})")
    return cfg


def run_suites(harness: Harness, cfg: Config) -> None:
    """Cheap and in-process first, then transfers, then the emulator's own figures."""
    steps = [
        ("compress", harness.run_compress),
        *[("upload", lambda s=s: harness.run_upload(s)) for s in cfg.sizes],
        *[("download", lambda s=s: harness.run_download(s)) for s in cfg.sizes],
        ("slowlink", harness.run_slowlink),
        ("latency", harness.run_latency),
        ("import", harness.run_import),
        ("sweep", harness.run_sweep),
        ("tables", harness.run_tables),
        ("airflow", harness.run_airflow),
    ]
    for suite, step in steps:
        if suite not in cfg.only:
            continue
        try:
            step()
        except Exception as exc:  # one broken suite must not lose the others' figures
            print(f"  {suite} FAILED: {type(exc).__name__}: {exc}")
            harness.errors.append({"suite": suite, "error": f"{type(exc).__name__}: {exc}"})


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.from_json:
        doc = json.loads(args.from_json.read_text(encoding="utf-8"))
        doc["targets"] = targets.evaluate(doc["benchmarks"])
        _, md_path = report.write(doc, args.out, args.findings)
        print(f"re-rendered {md_path}")
        return 0
    started = time.perf_counter()
    command = shlex.join(["python", "bench/run.py", *argv])
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="pyanaplan-bench-") as tmp:
        cfg = build_config(args, Path(tmp))
        defaults = transfer_defaults()
        print(f"pyanaplan bench: {command}")
        print(f"  defaults under test: {defaults}")
        with EmulatorProcess(no_fsync=args.emulator_no_fsync) as emu:
            print(f"  emulator pid {emu.pid} at {emu.origin}")
            harness = Harness(cfg, emu, defaults)
            run_suites(harness, cfg)
        records = harness.records
    commands = [command]
    if args.merge:
        earlier = json.loads(args.merge.read_text(encoding="utf-8"))
        kept = [r for r in earlier["benchmarks"] if r["suite"] not in cfg.only]
        if kept:
            records = kept + records
            commands = [*earlier.get("commands", [earlier["command"]]), command]
    all_targets = targets.evaluate(records)
    doc = {
        "schema_version": 1,
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "duration_s": time.perf_counter() - started,
        "command": command,
        "commands": commands,
        "smoke": cfg.smoke,
        "diagnostic": {"emulator_no_fsync": args.emulator_no_fsync},
        "config": {
            "sizes": cfg.sizes,
            "rounds": cfg.rounds,
            "suites": sorted(cfg.only),
            "import_rows": cfg.import_rows,
            "slow_links": cfg.slow_links,
            "sweep_size": cfg.sweep_size,
            "sweep_grid": cfg.sweep_grid,
            "latency_timings": cfg.latency_timings,
            "table_rows": cfg.table_rows,
        },
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "machine": machine.describe(),
        "defaults": defaults,
        "targets": all_targets,
        "errors": harness.errors,
        "benchmarks": records,
    }
    json_path, md_path = report.write(doc, args.out, args.findings)
    print(f"wrote {json_path} and {md_path} in {doc['duration_s']:.0f} s")
    missed = [t for t in all_targets if t["met"] is False]
    for t in missed:
        print(f"  target missed: {t['name']} ({t['target']}): measured {t['measured']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
