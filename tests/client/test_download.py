"""Downloads against the emulator: parallel chunks in order, .part + rename, resume, faults."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from faultcheck import fired
from pyanaplan import Client
from pyanaplan.errors import APIError, NotFoundError

MIB = 1024 * 1024


def payload(size: int, seed: int = 0) -> bytes:
    import random

    rng = random.Random(seed)
    return rng.randbytes(size)


def uploaded(client: Client, size: int, seed: int = 0) -> bytes:
    data = payload(size, seed)
    client.upload(data, file="Sales.csv", chunk_size=MIB, compress=False)
    return data


def chunk_gets(emu: Any) -> list[str]:
    return [
        r["path"].rsplit("/", 1)[1]
        for r in emu.requests()
        if r["method"] == "GET" and "/chunks/" in r["path"] and r["status"] == 200
    ]


def test_download_to_path_is_atomic_and_identical(emu: Any, client: Client, tmp_path: Path) -> None:
    data = uploaded(client, 5 * MIB + 17)
    target = tmp_path / "out" / "Sales.csv"
    progress: list[int] = []
    result = client.download(
        "Sales.csv", target, concurrency=3, on_progress=lambda d, t: progress.append(d)
    )
    assert result.path == target
    assert target.read_bytes() == data
    assert result.size == len(data) and result.chunks == 6
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert sorted(chunk_gets(emu)) == [str(i) for i in range(6)]
    assert progress[-1] == len(data) and progress == sorted(progress)
    assert sorted(p.name for p in target.parent.iterdir()) == ["Sales.csv"]  # no .part left


def test_single_chunk_files_use_the_whole_file_get(emu: Any, client: Client) -> None:
    buffer = io.BytesIO()
    result = client.download("Regions.csv", buffer)  # default content, one chunk
    assert result.chunks == 1 and result.path is None
    assert buffer.getvalue().startswith(b"Name,Code")
    assert not chunk_gets(emu)


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 429, "retry_after": 0.2, "times": 2},
        {"status": 503, "times": 3},
        {"drop": True, "times": 3},
        {"expire_token": True, "times": 1},
    ],
    ids=["429", "503", "drop", "expired-token"],
)
def test_chunk_get_faults_are_survived(
    emu: Any, client: Client, tmp_path: Path, fault: dict[str, Any]
) -> None:
    data = uploaded(client, 4 * MIB + 5, seed=1)
    emu.inject(path="*/chunks/*", method="GET", **fault)
    target = tmp_path / "Sales.csv"
    result = client.download("Sales.csv", target)
    assert target.read_bytes() == data
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert fired(emu) == [fault["times"]]  # every fault happened, and was survived


def test_interrupted_download_resumes_and_never_leaves_a_truncated_target(
    emu: Any, client: Client, tmp_path: Path
) -> None:
    data = uploaded(client, 6 * MIB, seed=2)
    target = tmp_path / "Sales.csv"
    target.write_bytes(b"previous content")
    emu.inject(path="*/chunks/4", method="GET", status=400, times=1)
    with pytest.raises(APIError):
        client.download("Sales.csv", target, concurrency=2)
    assert target.read_bytes() == b"previous content"  # untouched
    part = tmp_path / "Sales.csv.part"
    sidecar = json.loads((tmp_path / "Sales.csv.part.json").read_text())
    assert sidecar["done"] == 4 and part.stat().st_size == 4 * MIB

    before = len(chunk_gets(emu))
    result = client.download("Sales.csv", target, concurrency=2)
    fetched = chunk_gets(emu)[before:]
    # Chunk 3 is fetched again to check the server file did not change; then 4 and 5.
    assert sorted(fetched) == ["3", "4", "5"]
    assert result.chunks_skipped == 4
    assert target.read_bytes() == data
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert not part.exists() and not (tmp_path / "Sales.csv.part.json").exists()


def test_resume_notices_a_replaced_server_file(emu: Any, client: Client, tmp_path: Path) -> None:
    uploaded(client, 4 * MIB, seed=3)
    target = tmp_path / "Sales.csv"
    emu.inject(path="*/chunks/3", method="GET", status=400, times=1)
    with pytest.raises(APIError):
        client.download("Sales.csv", target, concurrency=1)
    replaced = uploaded(client, 4 * MIB, seed=4)  # same chunk count, new content
    result = client.download("Sales.csv", target)
    assert result.chunks_skipped == 0
    assert target.read_bytes() == replaced


def test_resume_off_removes_partial_state(emu: Any, client: Client, tmp_path: Path) -> None:
    uploaded(client, 3 * MIB, seed=5)
    out = tmp_path / "out"
    emu.inject(path="*/chunks/2", method="GET", status=400, times=1)
    with pytest.raises(APIError):
        client.download("Sales.csv", out / "Sales.csv", resume=False)
    assert list(out.iterdir()) == []


def test_empty_file_is_not_found(emu: Any, client: Client, tmp_path: Path) -> None:
    client.delete_file("Sales.csv")
    client.upload(b"x" * (MIB + 1), file="Made Here.csv", create=True, chunk_size=MIB)
    client.delete_file("Made Here.csv")
    out = tmp_path / "out"
    with pytest.raises(NotFoundError):
        client.download("Made Here.csv", out / "x.csv")
    assert list(out.iterdir()) == []
