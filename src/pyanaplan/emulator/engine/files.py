"""Import data sources and export outputs: per-user content, chunk bookkeeping
(api-notes §4.4, §4.5).

Each user sees their own uploaded content, or the file's default content until they upload
(api-notes §4.4). A file is the plain concatenation of its chunks, which may arrive in any order and
in parallel (api-notes §4.5.2). Content expires 48 h after its last upload,
measured on the engine clock.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pyanaplan.emulator.engine.clock import Clock
from pyanaplan.emulator.engine.directory import Directory, User
from pyanaplan.emulator.engine.errors import EmulatorError, bad_request, not_found
from pyanaplan.emulator.spec import ModelSpec
from pyanaplan.emulator.storage.blobs import BlobStore
from pyanaplan.emulator.storage.platform_store import (
    ChunkRecord,
    ContentRecord,
    CreatedFile,
    PlatformStore,
)

CONTENT_TTL_S = 48 * 3600
FIRST_CREATED_ID = 113000000000  # created files are numbered after this and every file's id
MAX_CHUNKS = 1000
MAX_CHUNK_ID = MAX_CHUNKS - 1
DEFAULT_SOURCE_META: dict[str, Any] = {
    "delimiter": '"',
    "encoding": "UTF-8",
    "firstDataRow": 2,
    "format": "txt",
    "headerRow": 1,
    "separator": ",",
}


@dataclass(frozen=True)
class FileDef:
    """A file a user can address: an import data source (spec or created) or an export output."""

    id: str
    name: str
    kind: str  # "source" | "created" | "export"
    meta: dict[str, Any]
    default_content: bytes | None = None


@dataclass
class ChunkWriter:
    """Streams one request body into a temp blob, gunzipping and enforcing the size limit.

    Errors are remembered and raised by `finish` after the body has been drained, so the client
    reads the 400/413 envelope instead of a reset connection.
    """

    blobs: BlobStore
    gzip: bool
    limit: int
    path: Path | None = None
    size: int = 0
    raw: int = 0
    error: EmulatorError | None = None
    _fh: BinaryIO | None = None
    _dec: Any = None

    def __post_init__(self) -> None:
        self.path, self._fh = self.blobs.new_temp()
        if self.gzip:
            self._dec = zlib.decompressobj(wbits=47)  # 32+15: gzip or zlib header, auto-detected

    def feed(self, piece: bytes) -> None:
        """Add the next piece of the request body."""
        self.raw += len(piece)
        if self.raw > 4 * self.limit + (1 << 20):
            # Far past the limit: stop draining a hostile body.
            self.error = self.error or _too_large(self.limit)
            raise self.error
        if self.error is not None or not piece:
            return
        if not self.gzip:
            self._write(piece)
            return
        try:
            if self._dec.eof:  # a further gzip member starts in this piece
                self._dec = zlib.decompressobj(wbits=47)
            data = piece
            while True:
                # Bounded output per call keeps a gzip bomb from ballooning in memory.
                self._write(self._dec.decompress(data, 1 << 20))
                if self.error is not None:
                    return
                if self._dec.eof:
                    data = self._dec.unused_data
                    if not data:
                        return
                    self._dec = zlib.decompressobj(wbits=47)
                    continue
                data = self._dec.unconsumed_tail
                if not data:
                    return
        except zlib.error:
            self.error = bad_request("The chunk is not valid gzip data.")

    def _write(self, data: bytes) -> None:
        if not data:
            return
        self.size += len(data)
        if self.size > self.limit:
            self.error = _too_large(self.limit)
            return
        assert self._fh is not None
        self._fh.write(data)

    def finish(self) -> tuple[Path, int]:
        """Close the temp file; raises the remembered error (after discarding the temp file)."""
        if self.error is None and self.gzip:
            try:
                self._write(self._dec.flush())
            except zlib.error:
                self.error = bad_request("The chunk is not valid gzip data.")
            if self.error is None and self.raw == 0:
                self.error = bad_request("The chunk is not valid gzip data.")
            elif self.error is None and not self._dec.eof:
                self.error = bad_request("The chunk is not valid gzip data (truncated).")
        assert self._fh is not None and self.path is not None
        self._fh.close()
        if self.error is not None:
            self.blobs.discard(self.path)
            raise self.error
        return self.path, self.size

    def abort(self) -> None:
        """Drop the temp file (request failed or client went away)."""
        if self._fh is not None:
            self._fh.close()
        if self.path is not None:
            self.blobs.discard(self.path)


def _too_large(limit: int) -> EmulatorError:
    return EmulatorError(
        413, "TOO_LARGE", f"A chunk can hold at most {limit} bytes of uncompressed data."
    )


class ChainReader(io.RawIOBase):
    """Reads several blob files one after another as one stream (an import's source)."""

    def __init__(self, paths: list[Path]) -> None:
        self._paths = list(paths)
        self._fh: io.BufferedReader | None = None
        # The stream cannot seek, so it says its size for the import's progress (csvio).
        self.total_bytes = sum(p.stat().st_size for p in self._paths)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            if self._fh is None:
                if not self._paths:
                    return 0
                self._fh = open(self._paths.pop(0), "rb")  # noqa: SIM115
            n = self._fh.readinto(buffer)
            if n:
                return n
            self._fh.close()
            self._fh = None

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        super().close()


class FileService:
    """Per-user file content and chunks.

    Args:
        store: the platform database (created files, per-user content, chunks).
        blobs: where bytes live.
        directory: spec access.
        clock: engine clock (48 h expiry).
        max_chunk_bytes: uncompressed chunk limit (50 MB, api-notes §7).
    """

    def __init__(
        self,
        store: PlatformStore,
        blobs: BlobStore,
        directory: Directory,
        clock: Clock,
        *,
        max_chunk_bytes: int,
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.directory = directory
        self.clock = clock
        self.max_chunk_bytes = max_chunk_bytes

    # ---- definitions --------------------------------------------------------------------------
    def definitions(self, model: ModelSpec, user: User) -> list[FileDef]:
        """Every file ``user`` can address in ``model``, sorted by id."""
        out: list[FileDef] = []
        for f in model.files:
            meta = f.api_dict()
            del meta["id"], meta["name"]
            # Empty default content is no content: the file lists 0 chunks until uploaded.
            out.append(FileDef(f.id, f.name, "source", meta, f.default_content or None))
        for e in model.exports:
            # Export outputs carry no delimiter/encoding/format/separator (api-notes §4.4).
            out.append(FileDef(e.id, e.name, "export", {"firstDataRow": 0, "headerRow": 0}))
        for created in self.store.created_files(model.id):
            if created.owner_id == user.id:
                meta = dict(DEFAULT_SOURCE_META)
                out.append(FileDef(created.file_id, created.name, "created", meta))
        out.sort(key=lambda d: d.id)
        return out

    def definition(self, model: ModelSpec, user: User, file_id: str) -> FileDef:
        """The file with exactly this id, or 404 (IDs are case-sensitive)."""
        for d in self.definitions(model, user):
            if d.id == file_id:
                return d
        raise not_found()

    # ---- per-user content ---------------------------------------------------------------------
    def _content(self, model_id: str, file_id: str, user_id: str) -> ContentRecord | None:
        content = self.store.content(model_id, file_id, user_id)
        if content is not None and content.updated_ms + CONTENT_TTL_S * 1000 <= self.clock.now_ms():
            self._drop_content(model_id, file_id, user_id)
            return None
        return content

    def _drop_content(self, model_id: str, file_id: str, user_id: str) -> None:
        with self.store.transaction():
            blobs = self.store.delete_content(model_id, file_id, user_id)
        for name in blobs:
            self.blobs.delete(name)

    def _replace_content(
        self,
        model_id: str,
        file_id: str,
        user_id: str,
        *,
        requested_count: int,
        completed: bool,
        chunks: Iterable[ChunkRecord] = (),
    ) -> list[str]:
        """Make ``chunks`` the user's whole content of a file, in one transaction.

        Returns:
            The blobs of the content it replaced, to delete now that nothing refers to them.
        """
        content = ContentRecord(
            model_id=model_id,
            file_id=file_id,
            user_id=user_id,
            requested_count=requested_count,
            completed=completed,
            updated_ms=self.clock.now_ms(),
        )
        with self.store.transaction():
            old = self.store.delete_content(model_id, file_id, user_id)
            self.store.put_content(content)
            for chunk in chunks:
                self.store.put_chunk(model_id, file_id, user_id, chunk)
        return old

    def _chunk_count(self, model_id: str, d: FileDef, user: User) -> int:
        content = self._content(model_id, d.id, user.id)
        if content is None:
            return 1 if d.default_content else 0
        uploaded = len(self.store.chunks(model_id, d.id, user.id))
        if not content.completed and content.requested_count >= 0:
            return max(content.requested_count, uploaded)
        return uploaded

    def file_json(
        self, model: ModelSpec, d: FileDef, user: User, *, chunk_count: int | None = None
    ) -> dict[str, Any]:
        """One ``files[]`` entry (api-notes §4.4)."""
        count = self._chunk_count(model.id, d, user) if chunk_count is None else chunk_count
        return {"id": d.id, "name": d.name, "chunkCount": count, **d.meta}

    def list_files(self, model: ModelSpec, user: User) -> list[dict[str, Any]]:
        """``GET …/files``."""
        return [self.file_json(model, d, user) for d in self.definitions(model, user)]

    def set_chunk_count(
        self, model: ModelSpec, user: User, segment: str, body: Any
    ) -> dict[str, Any]:
        """``POST …/files/{id}``: start an upload; an unknown id or name creates a file
        (api-notes §4.5.1)."""
        count = _parse_chunk_count(body)
        model_id = model.id
        d = self._find_or_create(model, user, segment)
        old = self._replace_content(model_id, d.id, user.id, requested_count=count, completed=False)
        for name in old:
            self.blobs.delete(name)
        return self.file_json(model, d, user, chunk_count=count)

    def _find_or_create(self, model: ModelSpec, user: User, segment: str) -> FileDef:
        defs = self.definitions(model, user)
        for d in defs:
            if d.id == segment:
                return d
        for d in defs:
            if d.kind == "created" and d.name == segment:
                return d
        name = segment.strip()
        if not name or len(name) > 255 or any(ord(c) < 32 for c in name):
            raise bad_request("Invalid file name.")
        taken = {int(d.id) for d in defs if d.id.startswith("113") and d.id.isdigit()}
        file_id = self._create_file_once(model.id, user.id, name, taken_ids=taken)
        return FileDef(file_id, name, "created", dict(DEFAULT_SOURCE_META))

    def _create_file_once(
        self, model_id: str, owner_id: str, name: str, *, taken_ids: set[int]
    ) -> str:
        """The id of ``owner_id``'s created file ``name``, creating it if there is none.

        The check in `_find_or_create` is only a fast path. Lookup and insert run here in one
        ``BEGIN IMMEDIATE`` transaction, so concurrent requests for the same name serialise on
        SQLite's write lock and all get the one file: checked outside the transaction, eight
        simultaneous ``POST files/{name}`` created two to five files with the same name (issue
        10 item 10). New ids follow the largest of ``taken_ids``, every created file's id in
        the model and `FIRST_CREATED_ID`.
        """
        with self.store.transaction():
            file_id = self.store.created_file_id(model_id, owner_id, name)
            if file_id is None:
                ids = {int(f.file_id) for f in self.store.created_files(model_id)}
                file_id = str(max(ids | taken_ids | {FIRST_CREATED_ID}) + 1)
                self.store.insert_created_file(CreatedFile(model_id, file_id, name, owner_id))
        return file_id

    def begin_chunk(
        self, model: ModelSpec, user: User, file_id: str, chunk_id: str, *, gzip: bool
    ) -> tuple[int, ChunkWriter]:
        """Validate a chunk PUT before its body is read; returns (chunk number, writer)."""
        self.definition(model, user, file_id)
        chunk_no = parse_chunk_id(chunk_id)
        return chunk_no, ChunkWriter(self.blobs, gzip, self.max_chunk_bytes)

    def store_chunk(
        self, model: ModelSpec, user: User, file_id: str, chunk_no: int, writer: ChunkWriter
    ) -> None:
        """Make a received chunk durable (fsync + rename), then record it. 204 follows."""
        temp, size = writer.finish()
        blob = self.blobs.commit(temp)
        model_id, now = model.id, self.clock.now_ms()
        try:
            with self.store.transaction():
                if self.store.content(model_id, file_id, user.id) is None:
                    fresh = ContentRecord(model_id, file_id, user.id, -1, False, now)
                    self.store.put_content(fresh)
                else:
                    self.store.touch_content(model_id, file_id, user.id, now)
                chunk = ChunkRecord(chunk_no, size, blob)
                replaced = self.store.put_chunk(model_id, file_id, user.id, chunk)
        except BaseException:
            self.blobs.delete(blob)
            raise
        if replaced:
            self.blobs.delete(replaced)

    def put_whole(self, model: ModelSpec, user: User, file_id: str, writer: ChunkWriter) -> None:
        """``PUT …/files/{id}`` (single shot, api-notes §4.5.4): the content becomes one chunk."""
        temp, size = writer.finish()
        blob = self.blobs.commit(temp)
        try:
            old = self._replace_content(
                model.id,
                file_id,
                user.id,
                requested_count=1,
                completed=True,
                chunks=[ChunkRecord(0, size, blob)],
            )
        except BaseException:
            self.blobs.delete(blob)
            raise
        for name in old:
            self.blobs.delete(name)

    def begin_whole(self, model: ModelSpec, user: User, file_id: str, *, gzip: bool) -> ChunkWriter:
        """Validate a single-shot PUT before its body is read."""
        self.definition(model, user, file_id)
        return ChunkWriter(self.blobs, gzip, self.max_chunk_bytes)

    def complete(self, model: ModelSpec, user: User, file_id: str, body: Any) -> dict[str, Any]:
        """``POST …/complete``: chunkCount becomes the number of chunks uploaded
        (api-notes §4.5.3)."""
        if body is not None and not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        d = self.definition(model, user, file_id)
        model_id = model.id
        numbers = [c.chunk_no for c in self.store.chunks(model_id, d.id, user.id)]
        if numbers != list(range(len(numbers))):
            missing = min(set(range(max(numbers) + 1)) - set(numbers))
            raise bad_request(f"Chunk {missing} has not been uploaded.")
        if self._content(model_id, d.id, user.id) is not None:
            now = self.clock.now_ms()
            self.store.put_content(ContentRecord(model_id, d.id, user.id, len(numbers), True, now))
        return self.file_json(model, d, user, chunk_count=len(numbers))

    def list_chunks(self, model: ModelSpec, user: User, file_id: str) -> list[dict[str, str]]:
        """``GET …/chunks`` (api-notes §4.5.5): N announced → 0..N-1; -1 →
        uploaded; done → stored."""
        d = self.definition(model, user, file_id)
        n = self._chunk_count(model.id, d, user)
        content = self._content(model.id, d.id, user.id)
        if content is not None and not content.completed and content.requested_count < 0:
            numbers = [c.chunk_no for c in self.store.chunks(model.id, d.id, user.id)]
        else:
            numbers = list(range(n))
        return [{"id": str(i), "name": f"Chunk {i}"} for i in numbers]

    def read_chunk(
        self, model: ModelSpec, user: User, file_id: str, chunk_id: str
    ) -> tuple[Iterator[bytes], int]:
        """One chunk's stored (decompressed) bytes; 404 when it is not there."""
        d = self.definition(model, user, file_id)
        chunk_no = parse_chunk_id(chunk_id, status=404)
        model_id = model.id
        if self._content(model_id, d.id, user.id) is None:
            if d.default_content and chunk_no == 0:
                return iter([d.default_content]), len(d.default_content)
            raise not_found()
        for chunk in self.store.chunks(model_id, d.id, user.id):
            if chunk.chunk_no == chunk_no and self.blobs.exists(chunk.blob):
                return self.blobs.read(chunk.blob), chunk.size
        raise not_found()

    def read_whole(self, model: ModelSpec, user: User, file_id: str) -> tuple[Iterator[bytes], int]:
        """The whole file (concatenated chunks); 404 when the user has no content
        (api-notes §4.5.6)."""
        d = self.definition(model, user, file_id)
        model_id = model.id
        if self._content(model_id, d.id, user.id) is None:
            if d.default_content:
                return iter([d.default_content]), len(d.default_content)
            raise not_found()
        chunks = self.store.chunks(model_id, d.id, user.id)
        if not chunks:
            raise not_found()
        return self._concat([c.blob for c in chunks]), sum(c.size for c in chunks)

    def _concat(self, names: list[str]) -> Iterator[bytes]:
        for name in names:
            yield from self.blobs.read(name)

    def delete(self, model: ModelSpec, user: User, file_id: str) -> None:
        """``DELETE …/files/{id}``: only the user's private content goes (api-notes §4.5.7)."""
        d = self.definition(model, user, file_id)
        self._drop_content(model.id, d.id, user.id)

    # ---- the task worker's side ---------------------------------------------------------------
    def open_source(self, model_id: str, user_id: str, file_id: str) -> BinaryIO | None:
        """The user's content for an import, else the default content, else None."""
        model = self.directory.model_spec(model_id)
        user = self.directory.user_by_id(user_id)
        if user is None:
            return None
        try:
            d = self.definition(model, user, file_id)
        except EmulatorError:
            return None
        if self._content(model_id, d.id, user_id) is None:
            return io.BytesIO(d.default_content) if d.default_content else None
        chunks = self.store.chunks(model_id, d.id, user_id)
        if not chunks:
            return None
        return io.BufferedReader(ChainReader([self.blobs.path(c.blob) for c in chunks]))

    def write_blobs(self, pieces: Iterable[bytes], chunk_bytes: int) -> list[tuple[str, int]]:
        """Store a stream as blobs of at most ``chunk_bytes`` each (export output)."""
        out: list[tuple[str, int]] = []
        path, fh = self.blobs.new_temp()
        size = 0
        try:
            for piece in pieces:
                view = memoryview(piece)
                while view:
                    take = min(len(view), chunk_bytes - size)
                    fh.write(view[:take])
                    size += take
                    view = view[take:]
                    if size == chunk_bytes:
                        fh.close()
                        out.append((self.blobs.commit(path), size))
                        path, fh = self.blobs.new_temp()
                        size = 0
            fh.close()
            if size or not out:
                out.append((self.blobs.commit(path), size))
            else:
                self.blobs.discard(path)
            return out
        except BaseException:
            fh.close()
            self.blobs.discard(path)
            for name, _ in out:
                self.blobs.delete(name)
            raise

    def install_output(
        self, model_id: str, user_id: str, file_id: str, blobs: list[tuple[str, int]]
    ) -> None:
        """Make an export's output the user's content of file ``file_id`` (same id; api-notes
        api-notes §4.5.6).

        Idempotent: installing the same blobs again changes nothing.
        """
        old = self._replace_content(
            model_id,
            file_id,
            user_id,
            requested_count=len(blobs),
            completed=True,
            chunks=[ChunkRecord(i, size, name) for i, (name, size) in enumerate(blobs)],
        )
        # Recovery may install the same output twice (engine/outcomes.py): keep what is in use.
        kept = {name for name, _ in blobs}
        for name in old:
            if name not in kept:
                self.blobs.delete(name)


def _parse_chunk_count(body: Any) -> int:
    if body is None:
        return -1
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    value = body.get("chunkCount")
    if value is None:  # null or missing fields are ignored (api-notes §4.5.1)
        return -1
    if isinstance(value, float) and not value.is_integer():
        # Non-integral and non-finite values (routes refuse NaN and 1e999 already; this is the
        # engine's own guard, since int(inf) raises OverflowError, not ValueError).
        raise bad_request("chunkCount must be an integer.")
    try:
        count = int(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise bad_request("chunkCount must be an integer.") from exc
    if isinstance(value, bool) or count < -1 or count > MAX_CHUNKS:
        raise bad_request(f"chunkCount must be -1 or between 0 and {MAX_CHUNKS}.")
    return count


def parse_chunk_id(chunk_id: str, *, status: int = 400) -> int:
    """Chunk ids are "0", "1", … up to 999 (at most 1000 chunks per file, api-notes §7)."""
    if not chunk_id.isdigit() or not chunk_id.isascii() or int(chunk_id) > MAX_CHUNK_ID:
        if status == 404:
            raise not_found()
        raise bad_request(f"Invalid chunk id '{chunk_id[:40]}'.")
    return int(chunk_id)
