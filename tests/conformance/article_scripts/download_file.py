"""downloadFile: list a file's chunks, GET each with `Accept: application/octet-stream`
(api-notes §4.5.6)."""

from __future__ import annotations

import httpx2

from ._common import ScriptSettings


def download_file(settings: ScriptSettings, http: httpx2.Client, *, file_id: str) -> bytes:
    """Return the file's bytes, concatenated in chunk-list order as the script writes them."""
    url = f"{settings.model_url}/files/{file_id}"
    chunks = http.get(f"{url}/chunks", headers=settings.headers())
    chunks.raise_for_status()
    content = b""
    for chunk in chunks.json():
        got = http.get(
            f"{url}/chunks/{chunk['id']}",
            headers=settings.headers(Accept="application/octet-stream"),
        )
        got.raise_for_status()
        content += got.content
    return content
