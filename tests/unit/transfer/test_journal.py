"""Upload and download resume state: matching, staleness, atomic 0600 writes, no secrets."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from pyanaplan.transfer._journal import (
    JOURNAL_MAX_AGE_S,
    DownloadJournal,
    UploadFingerprint,
    UploadJournal,
    UploadKey,
    chunk_digest,
)

KEY = UploadKey("http://127.0.0.1:1/2/0", "ws", "MODEL", "Sales.csv")
FP = UploadFingerprint(
    size=100, mtime_ns=5, content_hash="abc", chunk_size=10, chunk_count=10, compress=True,
    row_aligned=False,
)  # fmt: skip


def test_records_survive_a_reopen_and_are_0600(tmp_path: Path) -> None:
    journal = UploadJournal.open(tmp_path, KEY, FP, file_id="113000000003", now=1000.0)
    assert not journal.resumable
    journal.restart("113000000003")
    journal.record(0, "d0")
    journal.record(3, "d3")
    again = UploadJournal.open(tmp_path, KEY, FP, file_id="113000000003", now=1000.0)
    assert again.resumable
    assert again.chunks_done == {0, 3}
    assert again.chunk_digests == {0: "d0", 3: "d3"}
    assert again.file_id == "113000000003"
    mode = stat.S_IMODE(journal.path.stat().st_mode)
    assert mode == 0o600
    assert journal.path.parent == tmp_path / "uploads"
    # No temporary files left behind.
    assert [p.name for p in journal.path.parent.iterdir()] == [journal.path.name]


def test_changed_source_or_settings_discard_the_journal(tmp_path: Path) -> None:
    journal = UploadJournal.open(tmp_path, KEY, FP, file_id="F", now=0.0)
    journal.restart("F")
    journal.record(1, "d1")
    for changed in (
        UploadFingerprint(**{**FP.__dict__, "mtime_ns": 6}),
        UploadFingerprint(**{**FP.__dict__, "content_hash": "def"}),
        UploadFingerprint(**{**FP.__dict__, "chunk_size": 20}),
        UploadFingerprint(**{**FP.__dict__, "compress": False}),
    ):
        journal = UploadJournal.open(tmp_path, KEY, FP, file_id="F", now=0.0)
        journal.restart("F")
        journal.record(1, "d1")
        fresh = UploadJournal.open(tmp_path, KEY, changed, file_id="F", now=0.0)
        assert not fresh.resumable
        assert not fresh.path.exists()  # the stale one was deleted


def test_old_journals_and_other_file_ids_are_discarded(tmp_path: Path) -> None:
    journal = UploadJournal.open(tmp_path, KEY, FP, file_id="F", now=0.0)
    journal.restart("F")
    journal.record(1, "d1")
    started = journal.started_at
    assert not UploadJournal.open(
        tmp_path, KEY, FP, file_id="F", now=started + JOURNAL_MAX_AGE_S + 1
    ).resumable
    journal.restart("F")
    journal.record(1, "d1")
    assert not UploadJournal.open(tmp_path, KEY, FP, file_id="OTHER", now=started).resumable
    journal.restart("F")
    journal.record(1, "d1")
    # Creating: the caller does not know the id yet; the journal's id is adopted.
    assert UploadJournal.open(tmp_path, KEY, FP, file_id=None, now=started).file_id == "F"


def test_journal_without_chunk_digests_is_discarded(tmp_path: Path) -> None:
    # A version-1 journal has no per-chunk digests: its chunks cannot be checked, so they are
    # sent again rather than trusted.
    journal = UploadJournal.open(tmp_path, KEY, FP, file_id="F", now=0.0)
    journal.restart("F")
    journal.record(1, "d1")
    body = json.loads(journal.path.read_text())
    for old in (
        {**body, "version": 1},
        {k: v for k, v in body.items() if k != "chunk_digests"},
        {**body, "chunk_digests": {}},
    ):
        journal.path.write_text(json.dumps(old))
        fresh = UploadJournal.open(tmp_path, KEY, FP, file_id="F", now=0.0)
        assert not fresh.resumable
        assert not fresh.path.exists()


def test_chunk_digest_tells_chunks_apart() -> None:
    assert chunk_digest(b"abc") == chunk_digest(b"abc")
    assert chunk_digest(b"abc") != chunk_digest(b"abd")


def test_unreadable_journal_is_ignored(tmp_path: Path) -> None:
    journal = UploadJournal.open(tmp_path, KEY, FP, file_id="F")
    journal.path.parent.mkdir(parents=True)
    journal.path.write_text("{not json")
    assert not UploadJournal.open(tmp_path, KEY, FP, file_id="F").resumable


def test_journal_holds_only_ids_sizes_and_hashes(tmp_path: Path) -> None:
    journal = UploadJournal.open(tmp_path, KEY, FP, file_id="F")
    journal.restart("F")
    journal.record(2, "d2")
    body = json.loads(journal.path.read_text())
    assert set(body) == {
        "version", "key", "fingerprint", "file_id", "started_at", "chunks_done", "chunk_digests",
    }  # fmt: skip
    assert body["chunks_done"] == [2]
    assert body["chunk_digests"] == {"2": "d2"}


def test_download_journal_matches_source_content_version_and_chunk_list(tmp_path: Path) -> None:
    path = tmp_path / "x.part.json"
    journal = DownloadJournal.open(path, "src", ["0", "1", "2"], "v1")
    assert journal.done == 0
    journal.record(10)
    assert DownloadJournal.open(path, "src", ["0", "1", "2"], "v1").done == 1  # saved at once
    journal.record(25)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = DownloadJournal.open(path, "src", ["0", "1", "2"], "v1")
    assert (again.done, again.part_size) == (2, 25)
    assert DownloadJournal.open(path, "src", ["0", "1"], "v1").done == 0
    assert DownloadJournal.open(path, "other", ["0", "1", "2"], "v1").done == 0
    # Same resource, same shape, new content version (the export ran again): nothing is kept.
    assert DownloadJournal.open(path, "src", ["0", "1", "2"], "v2").done == 0
    again.reset()
    assert not path.exists()
