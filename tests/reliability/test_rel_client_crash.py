"""Suite 2 — client crashes: `pyanaplan upload` / `download` SIGKILLed at seeded random points.

Each iteration starts the real console script on a six-chunk file, waits until a random number
of chunk requests has reached the emulator (bandwidth is capped so a transfer takes a moment),
adds a random few milliseconds and SIGKILLs the process. The rerun of the same command must
resume and end byte-identical (verified independently), and across the two runs only chunks that
were in flight at the kill may have gone over the wire twice:

* upload: at most `--concurrency` chunks (acknowledged by the server but not yet journalled);
* download: at most the download concurrency (4) plus the one chunk queued behind them, plus
  one more — a resume re-fetches the last journalled chunk to check that the server file did
  not change.
"""

from __future__ import annotations

import collections
import io
import json
import random
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

MIB = 1024 * 1024
CHUNKS = 6
SIZE = CHUNKS * MIB - 4321
UPLOAD_CONCURRENCY = 3
DOWNLOAD_CONCURRENCY = 4  # transfer/plan.py DEFAULT_DOWNLOAD_CONCURRENCY (no CLI option)
SEED = 20261128
FILE = "Sales.csv"


def _chunk_requests(emu: Any, method: str) -> list[dict[str, Any]]:
    return [
        r
        for r in emu.requests()
        if r["method"] == method and "/files/113000000003/chunks/" in r["path"]
    ]


