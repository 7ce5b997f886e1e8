"""docs/cli-reference.md is what the commands' own ``--help`` says today.

The file is generated (:mod:`mediation.cli.reference`); a change to a
command, an option or a help text makes it stale until it is regenerated.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from click.testing import CliRunner

from mediation.cli import COMMANDS, cli
from mediation.cli.reference import REGENERATE, WIDTH, command_paths, help_text, reference

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "cli-reference.md"


def test_the_walk_finds_every_command_the_lazy_groups_hold():
    paths = list(command_paths())
    # every top-level command, and the verbs of the lazily loaded groups
    assert {p[0] for p in paths} == set(COMMANDS)
    assert ("case", "register") in paths and ("case", "list") in paths
    assert ("rules", "diff") in paths and ("rules", "show") in paths
    assert len(paths) == len(set(paths))


def test_a_help_text_is_what_the_command_prints():
    expected = CliRunner().invoke(cli, ["case", "take", "--help"], prog_name="mediation", terminal_width=WIDTH)
    assert help_text(("case", "take")) == expected.output
    assert help_text(("case", "take")).startswith("Usage: mediation case take [OPTIONS] CASE_NO")


def test_the_reference_does_not_depend_on_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    narrow = help_text(("replay",))
    monkeypatch.setenv("COLUMNS", "200")
    assert help_text(("replay",)) == narrow


def test_the_committed_reference_is_current():
    current = reference()
    committed = REFERENCE.read_text(encoding="utf-8") if REFERENCE.exists() else ""
    if committed != current:
        diff = "".join(difflib.unified_diff(committed.splitlines(True), current.splitlines(True),
                                            "docs/cli-reference.md (committed)", "--help (now)", n=1))
        raise AssertionError(f"docs/cli-reference.md is stale; regenerate it from the repository's root:\n\n"
                             f"    {REGENERATE}\n\n{diff[:4000]}")
