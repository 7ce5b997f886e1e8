"""The README stays what a newcomer needs first: the set-up CI runs, a map of the code, under 200 lines."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MAX_LINES = 200


def readme() -> str:
    return README.read_text(encoding="utf-8")


def code_blocks(text: str) -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```", text, re.S | re.M)


def test_the_readme_opens_with_the_two_set_up_commands_and_ci_runs_the_second_verbatim():
    first = code_blocks(readme())[0].splitlines()
    assert len(first) == 2, "the README's first code block is the two set-up commands, one per line"
    install, test = first
    assert install.startswith("python3 -m venv .venv && ") and ".venv/bin/mediation init" in install
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci[-1] == test, ".ci/run must end with the README's test command, verbatim"


def test_the_readme_is_short():
    lines = readme().count("\n")
    assert lines <= MAX_LINES, f"README.md has {lines} lines: move the detail into docs/ (at most {MAX_LINES})"


def test_the_map_of_the_code_names_every_subpackage():
    text = readme()
    subpackages = sorted(p.parent.name for p in (ROOT / "mediation").glob("*/__init__.py"))
    assert len(subpackages) >= 8
    missing = [name for name in subpackages if f"`mediation/{name}/`" not in text]
    assert missing == [], f"README.md's map of the code lacks a line for {missing}"
