"""pyanaplan's transfer defaults, read from its code so the raw loops always match them."""

from __future__ import annotations

import types
from typing import Any


def _gzip_library(module: types.ModuleType) -> str:
    """``"isal"`` when pyanaplan's gzip helper uses python-isal, else ``"zlib"``."""
    named = getattr(module, "GZIP_LIBRARY", None)
    if isinstance(named, str):
        return named
    for value in vars(module).values():
        if isinstance(value, types.ModuleType) and value.__name__.startswith("isal"):
            return "isal"
    return "zlib"


def transfer_defaults() -> dict[str, Any]:
    """Chunk size, concurrency, gzip level and library that ``Client.upload``/``download`` use.

    Returns:
        ``{"chunk_size", "concurrency", "download_concurrency", "compress_level", "gzip_library"}``.
    """
    from pyanaplan.transfer import _gzip, plan

    concurrency = plan.DEFAULT_CONCURRENCY
    return {
        "chunk_size": plan.DEFAULT_CHUNK_SIZE,
        "concurrency": concurrency,
        "download_concurrency": getattr(plan, "DEFAULT_DOWNLOAD_CONCURRENCY", concurrency),
        "compress_level": plan.DEFAULT_COMPRESS_LEVEL,
        "gzip_library": _gzip_library(_gzip),
    }