def _kill_at(proc: Any, emu: Any, method: str, after: int, extra_s: float) -> bool:
    """SIGKILL once `after` chunk requests have started; False if the process finished first."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if len(_chunk_requests(emu, method)) >= after:
            break
        time.sleep(0.005)
    time.sleep(extra_s)
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    return True


def _leftovers(target: Path) -> str:
    """What a killed download left: .part size and the sidecar (for failure messages)."""
    part = Path(f"{target}.part")
    sidecar = Path(f"{part}.json")
    size = part.stat().st_size if part.exists() else None
    state = sidecar.read_bytes()[:300].strip() if sidecar.exists() else None
    return f".part={size} sidecar={state!r}"


def _upload_completed(emu: Any) -> bool:
    return any(
        r["method"] == "POST" and r["path"].endswith("/complete") and r["status"] == 200
        for r in emu.requests()
    )


def _per_chunk(entries: list[dict[str, Any]]) -> collections.Counter[str]:
    return collections.Counter(r["path"].rsplit("/", 1)[1] for r in entries)


def _crash_loop(
    op: str,
    iterations: int,
    *,
    emu: Any,
    rclient: Callable[..., Any],
    cli_spawn: Callable[..., Any],
    cli_proc: Callable[..., Any],
    make_csv: Callable[..., bytes],
    figures: Any,
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED + (0 if op == "upload" else 1))
    data = make_csv(SIZE, seed=7)
    source = tmp_path / FILE
    source.write_bytes(data)
    method = "PUT" if op == "upload" else "GET"
    # Download: `concurrency` chunks in flight plus one queued (transfer/download.py), plus the
    # last journalled chunk that a resume fetches again to check the server file is unchanged.
    allowed = UPLOAD_CONCURRENCY if op == "upload" else DOWNLOAD_CONCURRENCY + 2
    killed = finished_early = identical = sent_twice = max_twice = 0
    failures: list[str] = []
    over_bound: list[int] = []
    for n in range(iterations):
        emu.reset()
        cache = tmp_path / f"cache-{n}"
        env = {"ANAPLAN_CACHE_DIR": str(cache)}
        target = tmp_path / f"copy-{n}.csv"
        if op == "upload":
            args = [
                "-q",
                "upload",
                str(source),
                "--file",
                FILE,
                "--chunk-size",
                "1MiB",
                "--concurrency",
                str(UPLOAD_CONCURRENCY),
            ]
            emu.set_bandwidth(request_bps=6 * MIB)
        else:
            rclient().upload(source, chunk_size=MIB)
            args = ["-q", "download", FILE, "-O", str(target)]
            emu.set_bandwidth(response_bps=8 * MIB)
        after = rng.randint(1, CHUNKS)
        extra_s = rng.uniform(0.0, 0.12)
        proc = cli_spawn(args, env=env)
        was_killed = _kill_at(proc, emu, method, after, extra_s)
        # A kill that lands after the server completed the upload (or after the download's
        # rename) found nothing to resume: the rerun is a fresh transfer, not a resume.
        done_before_kill = (
            _upload_completed(emu) if op == "upload" else target.exists()
        ) or not was_killed
        left = _leftovers(target) if op == "download" else ""
        if was_killed and not done_before_kill:
            killed += 1
            if op == "download":
                # Killed mid-download: the target is never there half-written.
                assert not target.exists(), f"iteration {n}: a partial target was left"
        else:
            finished_early += 1
        emu.set_bandwidth(None, None)
        rerun = cli_proc(args, env=env, timeout=120)
        if rerun.exit_code != 0:
            failures.append(f"iteration {n}: rerun exited {rerun.exit_code}: {rerun.stderr!r}")
            continue
        if op == "upload":
            buffer = io.BytesIO()
            rclient().download(FILE, buffer)
            ok = buffer.getvalue() == data
        else:
            ok = target.read_bytes() == data and not Path(f"{target}.part").exists()
        identical += int(ok)
        if not ok:
            failures.append(f"iteration {n}: result differs from the source")
        if done_before_kill:
            continue  # nothing was interrupted, so nothing can have been sent twice
        counts = _per_chunk(_chunk_requests(emu, method))
        twice = sum(c - 1 for c in counts.values() if c > 1)
        sent_twice += twice
        max_twice = max(max_twice, twice)
        if twice > allowed:
            over_bound.append(n)
            failures.append(
                f"iteration {n}: {twice} chunks went twice (allowed {allowed}): {counts}; "
                f"after the kill: {left}"
            )
        if sorted(counts) != [str(i) for i in range(CHUNKS)]:
            failures.append(f"iteration {n}: chunks seen {sorted(counts)}")
        if op == "upload" and was_killed:
            summary = json.loads(rerun.stdout) if rerun.stdout.strip() else {}
            skipped = summary.get("chunks_skipped") if isinstance(summary, dict) else None
            if skipped is not None and skipped + (summary.get("chunks_sent") or 0) != CHUNKS:
                failures.append(f"iteration {n}: rerun summary does not add up: {summary}")
    figures.client_crash(
        operation=f"`pyanaplan {op}` ({CHUNKS} chunks of 1 MiB)",
        iterations=iterations,
        killed=killed,
        finished_early=finished_early,
        identical=identical,
        sent_twice=sent_twice,
        max_twice=max_twice,
        allowed=allowed,
        over_bound=len(over_bound),
        seed=SEED,
    )
    assert not failures, "\n".join(failures)
    assert identical == iterations
    assert killed >= max(1, iterations // 2), "the kills did not land mid-transfer"


@pytest.mark.parametrize("op", ["upload", "download"])
def test_crash_loop_fast(
    op: str,
    emu: Any,
    rclient: Any,
    cli_spawn: Any,
    cli_proc: Any,
    make_csv: Any,
    figures: Any,
    tmp_path: Path,
) -> None:
    _crash_loop(
        op,
        3,
        emu=emu,
        rclient=rclient,
        cli_spawn=cli_spawn,
        cli_proc=cli_proc,
        make_csv=make_csv,
        figures=figures,
        tmp_path=tmp_path,
    )


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("op", ["upload", "download"])
def test_crash_loop_full(
    op: str,
    emu: Any,
    rclient: Any,
    cli_spawn: Any,
    cli_proc: Any,
    make_csv: Any,
    figures: Any,
    tmp_path: Path,
) -> None:
    _crash_loop(
        op,
        20,
        emu=emu,
        rclient=rclient,
        cli_spawn=cli_spawn,
        cli_proc=cli_proc,
        make_csv=make_csv,
        figures=figures,
        tmp_path=tmp_path,
    )


def _stall_and_kill(
    op: str, emu: Any, cli_spawn: Callable[..., Any], args: list[str], env: dict[str, str | None]
) -> None:
    """Hold the last chunk on the server, let chunks 0-4 finish, then SIGKILL the client."""
    method = "PUT" if op == "upload" else "GET"
    last = str(CHUNKS - 1)
    emu.inject(path=f"*/files/113000000003/chunks/{last}", method=method, delay_s=30, times=1)
    proc = cli_spawn(args, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        entries = _chunk_requests(emu, method)
        finished = {r["path"].rsplit("/", 1)[1] for r in entries if r["status"] in (200, 204)}
        if finished >= {str(i) for i in range(CHUNKS - 1)} and any(
            r["path"].endswith(f"/chunks/{last}") for r in entries
        ):
            break
        assert proc.poll() is None, "the client ended before the stalled chunk"
        time.sleep(0.005)
    time.sleep(0.2)  # chunks 0-4 acknowledged / written; only the stalled one is in flight
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    emu.clear_faults()


def _deterministic_in_flight(
    op: str, emu: Any, rclient: Any, cli_spawn: Any, cli_proc: Any, make_csv: Any, tmp_path: Path
) -> collections.Counter[str]:
    data = make_csv(SIZE, seed=8)
    source = tmp_path / FILE
    source.write_bytes(data)
    target = tmp_path / "copy.csv"
    env: dict[str, str | None] = {"ANAPLAN_CACHE_DIR": str(tmp_path / "cache")}
    if op == "upload":
        args = [
            "-q",
            "upload",
            str(source),
            "--file",
            FILE,
            "--chunk-size",
            "1MiB",
            "--concurrency",
            str(UPLOAD_CONCURRENCY),
        ]
    else:
        rclient().upload(source, chunk_size=MIB)
        args = ["-q", "download", FILE, "-O", str(target)]
    _stall_and_kill(op, emu, cli_spawn, args, env)
    rerun = cli_proc(args, env=env, timeout=120)
    assert rerun.exit_code == 0, rerun
    if op == "upload":
        buffer = io.BytesIO()
        rclient().download(FILE, buffer)
        assert buffer.getvalue() == data
    else:
        assert target.read_bytes() == data
    return _per_chunk(_chunk_requests(emu, "PUT" if op == "upload" else "GET"))


@pytest.mark.slow
def test_upload_kill_resends_only_the_chunk_in_flight(
    emu: Any,
    rclient: Any,
    cli_spawn: Any,
    cli_proc: Any,
    make_csv: Any,
    tmp_path: Path,
    figures: Any,
) -> None:
    """Chunks 0-4 acknowledged, chunk 5 held by the server: the kill may cost chunk 5 only."""
    counts = _deterministic_in_flight(
        "upload", emu, rclient, cli_spawn, cli_proc, make_csv, tmp_path
    )
    twice = {k: v for k, v in counts.items() if v > 1}
    assert twice == {str(CHUNKS - 1): 2}, counts


@pytest.mark.slow
def test_download_kill_refetches_only_the_chunk_in_flight(
    emu: Any,
    rclient: Any,
    cli_spawn: Any,
    cli_proc: Any,
    make_csv: Any,
    tmp_path: Path,
) -> None:
    """Chunks 0-4 written, chunk 5 held by the server: the rerun may fetch chunk 5 and re-fetch
    the last journalled chunk (4) to check the server file did not change — nothing else."""
    counts = _deterministic_in_flight(
        "download", emu, rclient, cli_spawn, cli_proc, make_csv, tmp_path
    )
    twice = {k: v for k, v in counts.items() if v > 1}
    assert set(twice) <= {str(CHUNKS - 2), str(CHUNKS - 1)}, counts


def _crash_then_edit(
    emu: Any,
    rclient: Any,
    cli_spawn: Any,
    cli_proc: Any,
    make_csv: Any,
    tmp_path: Path,
    *,
    keep_mtime: bool,
) -> tuple[bytes, bytes]:
    """Upload killed after chunks 0-4; the source then changes inside chunk 2; rerun.

    Returns (new source bytes, what the server holds after the rerun).
    """
    import os

    data = make_csv(SIZE, seed=9)
    source = tmp_path / FILE
    source.write_bytes(data)
    env: dict[str, str | None] = {"ANAPLAN_CACHE_DIR": str(tmp_path / "cache")}
    args = [
        "-q",
        "upload",
        str(source),
        "--file",
        FILE,
        "--chunk-size",
        "1MiB",
        "--concurrency",
        str(UPLOAD_CONCURRENCY),
    ]
    _stall_and_kill("upload", emu, cli_spawn, args, env)
    before = os.stat(source)
    edited = bytearray(data)
    middle = 2 * MIB + MIB // 2  # inside chunk 2, far from the file's first and last MiB
    edited[middle : middle + 8] = b"CHANGED!"
    source.write_bytes(bytes(edited))
    if keep_mtime:  # as `cp -p`, `rsync -t` or `touch -r` leave it
        os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    rerun = cli_proc(args, env=env, timeout=120)
    assert rerun.exit_code == 0, rerun
    buffer = io.BytesIO()
    rclient().download(FILE, buffer)
    return bytes(edited), buffer.getvalue()


@pytest.mark.slow
def test_source_edited_between_crash_and_rerun_is_uploaded_afresh(
    emu: Any,
    rclient: Any,
    cli_spawn: Any,
    cli_proc: Any,
    make_csv: Any,
    tmp_path: Path,
) -> None:
    """An ordinary edit (new mtime) voids the resume state: the server gets the new bytes."""
    edited, stored = _crash_then_edit(
        emu, rclient, cli_spawn, cli_proc, make_csv, tmp_path, keep_mtime=False
    )
    assert stored == edited


def test_source_edited_in_the_middle_with_mtime_kept_is_not_resumed_onto_stale_chunks(
    emu: Any,
    rclient: Any,
    cli_spawn: Any,
    cli_proc: Any,
    make_csv: Any,
    tmp_path: Path,
) -> None:
    edited, stored = _crash_then_edit(
        emu, rclient, cli_spawn, cli_proc, make_csv, tmp_path, keep_mtime=True
    )
    assert stored == edited
