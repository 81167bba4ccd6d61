"""The repository stands alone: citations resolve inside it, and nothing names a folder outside it.

Why: comments cite the Anaplan API facts they rely on by section of docs/api-notes.md (written
"api-notes", the section sign, then the number, e.g. 4.6.3). A citation of a section that has no
heading there is a dead link for every reader. And a fresh clone with nothing beside it must
build and test, so src/, tests/, bench/, the Makefile and pyproject.toml may not name the
workspace's shared folder.

The citation grammar here is the one the citation rewrite uses: a section, then more sections
joined by ", ", " and ", " or ", " / " (optionally after a label of one to three words, as in
"2.2 success, 2.4 errors") or a range with "-" or an en dash. No literal section sign appears in
this file, so that the rewrite leaves it alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOTES = REPO / "docs" / "api-notes.md"
SIGN = "\u00a7"
TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".cfg", ".ini", ".json", ".sh"}

NUM = r"\d+(?:\.\d+)*"
_LABEL = r"(?: [A-Za-z][\w-]*){1,3}"
_RANGE = rf" ?[-–] ?{SIGN}?{NUM}"
_JOIN = r"(?:, |,? (?:and|or) | / )"
#: One citation and the sections joined to it ("4.5.1, 4.5.4", "4.3.3–4.3.4", "2.2 success, 2.4");
#: after a double sign the listed numbers may go without one ("4.5, 4.6").
CHAIN = re.compile(
    rf"{SIGN}{SIGN} ?{NUM}(?:{_RANGE}|{_JOIN}{SIGN}?{NUM})*"
    rf"|{SIGN} ?{NUM}(?:{_RANGE}|(?:{_LABEL})?{_JOIN}{SIGN}{NUM})*"
)
_NUMBERS = re.compile(rf"(?:{SIGN}+ ?|[-–] ?|, |and |or |/ )({NUM})")
#: Citations of other documents: our docs/architecture.md, and RFCs.
OTHER_DOCUMENT = re.compile(r"(?:architecture(?:\.md)?|RFC ?\d+) $", re.IGNORECASE)
API_NOTES = "api-notes "
HEADING = re.compile(rf"^#{{2,6}} ({NUM})\.? ", re.MULTILINE)


def text_files(*roots: str) -> Iterator[Path]:
    """Text files under the given repository paths (directories or files), caches skipped."""
    for root in roots:
        path = REPO / root
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        for candidate in candidates:
            if "__pycache__" in candidate.parts or not candidate.is_file():
                continue
            if candidate.suffix in TEXT_SUFFIXES or candidate.name == "Makefile":
                yield candidate


def citations(text: str) -> Iterator[tuple[str, str, list[str]]]:
    """(prefix, citation text, section numbers) for every section citation in `text`.

    `prefix` is "api-notes", "other" (architecture, RFC) or "" (a bare citation).
    """
    for match in CHAIN.finditer(text):
        before = text[max(0, match.start() - 40) : match.start()]
        if before.endswith(API_NOTES):
            prefix = "api-notes"
        elif OTHER_DOCUMENT.search(before):
            prefix = "other"
        else:
            prefix = ""
        yield prefix, match.group(0), _NUMBERS.findall(match.group(0))


def note_sections() -> set[str]:
    """The section numbers that have a heading in docs/api-notes.md."""
    return set(HEADING.findall(NOTES.read_text(encoding="utf-8")))


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def test_the_citation_grammar_reads_lists_ranges_and_other_documents() -> None:
    text = (
        f"(api-notes {SIGN}4.5.1, {SIGN}4.5.4 and {SIGN}4.5.6) {SIGN}4.3.3–4.3.4 "
        f"api-notes {SIGN}2.2 success, {SIGN}2.4 errors; architecture {SIGN}3.1; "
        f"RFC 8628 {SIGN}3.5; {SIGN}{SIGN}4.5, 4.6"
    )
    assert list(citations(text)) == [
        ("api-notes", f"{SIGN}4.5.1, {SIGN}4.5.4 and {SIGN}4.5.6", ["4.5.1", "4.5.4", "4.5.6"]),
        ("", f"{SIGN}4.3.3–4.3.4", ["4.3.3", "4.3.4"]),
        ("api-notes", f"{SIGN}2.2 success, {SIGN}2.4", ["2.2", "2.4"]),
        ("other", f"{SIGN}3.1", ["3.1"]),
        ("other", f"{SIGN}3.5", ["3.5"]),
        ("", f"{SIGN}{SIGN}4.5, 4.6", ["4.5", "4.6"]),
    ]
    assert {"4.6.3", "9.43", "10.27"} <= note_sections()


def test_every_cited_api_notes_section_has_a_heading() -> None:
    """Every citation of the notes (and every bare one, which the rewrite turns into one) in
    src/, tests/, bench/, docs/ and the README names a section docs/api-notes.md has."""
    sections = note_sections()
    missing = []
    for path in text_files("src", "tests", "bench", "docs", "README.md"):
        text = path.read_text(encoding="utf-8")
        for prefix, cited, numbers in citations(text):
            absent = [n for n in numbers if n not in sections]
            if prefix != "other" and absent:
                where = f"{path.relative_to(REPO)}:{line_of(text, cited)}"
                missing.append(f"{where}: {cited!r} (no heading for {', '.join(absent)})")
    assert missing == []


def test_nothing_in_the_build_names_a_folder_outside_the_repository() -> None:
    needles = ("../" + "shared", "/work/" + "shared")
    offenders = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in text_files("src", "tests", "bench", "Makefile", "pyproject.toml")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(needle in line for needle in needles)
    ]
    assert offenders == []
