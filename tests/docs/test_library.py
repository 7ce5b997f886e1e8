"""docs/library.md names every name of the public API, and shows the example the package's docstring holds."""

from __future__ import annotations

import re
from pathlib import Path

import mediation

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "library.md"


def test_the_page_names_the_whole_public_api():
    text = PAGE.read_text(encoding="utf-8")
    named = set(re.findall(r"`(\w+)`", text))
    missing = sorted(set(mediation.__all__) - named - {"__version__"})
    assert missing == [], f"docs/library.md does not name {missing}"


def test_the_page_shows_the_docstring_example():
    text = PAGE.read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    # the docstring's literal block: the indented lines after "::", blank lines included
    block = re.search(r"::\n\n((?:    .*\n|\n)+)", mediation.__doc__).group(1)
    docstring = "\n".join(line[4:] for line in block.splitlines())
    assert example.strip() == docstring.strip()
