"""Name-or-ID lookup for workspaces, models, files, imports, exports, actions and processes.

Matching order: exact ID, then case-insensitive name, then case-insensitive code, then a
case-insensitive ID (path IDs are case-sensitive, §2.5, so we hand back the server's spelling).
More than one match at the first level that matches → AmbiguousNameError listing every candidate
with its ID; no match → NameNotFoundError naming up to three closest names (difflib).
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from pyanaplan.errors import AmbiguousNameError, NameNotFoundError

__all__ = ["NameResolver", "closest", "match_name"]

T = TypeVar("T")

KIND_LABELS = {
    "workspace": "Workspace",
    "model": "Model",
    "file": "File",
    "import": "Import",
    "export": "Export",
    "action": "Action",
    "process": "Process",
}


def _attr(item: Any, name: str) -> str | None:
    value = getattr(item, name, None)
    if value is None and isinstance(item, dict):
        value = item.get(name)
    return str(value) if value not in (None, "") else None


def closest(query: str, items: Sequence[Any], *, limit: int = 3) -> list[tuple[str, str]]:
    """Up to `limit` (name, id) pairs whose names are closest to `query` (case-insensitive)."""
    by_lower: dict[str, list[Any]] = {}
    for item in items:
        name = _attr(item, "name") or ""
        by_lower.setdefault(name.lower(), []).append(item)
    names = difflib.get_close_matches(query.lower(), list(by_lower), n=limit, cutoff=0.4)
    if not names:
        # Substring containment catches "Sales" vs "Sales from Sales.csv".
        names = [n for n in by_lower if query.lower() in n or (n and n in query.lower())][:limit]
    result: list[tuple[str, str]] = []
    for lowered in names:
        for item in by_lower[lowered]:
            result.append((_attr(item, "name") or "", _attr(item, "id") or ""))
    return result[:limit]


def match_name(
    kind: str,
    query: str,
    items: Sequence[T],
    *,
    where: str = "",
) -> T:
    """Pick the one item that `query` names.

    Args:
        kind: "workspace", "model", "file", "import", "export", "action" or "process".
        query: An ID, a name or a code.
        items: Objects with `id`, `name` and optional `code` attributes.
        where: Context for messages, e.g. "in model 'Sales Planning'".

    Raises:
        AmbiguousNameError: Several items share that name or code.
        NameNotFoundError: Nothing matches; lists the closest names.
    """
    label = KIND_LABELS.get(kind, kind.capitalize())
    suffix = f" {where}" if where else ""
    text = query.strip()
    lowered = text.casefold()
    levels: list[Callable[[T], bool]] = [
        lambda item: _attr(item, "id") == text,
        # Names are compared trimmed: Anaplan names can carry stray spaces, queries are trimmed.
        lambda item: (_attr(item, "name") or "").strip().casefold() == lowered,
        lambda item: (_attr(item, "code") or "\0").strip().casefold() == lowered,
        lambda item: (_attr(item, "id") or "").casefold() == lowered,
    ]
    for predicate in levels:
        found = [item for item in items if predicate(item)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            candidates = [(_attr(i, "name") or "", _attr(i, "id") or "") for i in found]
            listed = ", ".join(f"'{n}' ({i})" for n, i in candidates)
            raise AmbiguousNameError(
                f"{label} name '{text}' is ambiguous{suffix}: {listed}.",
                kind=kind,
                query=text,
                candidates=candidates,
                hint=f"Pass the {kind} ID instead of its name.",
            )
    near = closest(text, items)
    message = f"{label} '{text}' not found{suffix}."
    if near:
        message += " Closest: " + ", ".join(f"'{n}' ({i})" for n, i in near) + "."
    # No "--create" here: only an upload can create a file, and it adds that hint itself.
    hint = f"List the {kind}s to see what exists; names are matched case-insensitively."
    raise NameNotFoundError(message, kind=kind, query=text, candidates=near, hint=hint)


class NameResolver:
    """Per-client cache of listings used for lookups.

    A lookup that misses in a cached listing re-lists once before failing, so objects created
    since the listing (e.g. a file created by an upload) are still found.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[Hashable, ...], list[Any]] = {}
        self._lock = threading.Lock()

    def listing(
        self, kind: str, scope: tuple[str, ...], lister: Callable[[], Sequence[T]]
    ) -> list[T]:
        """The cached listing for (kind, scope), fetched on first use."""
        key = (kind, *scope)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        fresh = list(lister())
        with self._lock:
            self._cache[key] = fresh
        return fresh

    def resolve(
        self,
        kind: str,
        query: str,
        *,
        scope: tuple[str, ...],
        lister: Callable[[], Sequence[T]],
        where: str = "",
    ) -> T:
        """Find the object `query` names among `lister()`'s results (see `match_name`)."""
        key = (kind, *scope)
        with self._lock:
            was_cached = key in self._cache
        items = self.listing(kind, scope, lister)
        try:
            return match_name(kind, query, items, where=where)
        except NameNotFoundError:
            if not was_cached:
                raise
        self.invalidate(kind, scope)
        return match_name(kind, query, self.listing(kind, scope, lister), where=where)

    def invalidate(self, kind: str | None = None, scope: tuple[str, ...] | None = None) -> None:
        """Drop cached listings: all, all of one kind, or one (kind, scope)."""
        with self._lock:
            if kind is None:
                self._cache.clear()
            elif scope is None:
                for key in [k for k in self._cache if k[0] == kind]:
                    del self._cache[key]
            else:
                self._cache.pop((kind, *scope), None)
