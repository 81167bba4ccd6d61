"""Suite 2 — client crashes: `pyanaplan upload` / `download` SIGKILLed at seeded random points.

Each iteration starts the real console script on a multi-chunk file, waits until a random number
of chunk requests has reached the emulator (bandwidth is capped, or chunk answers delayed, so a
transfer takes a moment), adds a random few milliseconds and SIGKILLs the process. The rerun of
the same command must end byte-identical (verified independently), and across the two runs only
what the resume guarantee allows may have gone over the wire twice:

* upload: at most `--concurrency` chunks (acknowledged by the server but not yet journalled);
* download of an export's output (resumable: the export's tasks prove the kept chunks current):
  at most the download concurrency (4) plus the one chunk queued behind them;
* download of an uploaded file: nothing proves kept chunks current (a replacement of the same
  shape keeps the chunk ids), so the rerun starts over: every chunk may go twice, and the rerun
  must report `chunks_skipped: 0`.
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
FILE_ID = "113000000003"
REPORT = "Sales Report.csv"
REPORT_ID = "116000000001"


def _chunk_requests(
    emu: Any, method: str, file_id: str = FILE_ID, after: int = 0
) -> list[dict[str, Any]]:
    """Chunk requests for one file, from request number `after` on (setup excluded)."""
    return [
        r
        for r in emu.requests()[after:]
        if r["method"] == method and f"/files/{file_id}/chunks/" in r["path"]
    ]


def _kill_at(
    proc: Any,
    emu: Any,
    method: str,
    after: int,
    extra_s: float,
    file_id: str = FILE_ID,
    mark: int = 0,
) -> bool:
    """SIGKILL once `after` chunk requests have started; False if the process finished first."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if len(_chunk_requests(emu, method, file_id, mark)) >= after:
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


OPS = ["upload", "download", "export-download"]


