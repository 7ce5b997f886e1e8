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


def files(text: str, name: str) -> dict[str, str]:
    """The files a transcript's commands read: each ``<!-- file: NAME -->`` comment between the
    markers ``name``, followed by a fenced block holding the file's content."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start not in text or end not in text:
        return {}
    section = text.split(start, 1)[1].split(end, 1)[0]
    return dict(re.findall(r"<!-- file: ([\w.-]+) -->\n```[a-z]*\n(.*?)```", section, flags=re.S))


def normal(text: str) -> str:
    return " ".join(text.split())


def steps_of(page: str) -> list[tuple[str, str]]:
    return transcript((ROOT / page).read_text(encoding="utf-8"), TRANSCRIPTS[page])


def write_files_of(page: str, directory: Path) -> None:
    """Write the files the page's transcript reads (``<!-- file: NAME -->`` blocks) into ``directory``."""
    for name, content in files((ROOT / page).read_text(encoding="utf-8"), TRANSCRIPTS[page]).items():
        (directory / name).write_text(content, encoding="utf-8")


def test_the_reader_finds_commands_and_their_output():
    text = ("<!-- x:start -->\n```console\n$ mediation a\none\n  two\n$ mediation b\n```\ntext\n"
            "```console\n$ mediation c\nthree\n```\n<!-- x:end -->\n```console\n$ mediation d\n```\n")
    assert transcript(text, "x") == [("mediation a", "one\n  two"), ("mediation b", ""), ("mediation c", "three")]
    assert transcript(text, "y") == []


def test_the_reader_finds_the_files_commands_read():
    text = ('<!-- x:start -->\n<!-- file: a.json -->\n```json\n{"k": 1}\n```\n'
            "```console\n$ mediation a\n```\n<!-- x:end -->\n<!-- file: b.json -->\n```json\n{}\n```\n")
    assert files(text, "x") == {"a.json": '{"k": 1}\n'}


def test_no_transcript_passes_personal_data_as_arguments():
    # issue 11: names, ID numbers and phones in argv are visible in `ps` and the shell's history
    for page in TRANSCRIPTS:
        for command, _ in steps_of(page):
            assert not re.search(r"--(applicant|respondent)-(name|id|phone)", command), (page, command)


@pytest.mark.parametrize("page", sorted(TRANSCRIPTS))
def test_the_page_has_a_transcript(page):
    steps = steps_of(page)
    assert steps, f"{page} has no console transcript between its {TRANSCRIPTS[page]} markers"
    assert all(cmd.startswith("mediation ") for cmd, _ in steps)


#: The transcripts show the desk as an 80-column terminal shows it.
ENV = {"MEDIATION_DB": None, "MEDIATION_OPERATOR": None, "MEDIATION_ON_BEHALF_OF": None,
       "MEDIATION_RULES": str(ROOT / "rules"), "COLUMNS": "80"}


@pytest.mark.parametrize("page", sorted(TRANSCRIPTS))
def test_the_transcript_runs_as_shown(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_files_of(page, tmp_path)
    runner = CliRunner()
    for command, expected in steps_of(page):
        result = runner.invoke(cli, shlex.split(command)[1:], env=ENV)
        fails = expected.lstrip().startswith("mediation: error:")
        assert (result.exit_code != 0) == fails, f"{page}: $ {command}\n{result.output}"
        # `init` names the login of whoever runs it (the pages were made as root)
        output = re.sub(r"(?m)^(工作人员：.*；登录名 )\S+( 即 sup01)", r"\1root\2", result.output)
        assert normal(output) == normal(expected), f"{page}: $ {command}\n{result.output}"


def regenerate(page: str) -> None:
    """Rewrite the output under every ``$ mediation ...`` line of ``page``'s transcript with what
    the command prints now (run in a new temp directory, as the test runs it)."""
    import os
    import tempfile

    path = ROOT / page
    text = path.read_text(encoding="utf-8")
    start, end = f"<!-- {TRANSCRIPTS[page]}:start -->", f"<!-- {TRANSCRIPTS[page]}:end -->"
    head, rest = text.split(start, 1)
    section, tail = rest.split(end, 1)
    runner = CliRunner()
    here = os.getcwd()

    def block(match: re.Match) -> str:
        lines = []
        for line in match.group(1).splitlines():
            if line.startswith("$ "):
                lines.append(line)
                out = runner.invoke(cli, shlex.split(line[2:])[1:], env=ENV).output
                lines += [x.rstrip() for x in out.rstrip("\n").splitlines()]
        return "```console\n" + "\n".join(lines) + "\n```"

    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        write_files_of(page, Path(tmp))
        try:
            section = re.sub(r"```console\n(.*?)```", block, section, flags=re.S)
        finally:
            os.chdir(here)
    path.write_text(head + start + section + end + tail, encoding="utf-8")


if __name__ == "__main__":
    for name in sorted(TRANSCRIPTS):
        regenerate(name)
        print(f"regenerated {name}")
