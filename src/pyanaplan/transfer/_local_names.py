"""Local file names built from names the server chose (files, exports, dumps).

A server-provided name is data, not a path: an export called `../../x.csv` or `/etc/cron.d/x`
must land as a plain file in the directory the user asked for, never outside it. Every place that
derives a local path from a server name calls `safe_file_name`, so the rule lives in one place.

The result is portable: it is also a valid name on Windows (no reserved device names such as
`CON` or `NUL`, none of `<>:"/\\|?*`), so a name that works on one machine works on the next.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_NAME_BYTES", "safe_file_name"]

#: Longest result in UTF-8 bytes. File systems allow 255; the rest leaves room for the suffixes
#: a download adds next to its target (`.part`, `.part.json`).
MAX_NAME_BYTES = 200

_SEPARATORS = re.compile(r"[\\/]")
# Windows-invalid characters and every control character (NUL included).
_UNSAFE = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')
# Windows device names, reserved with any extension ("NUL.csv" opens the device too).
_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?$", re.IGNORECASE)


def safe_file_name(
    name: str, *, fallback: str = "download", max_bytes: int = MAX_NAME_BYTES
) -> str:
    """Reduce a server-provided name to one safe file name (no directories).

    Only the last path component is kept (after `/` or `\\`); control characters (NUL included)
    and characters Windows forbids become `_`; leading and trailing dots and spaces go (so `..`
    and `.` cannot name a directory); Windows device names get a `_` prefix; the result is cut
    to `max_bytes` UTF-8 bytes, keeping the extension. A name left empty becomes `fallback`.

    Args:
        name: The name as the server sent it.
        fallback: Used when nothing usable is left (must itself be a safe name).
        max_bytes: Longest result in UTF-8 bytes.

    Returns:
        A single path component that stays inside any directory it is joined to.
    """
    # Only the last path component: `../../x.csv` and `/abs/x.csv` are both `x.csv`.
    text = _SEPARATORS.split(unicodedata.normalize("NFC", str(name)))[-1]
    text = _UNSAFE.sub("_", text).strip(" .")
    if not text:
        text = fallback
    if _RESERVED.match(text):
        text = "_" + text
    return _shorten(text, max_bytes)


def _shorten(text: str, max_bytes: int) -> str:
    """Cut `text` to `max_bytes` UTF-8 bytes at a character boundary, keeping a short extension."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    stem, dot, ext = text.rpartition(".")
    suffix = f".{ext}" if dot and stem and 0 < len(ext.encode("utf-8")) <= 16 else ""
    base = stem if suffix else text
    budget = max_bytes - len(suffix.encode("utf-8"))
    cut = base.encode("utf-8")[:budget].decode("utf-8", errors="ignore").rstrip(" .")
    return (cut or "_") + suffix
