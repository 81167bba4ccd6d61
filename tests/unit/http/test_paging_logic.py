"""Paging trusts meta.paging: server-capped pages, omitted keys, bounded iterations."""

from __future__ import annotations

from typing import Any

from pyanaplan.http._paging import iter_paged


def server(total: int, cap: int, key: str = "files"):
    calls: list[dict[str, Any]] = []

    def fetch(params: dict[str, Any]) -> dict[str, Any]:
        calls.append(params)
        offset = int(params.get("offset", 0))
        limit = min(int(params.get("limit", 5000)), cap)
        rows = [{"id": str(i)} for i in range(offset, min(offset + limit, total))]
        body: dict[str, Any] = {
            "meta": {"paging": {"currentPageSize": len(rows), "offset": offset, "totalSize": total}}
        }
        if rows:
            body[key] = rows
        return body

    return fetch, calls


def test_server_cap_lower_than_requested_limit() -> None:
    fetch, calls = server(total=23, cap=5)
    ids = [item["id"] for item in iter_paged(fetch, "files", params={"limit": 10})]
    assert ids == [str(i) for i in range(23)]
    assert [c.get("offset", 0) for c in calls] == [0, 5, 10, 15, 20]


def test_single_page_without_paging_meta() -> None:
    calls = 0

    def fetch(params: dict[str, Any]) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        return {"imports": [{"id": "1"}, {"id": "2"}]}

    assert len(list(iter_paged(fetch, "imports"))) == 2
    assert calls == 1


def test_omitted_key_is_empty() -> None:
    fetch, calls = server(total=0, cap=5, key="chunks")
    assert list(iter_paged(fetch, "chunks")) == []
    assert len(calls) == 1


def test_lying_total_is_bounded_by_empty_page_and_max_pages() -> None:
    def fetch(params: dict[str, Any]) -> dict[str, Any]:
        return {
            "meta": {"paging": {"totalSize": 10**9, "offset": params.get("offset", 0)}},
            "x": [{"id": "a"}],
        }

    assert len(list(iter_paged(fetch, "x", max_pages=7))) == 7
