"""The raw limit: bare httpx2 loops that speak the bulk file protocol and do nothing else.

No retries, no resume journal, no name lookup, no progress: just read a window of the file,
compress it (same library, level and thread count as the contender it is compared with) and PUT it.
Whatever pyanaplan spends beyond these loops is overhead of pyanaplan's own making.
"""

from __future__ import annotations

import math
import os
import zlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx2

Compressor = Callable[[bytes], bytes]


def compressor(library: str, level: int) -> Compressor:
    """Return a function producing a gzip member (what ``application/x-gzip`` chunks carry).

    Args:
        library: ``"zlib"`` (stdlib) or ``"isal"`` (python-isal; levels 0-3).
        level: Compression level for that library.

    Returns:
        A ``bytes -> bytes`` function; both libraries release the GIL while compressing.
    """
    if library == "zlib":
        return lambda data: zlib.compress(data, level, 31)
    if library == "isal":
        from isal import isal_zlib

        return lambda data: isal_zlib.compress(data, level, 31)
    raise ValueError(f"unknown gzip library {library!r}")


def _session(origin: str, token: str, workspace_id: str, model_id: str) -> httpx2.Client:
    return httpx2.Client(
        base_url=f"{origin}/2/0/workspaces/{workspace_id}/models/{model_id}",
        headers={"Authorization": f"AnaplanAuthToken {token}"},
        timeout=600.0,
    )


def upload(
    *,
    origin: str,
    token: str,
    workspace_id: str,
    model_id: str,
    file_id: str,
    path: Path,
    chunk_size: int,
    concurrency: int,
    compress: Compressor | None,
) -> dict[str, int]:
    """Upload ``path`` in chunks: POST count, PUT chunks from ``concurrency`` threads, complete.

    Returns:
        ``{"chunks": n, "bytes_sent": body bytes put on the wire}``.
    """
    size = path.stat().st_size
    count = max(1, math.ceil(size / chunk_size))
    headers = {"Content-Type": "application/x-gzip" if compress else "application/octet-stream"}
    with _session(origin, token, workspace_id, model_id) as http, path.open("rb") as src:
        fd = src.fileno()
        http.post(f"/files/{file_id}", json={"chunkCount": count}).raise_for_status()

        def put(index: int) -> int:
            body = os.pread(fd, chunk_size, index * chunk_size)
            if compress:
                body = compress(body)
            http.put(
                f"/files/{file_id}/chunks/{index}", content=body, headers=headers
            ).raise_for_status()
            return len(body)

        # Tasks read their window only when a thread picks them up, so memory stays at
        # `concurrency` chunks however many are queued.
        with ThreadPoolExecutor(concurrency) as pool:
            sent = sum(pool.map(put, range(count)))
        http.post(f"/files/{file_id}/complete", json={"id": file_id}).raise_for_status()
    return {"chunks": count, "bytes_sent": sent}


def download(
    *,
    origin: str,
    token: str,
    workspace_id: str,
    model_id: str,
    file_id: str,
    target: Path,
    concurrency: int,
) -> dict[str, int]:
    """Download every chunk with ``concurrency`` requests in flight, writing them in order.

    Returns:
        ``{"chunks": n, "bytes": size written}``.
    """
    with _session(origin, token, workspace_id, model_id) as http, target.open("wb") as out:
        listing = http.get(f"/files/{file_id}/chunks")
        listing.raise_for_status()
        ids = [chunk["id"] for chunk in listing.json().get("chunks", [])]

        def get(chunk_id: str) -> bytes:
            response = http.get(f"/files/{file_id}/chunks/{chunk_id}")
            response.raise_for_status()
            return response.content

        written = 0
        window: deque[Future[bytes]] = deque()
        with ThreadPoolExecutor(concurrency) as pool:
            pending = iter(ids)
            for chunk_id in pending:
                window.append(pool.submit(get, chunk_id))
                if len(window) >= concurrency:
                    written += out.write(window.popleft().result())
            while window:
                written += out.write(window.popleft().result())
    return {"chunks": len(ids), "bytes": written}
