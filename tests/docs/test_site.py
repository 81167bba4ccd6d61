"""The documentation site builds in strict mode, and its API reference covers the public names.

Why: the docs are a site of many pages that link to each other and to the API reference, which
mkdocstrings generates from docstrings. A renamed page, a dropped heading, a public name that no
reference page documents or a docstring griffe cannot parse is a warning; `mkdocs build --strict`
turns every warning into a failure, so it fails here rather than on a reader's screen.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pyanaplan
from pyanaplan.cli._errors import EXIT_CODES

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "docs" / "reference"
#: `::: pyanaplan.Name` directives: the names a reference page documents.
DIRECTIVE = re.compile(r"^::: pyanaplan\.(\w+)\s*$", re.MULTILINE)
#: A relative Markdown link: [text](target) with no scheme.
LINK = re.compile(r"\]\((?![a-z]+:)([^)\s]+)\)")
#: A row of an exit-code table: | `N` | ….
EXIT_ROW = re.compile(r"^\|\s*`?(\d+)`?\s*\|", re.MULTILINE)

pytestmark = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("mkdocs", "material", "mkdocstrings")),
    reason="mkdocs is not installed (pip install -e '.[docs]' or make .venv/.installed)",
)


def documented_names() -> dict[str, Path]:
    """Each name a reference page renders, with the page."""
    names: dict[str, Path] = {}
    for page in sorted(REFERENCE.glob("*.md")):
        for name in DIRECTIVE.findall(page.read_text(encoding="utf-8")):
            names[name] = page
    return names


def test_every_public_name_has_a_reference_entry() -> None:
    public = {name for name in pyanaplan.__all__ if not name.startswith("_")}
    assert public - documented_names().keys() == set()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once with `mkdocs build --strict` into a temporary directory."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    warnings = [line for line in done.stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    assert done.returncode == 0, "\n".join(warnings) or done.stderr[-3000:]
    return out


def test_the_site_builds_in_strict_mode(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "search" / "search_index.json").is_file()


def test_the_reference_pages_render_every_public_name(site: Path) -> None:
    """mkdocstrings gives each rendered object an anchor with its full path; a directive that
    rendered nothing (or something else) would leave the anchor out."""
    missing = []
    for name, page in documented_names().items():
        if name not in pyanaplan.__all__:  # a module rendered for its docstring, e.g. errors
            continue
        html = (site / "reference" / page.stem / "index.html").read_text(encoding="utf-8")
        if f'id="pyanaplan.{name}"' not in html:
            missing.append(f"{page.name}: pyanaplan.{name}")
    assert missing == []


def test_the_cli_page_documents_every_exit_code() -> None:
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    documented = {int(code) for code in EXIT_ROW.findall(text)}
    assert set(EXIT_CODES) <= documented


def test_the_readme_links_resolve() -> None:
    """The README is not part of the site, so mkdocs does not check its links: every relative
    link must name a file of the repository and, with an anchor, a heading of that page."""
    from markdown.extensions.toc import slugify

    broken = []
    for target in LINK.findall((REPO / "README.md").read_text(encoding="utf-8")):
        path, _, anchor = target.partition("#")
        page = REPO / path
        if not page.exists():
            broken.append(target)
        elif anchor:
            headings = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), re.MULTILINE)
            if anchor not in {slugify(heading, "-") for heading in headings}:
                broken.append(target)
    assert broken == []
