"""Resume state for transfers: which chunks an interrupted upload or download already moved.

Uploads (`UploadJournal`): one small JSON file per (API origin, workspace, model, file name)
under `<cache_dir>/uploads/`. It records the source's identity (size, mtime and a content
fingerprint), how it was cut (chunk size, count, compression, row alignment), the server file id,
the chunks done and a digest of each acknowledged chunk's source bytes (a rerun re-reads every
chunk anyway and re-sends any whose bytes changed: size, mtime and the edge fingerprint miss an
edit in the middle of a file whose mtime was kept, e.g. by `cp -p` or `rsync -t`). A journal that
does not match the current source and settings, or that is older than the server keeps an open
upload (48 h, api-notes §10.15), is thrown away. Files are written atomically (temporary file +
rename, mode 0600) so a crash at any instant leaves either the old or the new state, never a torn
one. Nothing secret goes in: ids, sizes, hashes and chunk numbers only.

Downloads (`DownloadJournal`): a sidecar next to `<target>.part`, kept only for content whose
version the caller can prove unchanged on a rerun (see the class docstring).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "JOURNAL_MAX_AGE_S",
    "DownloadJournal",
    "UploadFingerprint",
    "UploadJournal",
    "UploadKey",
    "chunk_digest",
]

log = logging.getLogger(__name__)

# Version 2 ties kept chunks to a content version; version 1 sidecars are never resumed.
_DOWNLOAD_VERSION = 2
# Version 2 added the per-chunk digests; version 1 upload journals are discarded (sent again).
_UPLOAD_VERSION = 2
#: Uploaded content lives 48 h on the server (api-notes §4.4); resume state
#: older than that is useless.
JOURNAL_MAX_AGE_S = 47 * 3600
# Fixed size of a download record, written in place (see DownloadJournal).
_RECORD_SIZE = 2048


@dataclass(frozen=True)
class UploadKey:
    """Which server file an upload goes to; one journal per key."""

    api_origin: str
    workspace_id: str
    model_id: str
    file_name: str

    def digest(self) -> str:
        """A stable file-name-safe digest of the key."""
        raw = "\x1f".join((self.api_origin, self.workspace_id, self.model_id, self.file_name))
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class UploadFingerprint:
    """What must be unchanged for acknowledged chunks to still be valid."""

    size: int
    mtime_ns: int | None
    content_hash: str
    chunk_size: int
    chunk_count: int
    compress: bool
    row_aligned: bool


class UploadJournal:
    """The acknowledged chunks of one upload, saved after every acknowledgement.

    Thread-safe: chunk workers call `record` concurrently.
    """

    def __init__(
        self,
        path: Path,
        key: UploadKey,
        fingerprint: UploadFingerprint,
        *,
        file_id: str | None = None,
        chunk_digests: dict[int, str] | None = None,
        started_at: float | None = None,
    ) -> None:
        self.path = path
        self.key = key
        self.fingerprint = fingerprint
        self.file_id = file_id
        #: Acknowledged chunk index -> digest of its source bytes (`chunk_digest`).
        self.chunk_digests: dict[int, str] = dict(chunk_digests or {})
        self.started_at = time.time() if started_at is None else started_at
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls,
        cache_dir: Path,
        key: UploadKey,
        fingerprint: UploadFingerprint,
        *,
        file_id: str | None,
        now: float | None = None,
    ) -> UploadJournal:
        """Load the journal for `key` if it still describes this upload, else start a fresh one.

        A fresh journal is not written until `save` or `record`. A stale one is deleted at once.

        Args:
            cache_dir: The user cache dir; journals live in `cache_dir/uploads/`.
            key: Which server file.
            fingerprint: The current source's identity and cut.
            file_id: The server file id the caller resolved (None when creating a new file).
            now: Current epoch seconds (tests pass a fixed clock).
        """
        now = time.time() if now is None else now
        path = Path(cache_dir) / "uploads" / f"{key.digest()}.json"
        data = _read(path)
        if data is not None:
            reason = _mismatch(data, key, fingerprint, file_id, now)
            if reason is None:
                return cls(
                    path,
                    key,
                    fingerprint,
                    file_id=data["file_id"],
                    chunk_digests={int(i): str(d) for i, d in data["chunk_digests"].items()},
                    started_at=float(data["started_at"]),
                )
            log.info("Discarding upload resume state for %r: %s", key.file_name, reason)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return cls(path, key, fingerprint, file_id=file_id, started_at=now)

    @property
    def chunks_done(self) -> set[int]:
        """The acknowledged chunk indexes."""
        return set(self.chunk_digests)

    @property
    def resumable(self) -> bool:
        """True when some chunks were acknowledged by an earlier run."""
        return bool(self.chunks_done) and self.file_id is not None

    def restart(self, file_id: str | None) -> None:
        """Forget every acknowledged chunk (the server no longer has them)."""
        with self._lock:
            self.chunk_digests.clear()
            self.file_id = file_id
            self.started_at = time.time()
            self._write_locked()

    def record(self, index: int, digest: str) -> None:
        """Mark chunk `index` (whose source bytes have `chunk_digest` `digest`) acknowledged and
        save at once."""
        with self._lock:
            self.chunk_digests[index] = digest
            self._write_locked()

    def save(self) -> None:
        """Write the current state."""
        with self._lock:
            self._write_locked()

    def discard(self) -> None:
        """Delete the journal (the upload completed, or its state is useless)."""
        with self._lock, contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _write_locked(self) -> None:
        body: dict[str, Any] = {
            "version": _UPLOAD_VERSION,
            "key": asdict(self.key),
            "fingerprint": asdict(self.fingerprint),
            "file_id": self.file_id,
            "started_at": self.started_at,
            "chunks_done": sorted(self.chunk_digests),
            "chunk_digests": {str(i): d for i, d in sorted(self.chunk_digests.items())},
        }
        _write_atomic(self.path, json.dumps(body, sort_keys=True).encode("utf-8"))


def _mismatch(
    data: dict[str, Any],
    key: UploadKey,
    fingerprint: UploadFingerprint,
    file_id: str | None,
    now: float,
) -> str | None:
    """Why a saved journal cannot be reused, or None when it can."""
    try:
        if data.get("version") != _UPLOAD_VERSION:
            return "written by another version"
        digests = data["chunk_digests"]
        if not isinstance(digests, dict) or not all(
            isinstance(d, str) and d for d in digests.values()
        ):
            return "unreadable"
        if sorted(int(i) for i in digests) != sorted(int(i) for i in data["chunks_done"]):
            return "unreadable"
        if data.get("key") != asdict(key):
            return "different file"
        if data.get("fingerprint") != asdict(fingerprint):
            return "the source or the chunking changed"
        saved_id = data.get("file_id")
        if file_id is not None and saved_id is not None and saved_id != file_id:
            return "the server file id changed"
        if now - float(data["started_at"]) > JOURNAL_MAX_AGE_S:
            return "older than the server keeps uploaded chunks"
    except (KeyError, TypeError, ValueError):
        return "unreadable"
    return None


def chunk_digest(data: bytes) -> str:
    """A digest of one chunk's source bytes, to notice on resume that the chunk changed.

    BLAKE2b-128: fast (no attack to resist, only accidental edits to notice) and short enough
    that a 1,000-chunk journal stays small.
    """
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        log.info("Ignoring unreadable upload resume state %s", path)
        return None
    return data if isinstance(data, dict) else None


def _write_atomic(path: Path, payload: bytes) -> None:
    """Write `payload` to `path` via a 0600 temporary file and an atomic rename."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


