"""The README's "A clerk's day" transcript, run command by command against a new database.

Every ``$ mediation ...`` line inside a ```console block between the
``<!-- clerk-day:start -->`` and ``<!-- clerk-day:end -->`` markers is run
(through the CLI in-process, in a temp directory, with the shipped rules) and
its output (stdout and stderr) compared with the lines shown under it, after
normalising whitespace. A shown ``mediation: error: ...`` means the command
must fail.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from mediation.cli import cli

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- clerk-day:start -->", "<!-- clerk-day:end -->"


def transcript(text: str) -> list[tuple[str, str]]:
    """(command, expected output) pairs from the console blocks between the markers."""
    if START not in text or END not in text:
        return []
    section = text.split(START, 1)[1].split(END, 1)[0]
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


STEPS = transcript((ROOT / "README.md").read_text(encoding="utf-8"))


def test_the_readme_has_a_clerks_day():
    assert STEPS, f"README.md has no console transcript between {START} and {END}"
    assert all(cmd.startswith("mediation ") for cmd, _ in STEPS)


def test_the_transcript_runs_as_shown(tmp_path, monkeypatch):
    if not STEPS:
        pytest.skip("no transcript in README.md")
    monkeypatch.chdir(tmp_path)
    env = {"MEDIATION_DB": None, "MEDIATION_OPERATOR": None, "MEDIATION_RULES": str(ROOT / "rules")}
    runner = CliRunner()
    for command, expected in STEPS:
        result = runner.invoke(cli, shlex.split(command)[1:], env=env)
        fails = expected.lstrip().startswith("mediation: error:")
        assert (result.exit_code != 0) == fails, f"$ {command}\n{result.output}"
        assert normal(result.output) == normal(expected), f"$ {command}\n{result.output}"
