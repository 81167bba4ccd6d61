"""Name-or-ID resolution (re-exports only)."""

from pyanaplan.resolve.names import NameResolver, closest, match_name

__all__ = ["NameResolver", "closest", "match_name"]
