"""The machine description printed at the top of docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

_PACKAGES = ("pyanaplan", "anaplan-sdk", "httpx2", "starlette", "uvicorn", "isal")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_bytes() -> int:
    try:
        with open("/proc/meminfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe() -> dict[str, object]:
    """Return CPU model, core count, RAM, OS, Python and package versions.

    Returns:
        A JSON-ready dict.
    """
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_bytes": _ram_bytes(),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "packages": {name: _version(name) for name in _PACKAGES},
    }
