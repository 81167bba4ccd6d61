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


def chunk_gets(emu: Any, after: int = 0) -> list[str]:
    """Chunk ids fetched with 200, from request number `after` on (an upload of a small file
    reads its chunks back to verify them, which is not the download under test)."""
    return [
        r["path"].rsplit("/", 1)[1]
        for r in emu.requests()[after:]
        if r["method"] == "GET" and "/chunks/" in r["path"] and r["status"] == 200
    ]


def test_download_to_path_is_atomic_and_identical(emu: Any, client: Client, tmp_path: Path) -> None:
    data = uploaded(client, 5 * MIB + 17)
    mark = len(emu.requests())
    target = tmp_path / "out" / "Sales.csv"
    progress: list[int] = []
    result = client.download(
        "Sales.csv", target, concurrency=3, on_progress=lambda d, t: progress.append(d)
    )
    assert result.path == target
    assert target.read_bytes() == data
    assert result.size == len(data) and result.chunks == 6
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert sorted(chunk_gets(emu, mark)) == [str(i) for i in range(6)]
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


def test_interrupted_download_of_an_uploaded_file_starts_over_and_never_leaves_a_truncated_target(
    emu: Any, client: Client, tmp_path: Path
) -> None:
    # Nothing the API reports ties kept chunks of an uploaded file to its current content (a
    # replacement of the same shape keeps the chunk ids), so no resume state is kept for it.
    data = uploaded(client, 6 * MIB, seed=2)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "Sales.csv"
    target.write_bytes(b"previous content")
    emu.inject(path="*/chunks/4", method="GET", status=400, times=1)
    with pytest.raises(APIError):
        client.download("Sales.csv", target, concurrency=2)
    assert target.read_bytes() == b"previous content"  # untouched
    assert sorted(p.name for p in out.iterdir()) == ["Sales.csv"]  # no .part, no sidecar

    before = len(emu.requests())
    result = client.download("Sales.csv", target, concurrency=2)
    assert sorted(chunk_gets(emu, before)) == [str(i) for i in range(6)]
    assert result.chunks_skipped == 0
    assert target.read_bytes() == data
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert sorted(p.name for p in out.iterdir()) == ["Sales.csv"]


def test_replaced_server_file_is_never_resumed_onto(
    emu: Any, client: Client, tmp_path: Path
) -> None:
    original = uploaded(client, 4 * MIB, seed=3)
    target = tmp_path / "Sales.csv"
    emu.inject(path="*/chunks/3", method="GET", status=400, times=1)
    with pytest.raises(APIError):
        client.download("Sales.csv", target, concurrency=1)
    # Same size and chunk count; only the middle of chunk 0 differs, so no sample of the last
    # kept chunk (or of any chunk's edges) could notice.
    changed = bytearray(original)
    changed[MIB // 2 : MIB // 2 + 8] = b"CHANGED!"
    replaced = bytes(changed)
    client.upload(replaced, file="Sales.csv", chunk_size=MIB, compress=False)
    result = client.download("Sales.csv", target)
    assert result.chunks_skipped == 0
    assert target.read_bytes() == replaced


REPORT = "Sales Report.csv"


def export_requests(emu: Any, after: int = 0) -> list[str]:
    return [
        r["path"].rsplit("/", 1)[1]
        for r in emu.requests()[after:]
        if r["method"] == "GET" and "/files/116000000001/chunks/" in r["path"]
    ]


def test_interrupted_export_output_download_resumes_while_the_export_is_unchanged(
    small_export_emulator: Any, export_client: Client, tmp_path: Path
) -> None:
    emu, client = small_export_emulator, export_client
    client.run_export(REPORT)
    expected = io.BytesIO()
    client.download(REPORT, expected)
    chunks = len(client.chunks(REPORT))
    assert chunks >= 4, chunks  # 64-byte export chunks on this emulator
    target = tmp_path / "report.csv"
    emu.inject(path="*/files/116000000001/chunks/2", method="GET", status=400, times=1)
    with pytest.raises(APIError):
        client.download(REPORT, target, concurrency=1)
    sidecar = json.loads((tmp_path / "report.csv.part.json").read_text())
    assert sidecar["done"] == 2 and sidecar["content_version"].startswith("export-tasks:")

    before = len(emu.requests())
    result = client.download(REPORT, target, concurrency=1)
    assert result.chunks_skipped == 2
    assert sorted(export_requests(emu, before), key=int) == [str(i) for i in range(2, chunks)]
    assert target.read_bytes() == expected.getvalue()
    assert not (tmp_path / "report.csv.part.json").exists()


def test_export_output_rewritten_by_a_new_run_is_never_resumed_onto(
    small_export_emulator: Any, export_client: Client, tmp_path: Path
) -> None:
    emu, client = small_export_emulator, export_client
    client.run_export(REPORT)
    target = tmp_path / "report.csv"
    emu.inject(path="*/files/116000000001/chunks/2", method="GET", status=400, times=1)
    with pytest.raises(APIError):
        client.download(REPORT, target, concurrency=1)
    assert (tmp_path / "report.csv.part.json").exists()
    # New data, and the export runs again: same file, new content (likely the same shape).
    client.upload(
        b"Product,Region,Units,Price,Comment\nHelmet,Japan,7,59.00,rewritten\n", file="Sales.csv"
    )
    client.run_import("Sales from Sales.csv", check=False)
    client.run_export(REPORT)
    fresh = io.BytesIO()
    client.download(REPORT, fresh)
    result = client.download(REPORT, target)
    assert result.chunks_skipped == 0
    assert target.read_bytes() == fresh.getvalue()
    assert b"rewritten" in target.read_bytes()


def test_content_version_changing_mid_download_commits_nothing(
    export_client: Client, tmp_path: Path
) -> None:
    from pyanaplan.errors import TransferError
    from pyanaplan.transfer.download import download_file

    client = export_client
    client.run_export(REPORT)
    ref = client.model_ref()
    versions = iter(["run-1", "run-2"])  # the export ran again while we were reading
    out = tmp_path / "out"
    target = out / "report.csv"
    with pytest.raises(TransferError, match="changed while it was downloading"):
        download_file(
            client.session,
            target,
            workspace_id=ref.workspace_id,
            model_id=ref.model_id,
            file_id="116000000001",
            file_name=REPORT,
            content_version=lambda: next(versions),
        )
    assert list(out.iterdir()) == []


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
