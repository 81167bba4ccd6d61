"""docs/benchmarks.md and docs/benchmarks.json from one run's records.

The Markdown is generated in full each run. Its hand-written parts live in this module (the "how
to read" text) and in ``bench/FINDINGS.md`` (diagnoses and recommendations), copied in verbatim,
so regenerating never loses them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pabench import stats

HOW_TO_READ = """\
Every figure is a **median over rounds**: each benchmark runs its contenders round-robin (the
order rotates each round), each run in a **fresh process**, against **one emulator process** on
127.0.0.1, so the machine's noise spreads over all contenders alike. Times cover the operation
only (not interpreter start-up or imports). **Peak RSS** is the client process's `ru_maxrss`,
read from outside with `os.wait4` (it includes the interpreter and imported modules, 30-55 MB).
MB is 10^6 bytes, MiB 2^20. **Ratios** divide medians: for `A / B` below 1.0, A is faster.

- **raw** is the limit on this machine: a bare httpx2 loop that reads a window of the file,
  gzips it with the same library, level and thread count as pyanaplan and PUTs it (then
  `complete`), with nothing else: no retries, resume journal, name lookup, hashing or progress.
- The emulator runs on the **same 2 cores** as the client and competes with it for CPU (it
  gunzips and stores every chunk), so absolute speeds are lower than against Anaplan; the ratios
  between contenders are what the numbers are for.
- Each upload's server-side content is checked against the source's SHA-256 once per contender,
  and each download's bytes against the source; a run whose bytes differ counts as failed.
- **Slow links**: "shared" caps put a TCP proxy in front of the emulator whose bandwidth all
  connections share, like a real uplink; the emulator's own `set_bandwidth` caps each request
  separately (so N chunks in flight get N times the cap), shown for comparison.
- **Task latency**: the *bare poll* contender starts the import and polls back to back; its time
  is the emulator's own completion time, and the other contenders' overhead is measured against it.
- **Emulator import**: rows/s from task start to COMPLETE (polled every 50 ms); the emulator
  process's peak RSS is read from `/proc/PID/status` (VmHWM, reset before each import).
- **Airflow**: the provider's deferrable path replayed without a scheduler (one worker slot
  starts N imports, N triggers wait in one event loop, the slot collects each), against the same
  N imports run back to back with `deferrable=False`; see `bench/pabench/airflow_bench.py`.
