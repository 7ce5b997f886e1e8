"""Every reference to the design (``DESIGN §N``, ``docs/design.md §N``) names a section of docs/design.md.

The code, its help texts, tests, benchmarks and rule files cite the
specification by section number; the numbers §1–§10 never change. A
reference to a section that does not exist, or a mention of the design that
names no section (``../shared/DESIGN.md``, "see DESIGN"), fails here with
the file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DESIGN = ROOT / "docs" / "design.md"
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".cfg"}
SKIP_DIRS = {".git", ".venv", "venv", "build", "dist", "node_modules", ".pytest_cache", ".ruff_cache",
             ".hypothesis", "__pycache__"}

#: ``DESIGN §3``, ``DESIGN.md §3``, ``docs/design.md §3``, ``design.md §6, §7``.
REFERENCE = re.compile(r"(?:\bDESIGN(?:\.md)?|\bdesign\.md)\s*§\s*(\d+)((?:\s*(?:,|and|&)\s*§\s*\d+)*)")
#: The design named without a section: a reference no reader can follow to a place.
UNPLACED = re.compile(r"\bDESIGN\b(?!(?:\.md)?\s*§)")
SECTION = re.compile(r"^## (\d+)\. ", re.M)


def sections(text: str) -> list[int]:
    """The numbers of the design's sections (``## N. Title``), in order."""
    return [int(n) for n in SECTION.findall(text)]


def references(text: str) -> list[tuple[int, int]]:
    """(line, section) of every reference to a section of the design in ``text``."""
    found = []
    for match in REFERENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        found.append((line, int(match.group(1))))
        found += [(line, int(n)) for n in re.findall(r"§\s*(\d+)", match.group(2))]
    return found


def unplaced(text: str) -> list[int]:
    """Lines that name the design without a section."""
    return [text.count("\n", 0, m.start()) + 1 for m in UNPLACED.finditer(text)]


def repository_files() -> list[Path]:
    out = []
    for path in sorted(ROOT.rglob("*")):
        parts = path.relative_to(ROOT).parts
        if any(p in SKIP_DIRS or p.endswith(".egg-info") for p in parts[:-1]):
            continue
        if path.suffix in SUFFIXES and path.is_file():
            out.append(path)
    return out


def test_the_design_has_its_ten_sections_in_order():
    assert sections(DESIGN.read_text(encoding="utf-8")) == list(range(1, 11))


def test_the_extractor_reads_every_form_of_reference():
    text = ("x = 1  # DESIGN §2\n"
            '"""The pipeline (DESIGN §6, §7) and docs/design.md §11."""\n'
            "see ../shared/DESIGN.md §3 and DESIGN §3 review rules 1-5; design.md§4\n")
    assert references(text) == [(1, 2), (2, 6), (2, 7), (2, 11), (3, 3), (3, 3), (3, 4)]
    assert unplaced("as DESIGN says\nDESIGN §4\nshared/DESIGN.md\n") == [1, 3]


def test_every_reference_names_a_section_of_docs_design_md():
    known = set(sections(DESIGN.read_text(encoding="utf-8")))
    found = dangling = 0
    problems = []
    for path in repository_files():
        if path == Path(__file__):
            continue  # its examples are wrong on purpose
        text = path.read_text(encoding="utf-8", errors="replace")
        for line, number in references(text):
            found += 1
            if number not in known:
                dangling += 1
                problems.append(f"{path.relative_to(ROOT)}:{line}: §{number} is not a section of docs/design.md")
        problems += [f"{path.relative_to(ROOT)}:{line}: names the design without a section (write "
                     "`docs/design.md §N`)" for line in unplaced(text)]
    assert problems == []
    # the code does cite the design: a search that finds nothing is a broken search
    assert found > 20 and dangling == 0


def test_the_design_refers_to_its_own_sections_only():
    text = DESIGN.read_text(encoding="utf-8")
    known = set(sections(text))
    cited = {int(n) for n in re.findall(r"§\s*(\d+)", text)}
    assert cited <= known, sorted(cited - known)
