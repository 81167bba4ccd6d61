"""Offset paging that trusts the server's `meta.paging` (reference §2.7, §10.5).

The server may return fewer rows than asked (page size capped at 5000 or lower), so the offset
advances by what was actually received, and paging stops at `totalSize`, on an empty page, or
after a bounded number of pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["MAX_PAGES", "iter_paged"]

MAX_PAGES = 10_000


def iter_paged(
    fetch: Callable[[dict[str, Any]], Mapping[str, Any]],
    key: str,
    *,
    params: Mapping[str, Any] | None = None,
    max_pages: int = MAX_PAGES,
) -> Iterator[dict[str, Any]]:
    """Yield every item of a paged listing.

    Args:
        fetch: Sends one GET with the given query params and returns the JSON body.
        key: Payload key of the list ("files", "models", …); a missing key means an empty page
            (empty collections omit their key, §2.3).
        params: Extra query params (e.g. `limit`, `modelDetails`).
        max_pages: Safety bound on the number of requests.
    """
    base = dict(params or {})
    offset = int(base.pop("offset", 0) or 0)
    for _ in range(max_pages):
        body = fetch({**base, "offset": offset} if offset else dict(base))
        items = body.get(key) or []
        if not isinstance(items, list):
            items = [items]
        yield from (item for item in items if isinstance(item, dict))
        paging = (
            (body.get("meta") or {}).get("paging") if isinstance(body.get("meta"), dict) else None
        )
        if not isinstance(paging, dict) or not items:
            return
        total = _as_int(paging.get("totalSize"))
        page_offset = _as_int(paging.get("offset"))
        start = page_offset if page_offset is not None else offset
        offset = start + len(items)
        if total is None or offset >= total:
            return


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