- Inputs are synthetic Sales CSV rows (about 3x smaller at gzip level 1), in the page cache.
"""


def _fmt(value: float | None, spec: str = ".2f", unit: str = "") -> str:
    return "n/a" if value is None else f"{value:{spec}}{unit}"


def _mb(mib: float | None) -> float | None:
    return None if mib is None else mib * stats.MIB / stats.MB


def _result(item: dict[str, Any]) -> str:
    met, value, goal = item["met"], item["measured"], item["target"]
    if met is None:
        return "not measured"
    if met:
        return "**met**"
    limit = _limit(goal)
    if limit and value:
        return f"**missed** ({value / limit:.2f}× the limit)"
    return "**missed**"


def _limit(goal: str) -> float | None:
    """The number in a goal such as ``≤ 1.25× raw time`` or ``≥ 100,000 rows/s``."""
    for token in goal.replace(",", "").replace("×", " ").split():
        try:
            return float(token)
        except ValueError:
            continue
    return None


def _measured(item: dict[str, Any]) -> str:
    value = item["measured"]
    if value is None:
        return "n/a"
    goal = item["target"]
    if "rows/s" in goal:
        return f"{value:,.0f} rows/s"
    if "MB" in goal:
        return f"{value:.1f} MB"
    if goal.endswith("completion"):
        return f"{value:+.3f} s"
    return f"{value:.2f}×"


def _contender_table(rec: dict[str, Any]) -> list[str]:
    lines = [
        "| contender | median s | MB/s | min–max s | peak RSS MB (max) | CPU s | runs ok |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, entry in rec["contenders"].items():
        s = entry["summary"]
        spread = f"{s['min_s']:.2f}–{s['max_s']:.2f}" if s["min_s"] is not None else "n/a"
        lines.append(
            f"| **{name}**: {entry['label']} | {_fmt(s['median_s'])} | "
            f"{_fmt(s['mb_per_s'], '.0f')} | {spread} | "
            f"{_fmt(_mb(s['median_peak_rss_mib']), '.0f')} "
            f"({_fmt(_mb(s['max_peak_rss_mib']), '.0f')})"
            f" | {_fmt(s['median_cpu_s'], '.1f')} | {s['runs_ok']}/{s['runs']} |"
        )
        for error in s["errors"]:
            lines.append(f"|  ↳ error: {error} | | | | | | |")
    return lines


def _ratios(rec: dict[str, Any]) -> list[str]:
    out = []
    for r in rec["ratios"]:
        if r.get("kind") == "difference_s":
            out.append(f"- {r['name']}: {_fmt(r['value'], '+.3f', ' s')}")
        else:
            out.append(f"- {r['name']}: {_fmt(r['value'], '.2f', '×')}")
    return out


def _targets(rec: dict[str, Any]) -> list[str]:
    return [
        f"- target *{t['name']}* ({t['target']}): {_measured(t)} → {_result(t)}"
        + (f" — {t['note']}" if t["note"] else "")
        for t in rec["targets"]
    ]


def _transfer_section(rec: dict[str, Any]) -> list[str]:
    lines = [f"### {rec['title']}", ""]
    cap, mode = rec["params"].get("cap_bps"), rec["params"].get("cap_mode")
    if cap and mode == "link":
        lines += [
            f"All connections share one {cap / stats.MB:g} MB/s uplink (a TCP proxy in front "
            "of the emulator, `bench/pabench/linkcap.py`), like a real slow link.",
            "",
        ]
    elif cap:
        lines += [
            f"The emulator's `set_bandwidth(request_bps={cap / stats.MB:g} MB/s)`: the cap "
            "applies **per request**, so N chunks in flight get N times the bandwidth.",
            "",
        ]
    lines += [*_contender_table(rec), ""]
    lines += _ratios(rec) + _targets(rec) + rec.get("notes", [])
    return [*lines, "", *_profile(rec)]


def _profile(rec: dict[str, Any]) -> list[str]:
    prof = rec.get("profile")
    if not prof:
        return []
    if "error" in prof:
        return [f"Profile: py-spy failed ({prof['error']}).", ""]
    lines = [
        "<details><summary>Profile of one extra pyanaplan run (py-spy, all threads, "
        f"{prof['samples']} samples)</summary>",
        "",
        "| own time | frame |",
        "|---:|---|",
    ]
    lines += [f"| {share:.1%} | `{frame}` |" for frame, share in prof["top_self"]]
    lines += ["", "| incl. time | pyanaplan frame |", "|---:|---|"]
    lines += [f"| {share:.1%} | `{frame}` |" for frame, share in prof["top_inclusive_pyanaplan"]]
    return [*lines, "", "</details>", ""]


def _import_section(rec: dict[str, Any]) -> list[str]:
    s = rec["summary"]
    lines = [
        f"### {rec['title']}",
        "",
        "| runs ok | median s | rows/s | emulator peak RSS MiB | growth during import MiB |",
        "|---:|---:|---:|---:|---:|",
        f"| {s['runs_ok']}/{len(rec['runs'])} | {_fmt(s['median_s'])} | "
        f"{_fmt(s['rows_per_s'], ',.0f')} | {_fmt(s['server_peak_rss_mib'], '.0f')} | "
        f"{_fmt(s['server_peak_rss_delta_mib'], '.0f')} |",
        "",
    ]
    details = rec["runs"][0]["details"] if rec["runs"] else []
    if details:
        lines += [f"Task details: {'; '.join(str(d) for d in details)}", ""]
    return lines + _targets(rec) + [""]


def _compress_section(rec: dict[str, Any]) -> list[str]:
    lines = [
        f"### {rec['title']}",
        "",
        f"One thread, {rec['params']['sample_bytes'] / stats.MB:.0f} MB of the benchmark CSV in "
        "memory, gzip container (`wbits=31`).",
        "",
        "| library | level | MB/s per core | ratio |",
        "|---|---:|---:|---:|",
    ]
    for row in rec["results"]:
        lines.append(
            f"| {row['library']} | {row['level']} | {row['mb_per_s']:.0f} | {row['ratio']:.2f} |"
        )
    return [*lines, ""]


def _sweep_section(rec: dict[str, Any]) -> list[str]:
    lines = [f"### {rec['title']}", "", "Sorted by median time (fastest first).", ""]
    table = dict(rec)
    table["contenders"] = dict(
        sorted(
            rec["contenders"].items(),
            key=lambda kv: kv[1]["summary"]["median_s"] or float("inf"),
        )
    )
    return lines + _contender_table(table) + [""]


_SECTIONS = (
    ("upload", "Upload"),
    ("download", "Download"),
    ("slowlink", "Slow links"),
    ("latency", "Task latency"),
    ("import", "Emulator import throughput"),
    ("tables", "Tables: Arrow in and out"),
    ("sweep", "Sweeps"),
    ("compress", "Gzip libraries and levels"),
    ("airflow", "Airflow: deferred imports on one worker slot"),
)


def markdown(doc: dict[str, Any], findings: str | None) -> str:
    """Render the whole docs/benchmarks.md from the JSON document."""
    m = doc["machine"]
    d = doc["defaults"]
    lines = [
        "# pyanaplan benchmarks",
        "",
        "<!-- Generated by bench/run.py. Hand-written parts: bench/pabench/report.py (how to read)"
        " and bench/FINDINGS.md (findings). Edit those, not this file. -->",
        "",
        f"Generated {doc['generated_at']} in {doc['duration_s']:.0f} s"
        + (
            " — **smoke run: tiny sizes, one round; the figures mean nothing**"
            if doc["smoke"]
            else ""
        )
        + (
            " — **diagnostic run: emulator fsync disabled**"
            if doc.get("diagnostic", {}).get("emulator_no_fsync")
            else ""
        )
        + ". Raw figures: [`benchmarks.json`](benchmarks.json).",
        "",
        "## How to read this",
        "",
        HOW_TO_READ,
        "## Reproduce",
        "",
        "```sh",
        "make bench                      # = .venv/bin/python bench/run.py (about 15 min)",
        "make bench-smoke                # a few MB, one round: checks the harness works",
        ".venv/bin/python bench/run.py --big   # adds the 5 GB file and 10M-row imports",
        ".venv/bin/python bench/run.py --sizes 100MB --rounds 5 --only upload,download",
        "```",
        "",
        "This run: " + " then ".join(f"`{c}`" for c in doc.get("commands", [doc["command"]])),
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        f"| CPU | {m['cpu_model']} |",
        f"| cores | {m['cores']} |",
        f"| RAM | {m['ram_bytes'] / 2**30:.1f} GiB |",
        f"| OS | {m['os']} |",
        f"| Python | {m['python']} |",
    ]
    lines += [f"| {name} | {version} |" for name, version in m["packages"].items()]
    lines += [
        "",
        "## pyanaplan defaults under test",
        "",
        f"Upload chunk size {d['chunk_size'] / stats.MIB:g} MiB, {d['concurrency']} chunks in "
        f"flight, gzip with {d['gzip_library']} at level {d['compress_level']}; downloads "
        f"{d['download_concurrency']} chunks in flight (from `pyanaplan.transfer.plan`).",
        "",
        "## Targets",
        "",
        "| target | benchmark | goal | measured | result |",
        "|---|---|---|---:|---|",
    ]
    for t in doc["targets"]:
        note = f" ({t['note']})" if t["note"] else ""
        lines.append(
            f"| {t['name']} | {t['benchmark']} | {t['target']} | {_measured(t)} | "
            f"{_result(t)}{note} |"
        )
    if doc.get("errors"):
        lines += ["", "## Suites that failed to run", ""]
        lines += [f"- {e['suite']}: {e['error']}" for e in doc["errors"]]
    if findings:
        lines += ["", findings.strip(), ""]
    records = doc["benchmarks"]
    for suite, heading in _SECTIONS:
        recs = [r for r in records if r["suite"] == suite]
        if not recs:
            continue
        lines += ["", f"## {heading}", ""]
        for rec in recs:
            if suite == "import":
                lines += _import_section(rec)
            elif suite == "compress":
                lines += _compress_section(rec)
            elif suite == "sweep":
                lines += _sweep_section(rec)
            else:
                lines += _transfer_section(rec)
    return "\n".join(lines).rstrip() + "\n"


def write(doc: dict[str, Any], out_dir: Path, findings_path: Path) -> tuple[Path, Path]:
    """Write benchmarks.json and benchmarks.md into ``out_dir``; return both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "benchmarks.json"
    md_path = out_dir / "benchmarks.md"
    json_path.write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    findings = findings_path.read_text(encoding="utf-8") if findings_path.exists() else None
    md_path.write_text(markdown(doc, findings), encoding="utf-8")
    return json_path, md_path
