"""Property: items written with csv.writer and imported come back unchanged from a list export."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from engine_mini_spec import mini_harness
from hypothesis import given, settings
from hypothesis import strategies as st

_NAME = (
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\x00"
        ),
        min_size=1,
        max_size=15,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=40, deadline=None)
@given(names=st.lists(_NAME, min_size=1, max_size=30, unique=True))
def test_list_import_then_export_round_trips(names: list[str]) -> None:
    # regions.tsv is tab-separated without a text delimiter, so lines are written as they are
    # (the name alphabet has no control characters: no tabs, no line breaks).
    rows = [(name, f"K{i}") for i, name in enumerate(names)]
    content = "Name\tCode\n" + "".join(f"{name}\t{code}\n" for name, code in rows)
    with tempfile.TemporaryDirectory() as tmp:
        harness_gen = mini_harness(Path(tmp))
        engine = next(harness_gen)
        try:
            engine.upload("113000000003", content.encode())
            outcome = engine.run("112000000003")
            assert outcome.successful, engine.dumps
            engine.run("116000000002")
            exported = list(
                csv.reader(io.StringIO(engine.exports["116000000002"].decode()), delimiter="\t")
            )
        finally:
            harness_gen.close()
    # The mini spec's Regions start with East (E) and West (W); imported items follow in order,
    # except names that were already there, which keep their place and take the new code.
    expected = dict([("East", "E"), ("West", "W"), *rows])
    assert exported[0] == ["Regions", "Code"]
    assert dict((r[0], r[1]) for r in exported[1:]) == expected
    assert [r[0] for r in exported[1:]] == list(expected)