def _crash_loop(
    op: str,
    iterations: int,
    *,
    emu: Any,
    export_emu: Any,
    rclient: Callable[..., Any],
    cli_spawn: Callable[..., Any],
    cli_proc: Callable[..., Any],
    make_csv: Callable[..., bytes],
    figures: Any,
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED + OPS.index(op))
    data = make_csv(SIZE, seed=7)
    source = tmp_path / FILE
    source.write_bytes(data)
    method = "PUT" if op == "upload" else "GET"
    server = export_emu if op == "export-download" else emu
    file_id = REPORT_ID if op == "export-download" else FILE_ID
    env_server = {} if server is emu else {
        "ANAPLAN_API_URL": server.api_url, "ANAPLAN_AUTH_URL": server.auth_url,
        "ANAPLAN_OAUTH_URL": server.oauth_url,
    }  # fmt: skip
    chunks = CHUNKS
    # Upload: chunks acknowledged but not yet journalled. Export output: `concurrency` chunks in
    # flight plus one queued (transfer/download.py). Uploaded file: no resume, all may go twice.
    allowed = {
        "upload": UPLOAD_CONCURRENCY,
        "export-download": DOWNLOAD_CONCURRENCY + 1,
    }.get(op, CHUNKS)
    killed = finished_early = identical = sent_twice = max_twice = 0
    failures: list[str] = []
    over_bound: list[int] = []
    for n in range(iterations):
        server.reset()
        cache = tmp_path / f"cache-{n}"
        env: dict[str, str | None] = {"ANAPLAN_CACHE_DIR": str(cache), **env_server}
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
        elif op == "download":
            rclient().upload(source, chunk_size=MIB)
            args = ["-q", "-o", "json", "download", FILE, "-O", str(target)]
            emu.set_bandwidth(response_bps=8 * MIB)
        else:
            exporter = rclient(
                api_url=server.api_url, auth_url=server.auth_url, oauth_url=server.oauth_url
            )
            exporter.run_export(REPORT)
            reference = io.BytesIO()
            exporter.download(REPORT, reference)
            data = reference.getvalue()
            chunks = len(exporter.chunks(REPORT))
            args = ["-q", "-o", "json", "download", REPORT, "-O", str(target)]
            # Tiny chunks: hold each answer a moment so the kill lands mid-download.
            server.inject(path=f"*/files/{file_id}/chunks/*", method="GET", delay_s=0.15,
                          fraction=1.0)  # fmt: skip
        mark = len(server.requests())
        after = rng.randint(1, chunks)
        extra_s = rng.uniform(0.0, 0.12)
        proc = cli_spawn(args, env=env)
        was_killed = _kill_at(proc, server, method, after, extra_s, file_id, mark)
        # A kill that lands after the server completed the upload (or after the download's
        # rename) found nothing to resume: the rerun is a fresh transfer, not a resume.
        done_before_kill = (
            _upload_completed(emu) if op == "upload" else target.exists()
        ) or not was_killed
        left = _leftovers(target) if op != "upload" else ""
        if was_killed and not done_before_kill:
            killed += 1
            if op != "upload":
                # Killed mid-download: the target is never there half-written.
                assert not target.exists(), f"iteration {n}: a partial target was left"
        else:
            finished_early += 1
        server.set_bandwidth(None, None)
        server.clear_faults()
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
        if op == "download":
            summary = json.loads(rerun.stdout)
            if summary.get("chunks_skipped") != 0:
                failures.append(f"iteration {n}: an uploaded file's download resumed: {summary}")
        if done_before_kill:
            continue  # nothing was interrupted, so nothing can have been sent twice
        counts = _per_chunk(_chunk_requests(server, method, file_id, mark))
        twice = sum(c - 1 for c in counts.values() if c > 1)
        sent_twice += twice
        max_twice = max(max_twice, twice)
        if twice > allowed:
            over_bound.append(n)
            failures.append(
                f"iteration {n}: {twice} chunks went twice (allowed {allowed}): {counts}; "
                f"after the kill: {left}"
            )
        if sorted(counts, key=int) != [str(i) for i in range(chunks)]:
            failures.append(f"iteration {n}: chunks seen {sorted(counts)}")
        if op == "upload" and was_killed:
            summary = json.loads(rerun.stdout) if rerun.stdout.strip() else {}
            skipped = summary.get("chunks_skipped") if isinstance(summary, dict) else None
            if skipped is not None and skipped + (summary.get("chunks_sent") or 0) != CHUNKS:
                failures.append(f"iteration {n}: rerun summary does not add up: {summary}")
    what = {
        "upload": f"`pyanaplan upload` ({CHUNKS} chunks of 1 MiB)",
        "download": f"`pyanaplan download` of an uploaded file ({CHUNKS} chunks of 1 MiB; "
        "restarts by design)",
        "export-download": f"`pyanaplan download` of an export's output ({chunks} small chunks; "
        "resumes)",
    }[op]
    figures.client_crash(
        operation=what,
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


@pytest.mark.parametrize("op", OPS)
def test_crash_loop_fast(
    op: str,
    emu: Any,
    export_emu: Any,
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
        export_emu=export_emu,
        rclient=rclient,
        cli_spawn=cli_spawn,
        cli_proc=cli_proc,
        make_csv=make_csv,
        figures=figures,
        tmp_path=tmp_path,
    )


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("op", OPS)
def test_crash_loop_full(
    op: str,
    emu: Any,
    export_emu: Any,
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
        export_emu=export_emu,
        rclient=rclient,
        cli_spawn=cli_spawn,
        cli_proc=cli_proc,
        make_csv=make_csv,
        figures=figures,
        tmp_path=tmp_path,
    )


def _stall_and_kill(
    op: str,
    emu: Any,
    cli_spawn: Callable[..., Any],
    args: list[str],
    env: dict[str, str | None],
    *,
    file_id: str = FILE_ID,
    chunks: int = CHUNKS,
    mark: int = 0,
) -> None:
    """Hold the last chunk on the server, let the others finish, then SIGKILL the client."""
    method = "PUT" if op == "upload" else "GET"
    last = str(chunks - 1)
    emu.inject(path=f"*/files/{file_id}/chunks/{last}", method=method, delay_s=30, times=1)
    proc = cli_spawn(args, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        entries = _chunk_requests(emu, method, file_id, mark)
        finished = {r["path"].rsplit("/", 1)[1] for r in entries if r["status"] in (200, 204)}
        if finished >= {str(i) for i in range(chunks - 1)} and any(
            r["path"].endswith(f"/chunks/{last}") for r in entries
        ):
            break
        assert proc.poll() is None, "the client ended before the stalled chunk"
        time.sleep(0.005)
    time.sleep(0.2)  # the other chunks acknowledged / written; only the stalled one in flight
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    emu.clear_faults()


def _deterministic_in_flight(
    op: str,
    emu: Any,
    rclient: Any,
    cli_spawn: Any,
    cli_proc: Any,
    make_csv: Any,
    tmp_path: Path,
) -> tuple[collections.Counter[str], int]:
    """Kill with every chunk but the last done, rerun; returns (requests per chunk, chunks)."""
    data = make_csv(SIZE, seed=8)
    source = tmp_path / FILE
    source.write_bytes(data)
    target = tmp_path / "copy.csv"
    env: dict[str, str | None] = {"ANAPLAN_CACHE_DIR": str(tmp_path / "cache")}
    file_id, chunks = FILE_ID, CHUNKS
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
    else:  # an export's output, on an emulator with small export chunks
        env.update({
            "ANAPLAN_API_URL": emu.api_url, "ANAPLAN_AUTH_URL": emu.auth_url,
            "ANAPLAN_OAUTH_URL": emu.oauth_url,
        })  # fmt: skip
        exporter = rclient(api_url=emu.api_url, auth_url=emu.auth_url, oauth_url=emu.oauth_url)
        exporter.run_export(REPORT)
        reference = io.BytesIO()
        exporter.download(REPORT, reference)
        data = reference.getvalue()
        file_id, chunks = REPORT_ID, len(exporter.chunks(REPORT))
        args = ["-q", "download", REPORT, "-O", str(target)]
    mark = len(emu.requests())
    _stall_and_kill(op, emu, cli_spawn, args, env, file_id=file_id, chunks=chunks, mark=mark)
    rerun = cli_proc(args, env=env, timeout=120)
    assert rerun.exit_code == 0, rerun
    if op == "upload":
        buffer = io.BytesIO()
        rclient().download(FILE, buffer)
        assert buffer.getvalue() == data
    else:
        assert target.read_bytes() == data
    method = "PUT" if op == "upload" else "GET"
    return _per_chunk(_chunk_requests(emu, method, file_id, mark)), chunks


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
    counts, _ = _deterministic_in_flight(
        "upload", emu, rclient, cli_spawn, cli_proc, make_csv, tmp_path
    )
    twice = {k: v for k, v in counts.items() if v > 1}
    assert twice == {str(CHUNKS - 1): 2}, counts


@pytest.mark.slow
def test_export_download_kill_refetches_only_the_chunk_in_flight(
    export_emu: Any,
    rclient: Any,
    cli_spawn: Any,
    cli_proc: Any,
    make_csv: Any,
    tmp_path: Path,
) -> None:
    """An export's output with every chunk but the last written, the last held by the server:
    the rerun (same export task, so the kept chunks are proven current) fetches only the last."""
    counts, chunks = _deterministic_in_flight(
        "export-download", export_emu, rclient, cli_spawn, cli_proc, make_csv, tmp_path
    )
    twice = {k: v for k, v in counts.items() if v > 1}
    assert twice == {str(chunks - 1): 2}, counts


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
