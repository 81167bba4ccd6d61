"""Per-chunk gzip (api-notes §4.5.2: `Content-Type: application/x-gzip`, the server gunzips).

python-isal (Intel ISA-L) is used when it is installed, for levels 0–3 (the levels it has): at
level 1 it is several times faster than zlib and compresses CSV a little better. Other levels, and
machines without isal, use the standard library's zlib. Both release the GIL while compressing,
so chunk workers in threads compress in parallel.
"""

from __future__ import annotations

import zlib
from types import ModuleType

__all__ = ["GZIP_CONTENT_TYPE", "GZIP_LIBRARY", "PLAIN_CONTENT_TYPE", "gzip_bytes"]

GZIP_CONTENT_TYPE = "application/x-gzip"
PLAIN_CONTENT_TYPE = "application/octet-stream"

_isal_zlib: ModuleType | None
try:  # optional speed-up
    from isal import isal_zlib as _isal_zlib
except ImportError:  # pragma: no cover - depends on the environment
    _isal_zlib = None

#: Which library compresses at the default level: "isal" or "zlib" (read by the benchmarks).
GZIP_LIBRARY = "isal" if _isal_zlib is not None else "zlib"

# wbits 16 + 15: a gzip header and trailer around a 32 KiB-window deflate stream. No file name or
# mtime goes in the header, so the same input always gives the same bytes.
_GZIP_WBITS = 31
_ISAL_MAX_LEVEL = 3


def gzip_bytes(data: bytes, level: int) -> bytes:
    """Gzip `data` at `level` (0–9) in one call."""
    if _isal_zlib is not None and level <= _ISAL_MAX_LEVEL:
        return _isal_zlib.compress(data, level, _GZIP_WBITS)
    compressor = zlib.compressobj(level, zlib.DEFLATED, _GZIP_WBITS)
    return compressor.compress(data) + compressor.flush()
