"""A client process SIGKILLed mid-upload: the rerun sends only the missing chunks (issue 3)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from pyanaplan import Client

MIB = 1024 * 1024
CHUNKS = 8
KILL_AFTER = 3

# Runs in a child process: upload with one chunk in flight, and SIGKILL ourselves right after
# the KILL_AFTER-th chunk is acknowledged (and journaled) — no cleanup code gets to run.
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pyanaplan import Client

    source, kill_after = sys.argv[1], int(sys.argv[2])
    acks = []

    def on_progress(done, total):
        if done > 0:
            acks.append(done)
            if len(acks) == kill_after:
                os.kill(os.getpid(), signal.SIGKILL)

    with Client(workspace="Demo Workspace", model="Sales Planning") as client:
        client.upload(source, file="Sales.csv", chunk_size=1024 * 1024, concurrency=1,
                      on_progress=on_progress)
    print("upload finished without being killed")
    sys.exit(3)
    """
)


def chunk_puts(emu: Any) -> list[str]:
    return [
        r["path"].rsplit("/", 1)[1]
        for r in emu.requests()
        if r["method"] == "PUT" and "/chunks/" in r["path"] and r["status"] == 204
    ]


def test_sigkilled_upload_resumes_with_only_the_missing_chunks(
    emu: Any, client: Client, tmp_path: Path
) -> None:
    source = tmp_path / "Sales.csv"
    line = b"City Bike 150,Western Europe,44,649.00,crash test\n"
    data = (line * (CHUNKS * MIB // len(line) + 1))[: CHUNKS * MIB - 100]
    source.write_bytes(data)
    user, password = emu.users[0]
    env = {
        **os.environ,
        "ANAPLAN_API_URL": emu.api_url,
        "ANAPLAN_AUTH_URL": emu.auth_url,
        "ANAPLAN_OAUTH_URL": emu.oauth_url,
        "ANAPLAN_USER": user,
        "ANAPLAN_PASSWORD": password,
    }
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(source), str(KILL_AFTER)],
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert child.returncode == -9, child.stderr.decode()[-2000:]
    first_run = chunk_puts(emu)
    assert len(first_run) == KILL_AFTER  # nothing else was on the wire

    journals = list((client.settings.cache_dir / "uploads").glob("*.json"))
    assert len(journals) == 1
    done = json.loads(journals[0].read_text())["chunks_done"]
    assert done == [0, 1, 2]
    assert "password" not in journals[0].read_text().lower()

    result = client.upload(source, file="Sales.csv", chunk_size=MIB)
    rerun = chunk_puts(emu)[len(first_run) :]
    assert sorted(rerun, key=int) == [str(i) for i in range(KILL_AFTER, CHUNKS)]
    assert (result.chunks_skipped, result.chunks_sent) == (KILL_AFTER, CHUNKS - KILL_AFTER)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    # No new chunk-count POST: the open upload was continued, then completed.
    posts = [r["path"] for r in emu.requests() if r["method"] == "POST" and "/files/" in r["path"]]
    assert sum(1 for p in posts if p.endswith("/files/113000000003")) == 1
    assert posts[-1].endswith("/complete")

    buffer = io.BytesIO()
    client.download("Sales.csv", buffer)
    assert hashlib.sha256(buffer.getvalue()).hexdigest() == hashlib.sha256(data).hexdigest()
    assert not list((client.settings.cache_dir / "uploads").glob("*.json"))
