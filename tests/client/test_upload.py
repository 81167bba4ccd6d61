"""Uploads against the emulator: chunking, gzip, sources, file creation, verification, resume."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

from pyanaplan import Client
from pyanaplan.errors import ConfigError, NameNotFoundError, TransferError
from pyanaplan.transfer.upload import upload_file

WS = "8a81b09d5e3f2c1a015e3f2c1a000001"
MODEL = "5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B"
SALES_ID = "113000000003"
MIB = 1024 * 1024


def csv_bytes(size: int, seed: int = 1) -> bytes:
    """Sales-like CSV text of exactly `size` bytes (compressible, with many rows)."""
    rng = random.Random(seed)
    rows = [b"Product,Region,Units,Price,Comment\n"]
    total = len(rows[0])
    while total < size:
        row = f"Road Bike {rng.randint(1, 999)},Region {rng.randint(1, 50)},{rng.randint(0, 9999)},"
        row += f"{rng.random() * 1000:.2f},note {rng.getrandbits(40):x}\n"
        rows.append(row.encode())
        total += len(row)
    return b"".join(rows)[:size]


def chunk_puts(emu: Any) -> list[dict[str, Any]]:
    return [r for r in emu.requests() if r["method"] == "PUT" and "/chunks/" in r["path"]]


def download_bytes(client: Client, file: str) -> bytes:
    buffer = io.BytesIO()
    client.download(file, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("compress", [True, False])
def test_multi_chunk_upload_is_byte_identical(emu: Any, client: Client, compress: bool) -> None:
    data = csv_bytes(3 * MIB + 12345)
    progress: list[tuple[int, int | None]] = []
    result = client.upload(
        data,
        file="Sales.csv",
        chunk_size=MIB,
        compress=compress,
        on_progress=lambda done, total: progress.append((done, total)),
    )
    assert result.file_id == SALES_ID
    assert result.chunks == 4 and result.chunks_sent == 4 and result.chunks_skipped == 0
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    puts = chunk_puts(emu)
    assert sorted(p["path"].rsplit("/", 1)[1] for p in puts) == ["0", "1", "2", "3"]
    sent = sum(p["request_bytes"] for p in puts)
    assert sent == result.compressed_bytes
    if compress:
        assert sent < len(data) // 2  # CSV compresses well at level 1
    else:
        assert sent == len(data)
    assert progress[-1] == (len(data), len(data))
    # The chunk-count POST used -1 and the upload was completed.
    posts = [r for r in emu.requests() if r["method"] == "POST"]
    assert any(r["path"].endswith(f"/files/{SALES_ID}/complete") for r in posts)
    assert (
        hashlib.sha256(download_bytes(client, "Sales.csv")).digest()
        == hashlib.sha256(data).digest()
    )


def test_small_source_goes_up_in_one_uncompressed_put(emu: Any, client: Client) -> None:
    data = b"Name,Code\nNorth America,NAM\n"
    result = client.upload(data, file="Regions.csv")
    assert (result.chunks, result.compressed_bytes) == (1, len(data))
    puts = [r for r in emu.requests() if r["method"] == "PUT"]
    assert len(puts) == 1 and puts[0]["path"].endswith("/files/113000000001")
    assert puts[0]["request_bytes"] == len(data)
    assert download_bytes(client, "Regions.csv") == data


def test_path_and_file_object_sources(emu: Any, client: Client, tmp_path: Path) -> None:
    data = csv_bytes(2 * MIB + 7, seed=2)
    path = tmp_path / "Sales.csv"
    path.write_bytes(data)
    by_path = client.upload(path, chunk_size=MIB)  # file name taken from the path
    assert by_path.file_name == "Sales.csv" and by_path.chunks == 3
    assert download_bytes(client, "Sales.csv") == data
    other = csv_bytes(MIB + 100, seed=3)
    with io.BytesIO(other) as fh:
        by_object = client.upload(fh, file="Sales.csv", chunk_size=MIB)
    assert by_object.chunks == 2
    assert download_bytes(client, "Sales.csv") == other


def test_iterator_source_of_unknown_size(emu: Any, client: Client) -> None:
    data = csv_bytes(2 * MIB + MIB // 2, seed=4)
    pieces = (data[i : i + 70_000] for i in range(0, len(data), 70_000))
    progress: list[tuple[int, int | None]] = []
    result = client.upload(
        pieces,
        file="Sales.csv",
        chunk_size=MIB,
        on_progress=lambda d, t: progress.append((d, t)),
    )
    assert result.chunks == 3 and result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert all(total is None for _, total in progress)
    completes = [r for r in emu.requests() if r["path"].endswith("/complete")]
    assert len(completes) == 1
    assert download_bytes(client, "Sales.csv") == data


def test_small_iterator_uses_a_single_put(emu: Any, client: Client) -> None:
    data = b"Name,Code\nJapan,JPN\n"
    result = client.upload(iter([data[:5], data[5:]]), file="Regions.csv")
    assert result.chunks == 1
    assert not chunk_puts(emu)
    assert download_bytes(client, "Regions.csv") == data


def test_unknown_file_is_refused_unless_create(emu: Any, client: Client) -> None:
    data = csv_bytes(MIB + 10)
    with pytest.raises(NameNotFoundError):
        client.upload(data, file="Brand New.csv")
    assert not [r for r in emu.requests() if "/files/" in r["path"] and r["method"] != "GET"]
    assert "Brand New.csv" not in {f.name for f in client.files()}

    result = client.upload(data, file="Brand New.csv", create=True, chunk_size=MIB)
    assert result.file_id.startswith("113") and result.file_id != SALES_ID
    files = {f.name: f.id for f in client.files()}
    assert files["Brand New.csv"] == result.file_id
    assert download_bytes(client, "Brand New.csv") == data


def test_vanished_file_id_never_leaves_a_stray_file(emu: Any, client: Client) -> None:
    before = {f.id for f in client.files()}
    with pytest.raises(TransferError) as info:
        upload_file(
            client.session,
            csv_bytes(MIB + 10),
            workspace_id=WS,
            model_id=MODEL,
            file_id="113000000999",
            file_name="Gone.csv",
            chunk_size=MIB,
            cache_dir=client.settings.cache_dir,
        )
    assert "113000000999" in str(info.value)
    assert not chunk_puts(emu)
    assert {f.id for f in client.files()} == before  # no stray file was created (§10.13)


def test_row_aligned_chunks_hold_whole_rows(emu: Any, client: Client) -> None:
    data = csv_bytes(3 * MIB + 999, seed=5)
    result = client.upload(data, file="Sales.csv", chunk_size=MIB, align_rows=True)
    assert result.chunks == 4
    base = f"/workspaces/{WS}/models/{MODEL}/files/{SALES_ID}/chunks"
    pieces = [client.session.request("GET", f"{base}/{i}").content for i in range(result.chunks)]
    assert b"".join(pieces) == data
    assert all(p.endswith(b"\n") for p in pieces[:-1])
    assert all(len(p) < MIB for p in pieces[:-1])


def test_bad_arguments_are_config_errors(client: Client) -> None:
    for kwargs in ({"chunk_size": 1000}, {"concurrency": 0}, {"compress_level": 12}):
        with pytest.raises(ConfigError):
            client.upload(b"x" * 10, file="Sales.csv", **kwargs)
    with pytest.raises(ConfigError):
        client.upload(io.StringIO("text"), file="Sales.csv")


def test_failed_chunk_fails_loudly_and_rerun_sends_only_missing(emu: Any, client: Client) -> None:
    data = csv_bytes(6 * MIB, seed=6)
    emu.inject(path="*/chunks/3", method="PUT", status=400, times=1)
    with pytest.raises(TransferError) as info:
        client.upload(data, file="Sales.csv", chunk_size=MIB, concurrency=2)
    assert "Chunk 3" in str(info.value)
    journals = list((client.settings.cache_dir / "uploads").glob("*.json"))
    assert len(journals) == 1
    done = json.loads(journals[0].read_text())["chunks_done"]
    assert 3 not in done and done  # the acknowledged chunks are remembered

    before = len(chunk_puts(emu))
    result = client.upload(data, file="Sales.csv", chunk_size=MIB, concurrency=2)
    resent = chunk_puts(emu)[before:]
    assert result.chunks_skipped == len(done)
    assert result.chunks_sent == 6 - len(done) == len(resent)
    assert {r["path"].rsplit("/", 1)[1] for r in resent} == {
        str(i) for i in range(6) if i not in done
    }
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert download_bytes(client, "Sales.csv") == data
    assert not list((client.settings.cache_dir / "uploads").glob("*.json"))


def test_resume_resends_a_chunk_edited_with_its_mtime_kept(
    emu: Any, client: Client, tmp_path: Path
) -> None:
    # Size, mtime and the first/last-MiB fingerprint all match after this edit: only the
    # per-chunk digests in the journal can tell that chunk 1 is stale on the server.
    data = csv_bytes(6 * MIB, seed=9)
    source = tmp_path / "sales.csv"
    source.write_bytes(data)
    emu.inject(path="*/chunks/4", method="PUT", status=400, times=1)
    with pytest.raises(TransferError):
        client.upload(source, file="Sales.csv", chunk_size=MIB, concurrency=1)
    journal = next((client.settings.cache_dir / "uploads").glob("*.json"))
    done = json.loads(journal.read_text())["chunks_done"]
    assert 1 in done and 4 not in done
    stat = source.stat()
    edited = bytearray(data)
    middle = MIB + MIB // 2
    edited[middle : middle + 6] = b"EDITED"
    source.write_bytes(bytes(edited))
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    before = len(chunk_puts(emu))
    result = client.upload(source, file="Sales.csv", chunk_size=MIB, concurrency=1)
    resent = {r["path"].rsplit("/", 1)[1] for r in chunk_puts(emu)[before:]}
    assert "1" in resent
    assert resent == {"1"} | {str(i) for i in range(6) if i not in done}
    assert result.chunks_skipped == len(done) - 1
    assert download_bytes(client, "Sales.csv") == bytes(edited)


def test_changed_source_restarts_instead_of_resuming(emu: Any, client: Client) -> None:
    data = csv_bytes(4 * MIB, seed=7)
    emu.inject(path="*/chunks/2", method="PUT", status=400, times=1)
    with pytest.raises(TransferError):
        client.upload(data, file="Sales.csv", chunk_size=MIB, concurrency=1)
    changed = csv_bytes(4 * MIB, seed=8)
    result = client.upload(changed, file="Sales.csv", chunk_size=MIB)
    assert result.chunks_skipped == 0 and result.chunks_sent == 4
    assert download_bytes(client, "Sales.csv") == changed


def test_server_losing_chunks_restarts_the_upload(emu: Any, client: Client) -> None:
    data = csv_bytes(4 * MIB, seed=9)
    emu.inject(path="*/chunks/2", method="PUT", status=400, times=1)
    with pytest.raises(TransferError):
        client.upload(data, file="Sales.csv", chunk_size=MIB, concurrency=1)
    # Someone else starts an upload of the same file: the open upload's chunks are gone.
    client.session.request(
        "POST", f"/workspaces/{WS}/models/{MODEL}/files/{SALES_ID}", json={"chunkCount": -1}
    )
    result = client.upload(data, file="Sales.csv", chunk_size=MIB)
    assert result.chunks_skipped == 0 and result.chunks_sent == 4
    assert download_bytes(client, "Sales.csv") == data


def test_restart_ignores_saved_state_but_can_itself_be_resumed(emu: Any, client: Client) -> None:
    data = csv_bytes(3 * MIB, seed=10)
    emu.inject(path="*/chunks/1", method="PUT", status=400, times=1)
    with pytest.raises(TransferError):
        client.upload(data, file="Sales.csv", chunk_size=MIB, concurrency=1)
    # A restart sends everything, whatever was saved…
    emu.inject(path="*/chunks/2", method="PUT", status=400, times=1)
    with pytest.raises(TransferError):
        client.upload(data, file="Sales.csv", chunk_size=MIB, concurrency=1, resume=False)
    # …and journals what it sent, so an interrupted restart resumes (chunks 0 and 1).
    assert list((client.settings.cache_dir / "uploads").glob("*.json"))
    resumed = client.upload(data, file="Sales.csv", chunk_size=MIB)
    assert resumed.chunks_skipped == 2 and resumed.chunks_sent == 1
    again = client.upload(data, file="Sales.csv", chunk_size=MIB, resume=False)
    assert again.chunks_skipped == 0 and again.chunks_sent == 3
    assert download_bytes(client, "Sales.csv") == data


def test_many_small_chunks_in_parallel(emu: Any, client: Client) -> None:
    data = csv_bytes(1_500_000, seed=11)
    result = upload_file(
        client.session,
        data,
        workspace_id=WS,
        model_id=MODEL,
        file_id=SALES_ID,
        file_name="Sales.csv",
        chunk_size=50_000,
        min_chunk_size=1,
        concurrency=8,
        cache_dir=client.settings.cache_dir,
    )
    assert result.chunks == 30
    assert len(chunk_puts(emu)) == 30
    assert download_bytes(client, "Sales.csv") == data


def test_ctrl_c_stops_the_upload_and_the_rerun_resumes(emu: Any, client: Client) -> None:
    data = csv_bytes(5 * MIB, seed=12)
    acks: list[int] = []

    def interrupt_after_two(done: int, total: int | None) -> None:
        if done:
            acks.append(done)
            if len(acks) == 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        client.upload(
            data, file="Sales.csv", chunk_size=MIB, concurrency=1, on_progress=interrupt_after_two
        )
    assert not [r for r in emu.requests() if r["path"].endswith("/complete")]
    result = client.upload(data, file="Sales.csv", chunk_size=MIB)
    assert (result.chunks_skipped, result.chunks_sent) == (2, 3)
    assert download_bytes(client, "Sales.csv") == data


def test_source_modified_during_upload_is_not_completed(
    emu: Any, client: Client, tmp_path: Path
) -> None:
    source = tmp_path / "Sales.csv"
    data = csv_bytes(3 * MIB, seed=13)
    source.write_bytes(data)
    touched: list[bool] = []

    def modify_once(done: int, total: int | None) -> None:
        if done and not touched:
            touched.append(True)
            with source.open("r+b") as fh:  # same size, new bytes, new mtime
                fh.seek(10)
                fh.write(b"XXXX")
            os.utime(source, ns=(1, 1))

    with pytest.raises(TransferError) as info:
        client.upload(source, chunk_size=MIB, concurrency=1, on_progress=modify_once)
    assert "changed" in str(info.value)
    assert not [r for r in emu.requests() if r["path"].endswith("/complete")]


def _held_upload(
    emu: Any, client: Client, data: bytes, cache_dir: Path, errors: list[BaseException]
) -> Any:
    """Start an upload in a thread whose chunk 2 the server holds for a few seconds; returns
    the thread once that chunk is being held."""
    import threading
    import time

    emu.inject(path="*/files/*/chunks/2", method="PUT", delay_s=3, times=1)

    def run() -> None:
        try:
            upload_file(
                client.session, data, workspace_id=WS, model_id=MODEL, file_id=SALES_ID,
                file_name="Sales.csv", chunk_size=MIB, min_chunk_size=MIB, concurrency=1,
                cache_dir=cache_dir,
            )  # fmt: skip
        except BaseException as exc:  # reported to the test through `errors`
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 20
    while not [r for r in chunk_puts(emu) if r["path"].endswith("/chunks/2")]:
        assert time.monotonic() < deadline and thread.is_alive(), errors
        time.sleep(0.01)
    return thread


def test_second_upload_to_the_same_file_on_this_machine_is_refused(
    emu: Any, client: Client, tmp_path: Path
) -> None:
    first = csv_bytes(3 * MIB, seed=31)
    errors: list[BaseException] = []
    thread = _held_upload(emu, client, first, tmp_path / "cache", errors)
    try:
        with pytest.raises(TransferError, match=r"Another upload to file 'Sales\.csv'") as info:
            upload_file(
                client.session, csv_bytes(3 * MIB, seed=32), workspace_id=WS, model_id=MODEL,
                file_id=SALES_ID, file_name="Sales.csv", chunk_size=MIB, min_chunk_size=MIB,
                cache_dir=tmp_path / "cache",
            )  # fmt: skip
        assert str(os.getpid()) in str(info.value)  # names the holder
    finally:
        thread.join(30)
    assert errors == []
    assert download_bytes(client, "Sales.csv") == first  # no mix


def test_upload_mixed_with_another_machines_upload_fails_loudly(
    emu: Any, client: Client, tmp_path: Path
) -> None:
    """Across machines no lock helps (two cache dirs here): the read-back catches the mix."""
    ours = csv_bytes(3 * MIB, seed=33)
    errors: list[BaseException] = []
    thread = _held_upload(emu, client, ours, tmp_path / "machine-a", errors)
    try:
        # The other machine uploads the same file, same chunk count, while our chunk 2 is held.
        upload_file(
            client.session, csv_bytes(3 * MIB, seed=34), workspace_id=WS, model_id=MODEL,
            file_id=SALES_ID, file_name="Sales.csv", chunk_size=MIB, min_chunk_size=MIB,
            cache_dir=tmp_path / "machine-b",
        )  # fmt: skip
        held = next(r for r in chunk_puts(emu) if r["path"].endswith("/chunks/2"))
        assert held["status"] is None  # theirs completed while ours was still held
    finally:
        thread.join(30)
    assert len(errors) == 1 and isinstance(errors[0], TransferError), errors
    assert "did not arrive intact" in str(errors[0])
    assert download_bytes(client, "Sales.csv") != ours  # the server holds a mix: we said so
