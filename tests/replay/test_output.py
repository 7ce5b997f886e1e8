"""The files a replay writes (issue 11, 5; issue 13, 14): only regular files are ever replaced; ``-`` is stdout."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from mediation.cli import cli
from mediation.errors import InputError
from mediation.replay.dry import dry_run
from mediation.replay.output import AtomicFile

ROOT = Path(__file__).resolve().parents[2]
MALFORMED = ROOT / "examples" / "history-malformed.csv"


def specials(tmp_path: Path) -> dict[str, Path]:
    """Targets that are not regular files. (A link to /dev/null stands for /dev/null itself: were the
    guard missing, the link would be replaced, not the machine's /dev/null.)"""
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    null = tmp_path / "null.csv"
    null.symlink_to("/dev/null")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    return {"fifo": fifo, "device": null, "directory": folder}


def kind(path: Path) -> str:
    mode = os.stat(path).st_mode
    return "fifo" if stat.S_ISFIFO(mode) else "device" if stat.S_ISCHR(mode) else "directory"


@pytest.mark.parametrize("option", ["out", "rejects"])
def test_a_target_that_is_not_a_regular_file_is_refused_and_left_alone(tmp_path, rules, option):
    source = tmp_path / "in.csv"
    shutil.copy(MALFORMED, source)
    for name, target in specials(tmp_path).items():
        with pytest.raises(InputError, match="not a regular file|is a directory") as caught:
            dry_run(source, rules, **{option: target})
        assert f"--{option} {target}" in str(caught.value) and "\n" not in str(caught.value)
        assert kind(target) == name and (name != "device" or target.is_symlink())
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_the_cli_refuses_a_device_in_one_line(tmp_path):
    target = specials(tmp_path)["device"]
    result = CliRunner().invoke(cli, ["replay", str(MALFORMED), "--out", str(target), "--rules", str(ROOT / "rules")])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "not a regular file" in result.stderr
    assert target.is_symlink()


def test_a_target_that_became_a_fifo_meanwhile_is_not_replaced(tmp_path):
    target = tmp_path / "out.jsonl"
    f = AtomicFile(target)
    f.file.write("x\n")
    os.mkfifo(target)
    with pytest.raises(InputError, match="not a regular file"):
        f.commit()
    assert stat.S_ISFIFO(os.stat(target).st_mode) and os.listdir(tmp_path) == ["out.jsonl"]


def replay(*args: str):
    return CliRunner().invoke(cli, ["replay", str(MALFORMED), *args, "--rules", str(ROOT / "rules")])


@pytest.mark.parametrize("workers", ["1", "2"])
def test_out_dash_writes_the_results_to_standard_output(tmp_path, monkeypatch, workers):
    monkeypatch.chdir(tmp_path)
    result = replay("--out", "-", "--json", "--workers", workers, "--rejects", str(tmp_path / "r.csv"))
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x["line"] for x in lines] == [2, 5, 10, 16, 18]
    summary = json.loads(result.stderr)  # the summary moves out of the way
    assert summary["files"]["out"] == "-" and summary["routed"] == 5
    assert not (tmp_path / "-").exists()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_rejects_dash_and_the_printed_summary(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = replay("--out", "-")
    assert result.exit_code == 0 and result.stdout.startswith('{"line": 2,')
    assert "rejects (11)" in result.stderr
    result = replay("--rejects", "-", "--out", str(tmp_path / "r.csv"))
    assert result.exit_code == 0 and result.stdout.startswith("line,reason,")
    assert len(result.stdout.splitlines()) == 1 + 11
    assert not (tmp_path / "-").exists()
    both = replay("--rejects", "-", "--out", "-")
    assert both.exit_code == 2 and "the same file" in both.stderr
