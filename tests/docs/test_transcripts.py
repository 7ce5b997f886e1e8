"""The manual's console transcripts, run command by command against a new database.

Every ``$ mediation ...`` line inside a ```console block between a page's
``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` markers (:data:`TRANSCRIPTS`)
is run (through the CLI in-process, in a temp directory, with the shipped
rules) and its output (stdout and stderr) compared with the lines shown under
it, after normalising whitespace. A shown ``mediation: error: ...`` means the
command must fail. Each page starts from an empty directory, so its first
command is ``mediation init``.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from mediation.cli import cli

ROOT = Path(__file__).resolve().parents[2]
#: page -> the name of its markers.
TRANSCRIPTS = {
    "docs/clerks-day.md": "clerk-day",
    "docs/deadlines.md": "escalation",
}


def transcript(text: str, name: str) -> list[tuple[str, str]]:
    """(command, expected output) pairs from the console blocks between the markers ``name``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start not in text or end not in text:
        return []
    section = text.split(start, 1)[1].split(end, 1)[0]
    steps: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", section, flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
    return [(cmd, "\n".join(out)) for cmd, out in steps]


def normal(text: str) -> str:
    return " ".join(text.split())


def steps_of(page: str) -> list[tuple[str, str]]:
    return transcript((ROOT / page).read_text(encoding="utf-8"), TRANSCRIPTS[page])


def test_the_reader_finds_commands_and_their_output():
    text = ("<!-- x:start -->\n```console\n$ mediation a\none\n  two\n$ mediation b\n```\ntext\n"
            "```console\n$ mediation c\nthree\n```\n<!-- x:end -->\n```console\n$ mediation d\n```\n")
    assert transcript(text, "x") == [("mediation a", "one\n  two"), ("mediation b", ""), ("mediation c", "three")]
    assert transcript(text, "y") == []


@pytest.mark.parametrize("page", sorted(TRANSCRIPTS))
def test_the_page_has_a_transcript(page):
    steps = steps_of(page)
    assert steps, f"{page} has no console transcript between its {TRANSCRIPTS[page]} markers"
    assert all(cmd.startswith("mediation ") for cmd, _ in steps)


@pytest.mark.parametrize("page", sorted(TRANSCRIPTS))
def test_the_transcript_runs_as_shown(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {"MEDIATION_DB": None, "MEDIATION_OPERATOR": None, "MEDIATION_ON_BEHALF_OF": None,
           "MEDIATION_RULES": str(ROOT / "rules")}
    runner = CliRunner()
    for command, expected in steps_of(page):
        result = runner.invoke(cli, shlex.split(command)[1:], env=env)
        fails = expected.lstrip().startswith("mediation: error:")
        assert (result.exit_code != 0) == fails, f"{page}: $ {command}\n{result.output}"
        # `init` names the login of whoever runs it (the pages were made as root)
        output = re.sub(r"(?m)^(staff: .*; login )\S+( is sup01)", r"\1root\2", result.output)
        assert normal(output) == normal(expected), f"{page}: $ {command}\n{result.output}"
