"""The files a replay writes (issue 11, 5; issue 13, 14): only regular files are ever replaced; ``-`` is stdout."""

from __future__ import annotations

import codecs
import csv
import fcntl
import io
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


def test_an_empty_out_is_one_line():
    result = CliRunner().invoke(cli, ["replay", str(MALFORMED), "--out", "", "--rules", str(ROOT / "rules")])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "--out needs a file name" in result.stderr


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


FORMULAS = ["=cmd|'/c calc'!A1", '=HYPERLINK("http://example.invalid/x","点击")', "+1+1", "@SUM(1)", "\tx"]


def formula_rows(tmp_path: Path, encoding: str = "utf-8") -> Path:
    source = tmp_path / "in.csv"
    lines = ["received_at,form,category,street,summary,备注"]
    lines += [f'2020-05-01,oral,宠物饲养,xiangnan,"{f.replace(chr(34), chr(34) * 2)}",-5' for f in FORMULAS]
    lines += ["2020-05-01,oral,neighbor,xiangnan,好,=1"]
    source.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return source


def test_csv_outputs_neutralise_formulas_and_carry_a_bom(tmp_path, rules):
    summary = dry_run(formula_rows(tmp_path), rules, rejects=tmp_path / "r.csv", out=tmp_path / "o.csv")
    assert summary.rejected == len(FORMULAS)
    data = (tmp_path / "r.csv").read_bytes()
    assert data.startswith(codecs.BOM_UTF8) and (tmp_path / "o.csv").read_bytes().startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [r[-2] for r in rows[1:]] == ["'" + f for f in FORMULAS]
    assert all(r[-1] == "-5" for r in rows[1:])  # a plain number stays a number


def test_csv_encoding_of_the_outputs(tmp_path, rules):
    dry_run(formula_rows(tmp_path), rules, rejects=tmp_path / "r.csv", out=tmp_path / "o.csv",
            csv_encoding="gb18030")
    assert "宠物饲养" in (tmp_path / "r.csv").read_text(encoding="gb18030")
    assert (tmp_path / "o.csv").read_text(encoding="gb18030").startswith("line,case_no")
    # a GB18030 input's rejects stay GB18030 by default, results get the BOM
    dry_run(formula_rows(tmp_path, "gb18030"), rules, rejects=tmp_path / "r.csv", out=tmp_path / "o.csv",
            encoding="gb18030")
    assert "宠物饲养" in (tmp_path / "r.csv").read_text(encoding="gb18030")
    assert (tmp_path / "o.csv").read_bytes().startswith(codecs.BOM_UTF8)
    with pytest.raises(InputError, match="--csv-encoding"):
        dry_run(formula_rows(tmp_path), rules, rejects=tmp_path / "r.csv", csv_encoding="rot13")


@pytest.mark.parametrize("workers", [1, 2])
def test_csv_outputs_of_workers_have_one_bom(tmp_path, rules, workers):
    summary = dry_run(ROOT / "examples" / "history-2020.csv", rules, rejects=tmp_path / "r.csv", out=tmp_path / "o.csv",
                      workers=workers)
    assert summary.workers == workers
    for name in ("r.csv", "o.csv"):
        assert (tmp_path / name).read_bytes().count(codecs.BOM_UTF8) == 1


def test_temporary_files_of_killed_runs_are_removed_by_the_next(tmp_path, rules):
    stale = [tmp_path / ".r.csv.k1ll3d.tmp", tmp_path / ".r.csv.part0.k1ll3d.tmp", tmp_path / ".o.jsonl.x.tmp"]
    for path in stale:
        path.write_text("half", encoding="utf-8")
    running = tmp_path / ".r.csv.running.tmp"  # another run's, in progress: locked
    running.write_text("busy", encoding="utf-8")
    with open(running, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        dry_run(MALFORMED, rules, rejects=tmp_path / "r.csv", out=tmp_path / "o.jsonl")
        assert running.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".r.csv.running.tmp", "o.jsonl", "r.csv"]
    other = tmp_path / ".other.csv.x.tmp"  # another target's: not this run's to judge
    other.write_text("x", encoding="utf-8")
    dry_run(MALFORMED, rules, rejects=tmp_path / "r.csv")
    assert other.exists() and not running.exists()