class DownloadJournal:
    """Which chunks of a download are already in `<target>.part` (a sidecar `.part.json`).

    It records the resource, the *content version* the kept chunks belong to, a digest of the
    server's chunk id list, how many chunks were written in order and the `.part` length at that
    point. A rerun keeps those chunks only when the caller can name the same content version
    again (for an export's output: the same export tasks, see `tasks.run.export_output_version`).
    Nothing else is proof that the server still holds those bytes: chunk counts, sizes and sampled
    chunks all stay the same when a file is replaced by one of the same shape, so a download
    without a content version keeps no journal and a rerun starts over.

    Saved after every chunk, cheaply: the record is padded to a fixed size and written in place
    with one `pwrite` (a rename per chunk costs milliseconds on slow disks). A process killed at
    any instant leaves either the old or the new record, since one small write is never torn by
    a process crash.
    """

    def __init__(self, path: Path, source: str, chunk_ids: list[str], version: str) -> None:
        self.path = path
        self.source = source
        self.version = version
        self.ids_digest = _ids_digest(chunk_ids)
        self.chunk_ids = list(chunk_ids)
        self.done = 0
        self.part_size = 0
        self._fd: int | None = None

    @classmethod
    def open(cls, path: Path, source: str, chunk_ids: list[str], version: str) -> DownloadJournal:
        """Load the sidecar if it describes the same resource, content version and chunk list,
        else a fresh one."""
        journal = cls(path, source, chunk_ids, version)
        data = _read(path)
        if data is None:
            return journal
        try:
            if (
                data.get("version") == _DOWNLOAD_VERSION
                and data.get("source") == source
                and data.get("content_version") == version
                and data.get("chunk_ids") == journal.ids_digest
            ):
                journal.done = int(data["done"])
                journal.part_size = int(data["part_size"])
            else:
                log.info("Discarding download resume state %s: the server content changed", path)
        except (KeyError, TypeError, ValueError):
            journal.done, journal.part_size = 0, 0
        return journal

    def record(self, part_size: int) -> None:
        """One more chunk is in the `.part` file (flushed), which is now `part_size` bytes."""
        self.done += 1
        self.part_size = part_size
        body = {
            "version": _DOWNLOAD_VERSION,
            "source": self.source,
            "content_version": self.version,
            "chunk_ids": self.ids_digest,
            "done": self.done,
            "part_size": self.part_size,
        }
        payload = json.dumps(body, sort_keys=True).encode("utf-8")
        if len(payload) > _RECORD_SIZE:  # an absurdly long source path: fall back to a rename
            self.close()
            _write_atomic(self.path, payload)
            return
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        os.pwrite(self._fd, payload.ljust(_RECORD_SIZE), 0)

    def close(self) -> None:
        """Close the sidecar file (it stays on disk)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def reset(self) -> None:
        """Start over: nothing is written yet."""
        self.done, self.part_size = 0, 0
        self.discard()

    def discard(self) -> None:
        """Delete the sidecar."""
        self.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def _ids_digest(chunk_ids: list[str]) -> str:
    return hashlib.sha256("\x1f".join(chunk_ids).encode("utf-8")).hexdigest()
