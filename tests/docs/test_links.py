"""Links between the README and docs/ lead somewhere, and the tests the pages name exist.

A relative link must name an existing file, and an anchor (``page.md#heading``)
a heading of that page, slugged as GitHub slugs it. A test file path
(``tests/....py``) or a test function (``test_...``) named in a page must exist,
so that a promise in docs/guarantees.md cannot point at a test that moved.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
TEST_FILE = re.compile(r"\btests/[\w/]+\.py\b")
TEST_FUNCTION = re.compile(r"`(test_\w+)`")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every anchor of a Markdown page (a repeated heading gets -1, -2 ...)."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)  # no headings inside code
    for heading in re.findall(r"^#{1,6} (.+)$", text, re.M):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def prose(text: str) -> str:
    """The page without its fenced code blocks (where brackets are code, not links)."""
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def test_the_slug_is_githubs():
    assert slug("7. Interfaces other tools rely on") == "7-interfaces-other-tools-rely-on"
    assert slug("Loading a history into the database (`--db`)") == "loading-a-history-into-the-database---db"
    assert slug("Overdue cases and 督办") == "overdue-cases-and-督办"
    assert anchors("# A\n## B\n```\n# not\n```\n## B\n") == {"a", "b", "b-1"}


def test_every_relative_link_and_anchor_resolves():
    problems = []
    for page in PAGES:
        for target in LINK.findall(prose(page.read_text(encoding="utf-8"))):
            if re.match(r"[a-z]+:", target):
                continue  # an outside address
            path, _, anchor = target.partition("#")
            where = (page.parent / path).resolve() if path else page
            name = f"{page.relative_to(ROOT)}: ({target})"
            if not where.exists():
                problems.append(f"{name}: no such file")
            elif anchor and where.suffix == ".md" and anchor not in anchors(where.read_text(encoding="utf-8")):
                problems.append(f"{name}: no such heading in {where.relative_to(ROOT)}")
    assert problems == []


def test_every_test_a_page_names_exists():
    defined = set()
    for path in (ROOT / "tests").rglob("*.py"):
        defined.update(re.findall(r"^\s*(?:async )?def (test_\w+)", path.read_text(encoding="utf-8"), re.M))
    problems = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        problems += [f"{page.relative_to(ROOT)}: {p} does not exist" for p in TEST_FILE.findall(text)
                     if not (ROOT / p).exists()]
        problems += [f"{page.relative_to(ROOT)}: no test is called {n}" for n in TEST_FUNCTION.findall(text)
                     if n not in defined]
    assert problems == []


def test_the_pages_do_link_and_name_tests():
    # a search that finds nothing is a broken search
    text = "".join(p.read_text(encoding="utf-8") for p in PAGES)
    assert len(LINK.findall(text)) > 50 and len(TEST_FILE.findall(text)) > 20
