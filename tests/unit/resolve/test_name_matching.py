"""Name-or-ID matching order, ambiguity, closest-match suggestions and the per-client cache."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyanaplan.errors import AmbiguousNameError, NameNotFoundError
from pyanaplan.models import File, Import
from pyanaplan.resolve import NameResolver, closest, match_name

FILES = [
    File(id="113000000001", name="Regions.csv"),
    File(id="113000000002", name="Products.csv", code="PROD"),
    File(id="113000000003", name="Sales.csv"),
    File(id="116000000001", name="Sales Report.csv"),
]


def test_exact_id_first() -> None:
    assert match_name("file", "113000000003", FILES).name == "Sales.csv"


def test_case_insensitive_name() -> None:
    assert match_name("file", "  sales.CSV ", FILES).id == "113000000003"


def test_code_after_name() -> None:
    assert match_name("file", "prod", FILES).id == "113000000002"


def test_id_beats_a_name_that_looks_like_an_id() -> None:
    items = [Import(id="112000000001", name="A"), Import(id="112000000002", name="112000000001")]
    assert match_name("import", "112000000001", items).name == "A"


def test_case_insensitive_id_returns_server_spelling() -> None:
    from pyanaplan.models import Model

    models = [Model(id="5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B", name="Sales Planning")]
    assert match_name("model", "5b2e6f0c8a7d4e1f9c3b2a1d0e9f8c7b", models).id == models[0].id


def test_ambiguous_lists_candidates_with_ids() -> None:
    items = [Import(id="112000000001", name="Load"), Import(id="112000000009", name="load")]
    with pytest.raises(AmbiguousNameError) as info:
        match_name("import", "LOAD", items, where="in model 'M' (X)")
    error = info.value
    assert {c.id for c in error.candidates} == {"112000000001", "112000000009"}
    assert "112000000009" in str(error) and "in model 'M' (X)" in str(error)
    assert "ID" in error.hint


def test_not_found_names_closest_matches() -> None:
    with pytest.raises(NameNotFoundError) as info:
        match_name("file", "Sale.csv", FILES, where="in model 'Sales Planning' (5B)")
    error = info.value
    assert error.kind == "file" and error.query == "Sale.csv"
    assert error.candidates[0] == ("Sales.csv", "113000000003")
    assert len(error.candidates) <= 3
    assert "Sales.csv" in str(error)
    # Looking a file up (download, delete, chunks) never suggests creating one; only an upload
    # can create a file, and it says so itself.
    assert "create" not in error.hint.lower()


def test_not_found_without_anything_close() -> None:
    with pytest.raises(NameNotFoundError) as info:
        match_name("process", "zzzz", [])
    assert info.value.candidates == []
    assert "Process 'zzzz' not found" in str(info.value)


def test_closest_uses_substring_fallback() -> None:
    items = [
        Import(id="1", name="Sales from Sales.csv"),
        Import(id="2", name="Regions from Regions.csv"),
    ]
    assert closest("sales", items)[0] == ("Sales from Sales.csv", "1")


def test_resolver_caches_and_relists_once_on_miss() -> None:
    calls = 0
    current = [File(id="1", name="a.csv")]

    def lister() -> list[File]:
        nonlocal calls
        calls += 1
        return list(current)

    resolver = NameResolver()
    assert resolver.resolve("file", "a.csv", scope=("w", "m"), lister=lister).id == "1"
    assert resolver.resolve("file", "A.CSV", scope=("w", "m"), lister=lister).id == "1"
    assert calls == 1
    current.append(File(id="2", name="new.csv"))
    assert resolver.resolve("file", "new.csv", scope=("w", "m"), lister=lister).id == "2"
    assert calls == 2
    with pytest.raises(NameNotFoundError):
        resolver.resolve("file", "ghost.csv", scope=("w", "m"), lister=lister)
    assert calls == 3


def test_resolver_scopes_are_separate_and_invalidate() -> None:
    resolver = NameResolver()
    one = resolver.listing("file", ("w", "m1"), lambda: [File(id="1", name="x")])
    two = resolver.listing("file", ("w", "m2"), lambda: [File(id="2", name="x")])
    assert one[0].id == "1" and two[0].id == "2"
    resolver.invalidate("file", ("w", "m1"))
    assert resolver.listing("file", ("w", "m1"), lambda: [File(id="9", name="x")])[0].id == "9"
    assert resolver.listing("file", ("w", "m2"), lambda: [])[0].id == "2"


@given(
    st.lists(
        st.text(
            alphabet=st.characters(codec="ascii", categories=["L", "N", "P", "Zs"]), min_size=1
        ),
        min_size=1,
        max_size=8,
        unique_by=lambda n: n.strip().lower(),
    ).filter(lambda names: all(n.strip() for n in names))
)
def test_every_unique_name_and_id_resolves_to_itself(names: list[str]) -> None:
    items = [Import(id=f"1120000000{i:02d}", name=n) for i, n in enumerate(names)]
    for item in items:
        assert match_name("import", item.name.upper(), items) is item
        assert match_name("import", item.id, items) is item
