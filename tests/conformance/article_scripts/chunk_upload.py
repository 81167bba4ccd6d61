"""chunkUpload: announce an upload with the file object, PUT raw chunks, then complete
(api-notes §5).

The script sends the whole file object with `chunkCount: -1`, uploads fixed-size uncompressed
chunks as `application/octet-stream` in order, and posts the object again to `/complete`.
"""

from __future__ import annotations

import httpx2

from ._common import ScriptSettings


def chunk_upload(
    settings: ScriptSettings,
    http: httpx2.Client,
    *,
    file_id: str,
    file_name: str,
    content: bytes,
    chunk_size: int,
) -> dict:
    """Upload `content` to `file_id` in `chunk_size`-byte chunks; return the completed file."""
    file_data = {
        "id": file_id,
        "name": file_name,
        "chunkCount": -1,
        "delimiter": '"',
        "encoding": "UTF-8",
        "firstDataRow": 2,
        "format": "txt",
        "headerRow": 1,
        "separator": ",",
    }
    url = f"{settings.model_url}/files/{file_id}"
    started = http.post(url, headers=settings.headers(), json=file_data)
    started.raise_for_status()
    assert started.json()["id"] == file_id, started.text  # bare file object, no envelope
    for chunk_number, offset in enumerate(range(0, len(content), chunk_size)):
        put = http.put(
            f"{url}/chunks/{chunk_number}",
            headers=settings.headers(**{"Content-Type": "application/octet-stream"}),
            content=content[offset : offset + chunk_size],
        )
        put.raise_for_status()
    completed = http.post(f"{url}/complete", headers=settings.headers(), json=file_data)
    completed.raise_for_status()
    return completed.json()
