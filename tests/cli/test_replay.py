"""``mediation replay`` through the CLI: summary, --json, files, errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mediation.cli import cli

# a replay's default rejects file goes to the current directory: the test's temp dir
pytestmark = pytest.mark.usefixtures("in_tmp_path")

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT / "examples" / "history-2020.csv"
MALFORMED = ROOT / "examples" / "history-malformed.csv"


def run(*args: str):
    return CliRunner().invoke(cli, ["replay", *args, "--rules", str(ROOT / "rules")])


@pytest.fixture
def copies(tmp_path):
    for p in (HISTORY, MALFORMED):
        shutil.copy(p, tmp_path / p.name)
    return tmp_path


def test_summary_states_the_accounting(copies):
    result = run(str(copies / "history-2020.csv"), "--compare")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "读取 read 1847 = 已审查 routed 1847 + 无法读取 rejected 0" in out
    assert "综合调解室" in out and "room.general" in out and "分流去向" in out and "属地" in out
    assert "对照 compare" in out and "一致 agreed" in out
    assert "rejects: 0" in out
    assert not list(copies.glob("*.rejects.*"))


def test_json_shape(copies):
    result = run(str(copies / "history-2020.csv"), "--json", "--compare")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {"input", "rules", "as_of", "read", "routed", "rejected", "review", "destinations",
                         "referred_to", "rules_hit", "units", "compare", "files", "workers", "seconds"}
    assert data["read"] == data["routed"] + data["rejected"] == 1847
    assert set(data["review"]) == {"accepted", "rejected", "referred_out"}
    assert sum(data["destinations"].values()) == data["review"]["accepted"]
    assert sum(data["referred_to"].values()) == data["review"]["referred_out"]
    assert set(data["rules_hit"]) == {"review", "routing"}
    assert data["input"] == {"file": str(copies / "history-2020.csv"), "format": "csv", "encoding": "utf-8"}
    assert data["rules"]["digest"].startswith("sha256:")
    cmp = data["compare"]
    assert cmp["compared"] == cmp["agreed"] + cmp["disagreed"]
    assert all(set(d) == {"actual", "predicted", "count"} for d in cmp["disagreements"])


def test_rejects_go_to_the_current_directory_by_default(copies, tmp_path, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    result = run(str(copies / "history-malformed.csv"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["read"], data["routed"], data["rejected"]) == (16, 5, 11)
    assert data["files"] == {"out": None, "rejects": "history-malformed.rejects.csv"}
    assert len((here / "history-malformed.rejects.csv").read_text(encoding="utf-8").splitlines()) == 1 + 11
    assert not (copies / "history-malformed.rejects.csv").exists()  # never beside the input


def test_strict_exits_1_when_a_row_was_rejected(copies):
    loose = run(str(copies / "history-malformed.csv"), "--json")
    strict = run(str(copies / "history-malformed.csv"), "--json", "--strict")
    assert loose.exit_code == 0 and strict.exit_code == 1, strict.output
    assert json.loads(strict.output) == {**json.loads(loose.output), "seconds": json.loads(strict.output)["seconds"],
                                         "cases_per_second": json.loads(strict.output)["cases_per_second"]}
    clean = run(str(copies / "history-2020.csv"), "--strict", "--json")
    assert clean.exit_code == 0, clean.output


def test_input_format_and_the_old_spelling(copies):
    jsonl = copies / "cases.txt"
    jsonl.write_text(json.dumps({"received_at": "2020-06-01 09:00", "form": "口头", "category": "邻里",
                                 "street": "东街道", "summary": "漏水（合成示例）"}, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    new = CliRunner().invoke(cli, ["replay", str(jsonl), "--input-format", "jsonl", "--json",
                                   "--rules", str(ROOT / "rules")])
    assert new.exit_code == 0, new.output
    assert json.loads(new.stdout)["input"]["format"] == "jsonl" and "deprecated" not in new.stderr
    old = CliRunner().invoke(cli, ["replay", str(jsonl), "--format", "jsonl", "--json", "--rules", str(ROOT / "rules")])
    assert old.exit_code == 0, old.output
    assert json.loads(old.stdout)["input"]["format"] == "jsonl"
    assert "--format for the input file is deprecated here: use --input-format" in old.stderr
    both = run(str(jsonl), "--format", "jsonl", "--input-format", "csv")
    assert both.exit_code == 2 and "disagree" in both.output


def test_out_jsonl_and_rejects_beside_it(copies, tmp_path):
    out = tmp_path / "results" / "r.jsonl"
    out.parent.mkdir()
    result = run(str(copies / "history-malformed.csv"), "--out", str(out))
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["line"] for x in lines] == [2, 5, 10, 16, 18]
    assert all(set(x) == {"line", "case_no", "review", "decision"} for x in lines)
    assert (out.parent / "r.rejects.csv").exists()
    assert "rejects (11)" in result.output


def test_out_csv_and_named_rejects(copies, tmp_path):
    result = run(str(copies / "history-malformed.csv"), "--out", str(tmp_path / "r.csv"),
                 "--rejects", str(tmp_path / "bad.jsonl"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.csv").read_text(encoding="utf-8").startswith("line,case_no,review_outcome,")
    bad = [json.loads(x) for x in (tmp_path / "bad.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(bad) == 11 and set(bad[0]) == {"line", "reason", "record"}
    assert bad[0]["line"] == 3 and bad[0]["record"][6] == "宠物饲养"


def test_workers_1_and_2_print_the_same(copies, tmp_path):
    one = run(str(copies / "history-2020.csv"), "--json", "--compare", "--workers", "1",
              "--out", str(tmp_path / "1.jsonl"))
    two = run(str(copies / "history-2020.csv"), "--json", "--compare", "--workers", "2",
              "--out", str(tmp_path / "2.jsonl"))
    a, b = json.loads(one.output), json.loads(two.output)
    for d in (a, b):
        for k in ("seconds", "cases_per_second", "workers", "files"):
            d.pop(k)
    assert a == b
    assert (tmp_path / "1.jsonl").read_bytes() == (tmp_path / "2.jsonl").read_bytes()


def test_gb18030_file(copies):
    src = copies / "gb.csv"
    src.write_bytes(HISTORY.read_text(encoding="utf-8").encode("gb18030"))
    data = json.loads(run(str(src), "--json").output)
    assert data["input"]["encoding"] == "gb18030" and data["read"] == data["routed"] == 1847
    forced = run(str(src), "--json", "--encoding", "utf-8")
    assert forced.exit_code == 2  # the header itself does not decode
    assert forced.output.count("\n") == 1


@pytest.mark.parametrize("args, message", [
    (["nope.csv"], "cannot read nope.csv"),
    (["{dir}"], "is a directory"),
    (["{bad}"], "unknown column '纠纷类形'"),
    (["{history}", "--as-of", "2020-13-01"], "--as-of must be a date"),
    (["{nodate}"], "no received_at (登记时间) column"),
    (["{nodate}", "--compare"], "no received_at"),
])
def test_errors_are_one_line_exit_2(copies, args, message):
    (copies / "bad.csv").write_text("登记时间,形式,纠纷类形,街道,summary\n2020-05-06,口头,邻里,相南,x\n", encoding="utf-8")
    (copies / "nodate.csv").write_text("形式,纠纷类型,街道,summary\n口头,邻里,相南,x\n", encoding="utf-8")
    paths = {"dir": str(copies), "bad": str(copies / "bad.csv"), "history": str(copies / "history-2020.csv"),
             "nodate": str(copies / "nodate.csv")}
    result = run(*(a.format(**paths) for a in args))
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.startswith("mediation: error: ") and result.output.count("\n") == 1


def test_outputs_never_overwrite_the_input(copies):
    src = copies / "history-2020.csv"
    before = src.read_bytes()
    for args in (["--out", str(src)], ["--rejects", str(src)], ["--out", str(copies / "x.csv"), "--rejects",
                                                                 str(copies / "x.csv")]):
        result = run(str(src), *args)
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert src.read_bytes() == before


def test_compare_without_the_column(copies):
    src = copies / "c.csv"
    src.write_text("登记时间,形式,纠纷类型,街道,summary\n2020-05-06,口头,邻里,相南,x\n", encoding="utf-8")
    result = run(str(src), "--compare")
    assert result.exit_code == 2 and "needs an actual_destination" in result.output


def test_a_real_process_is_quiet_without_a_terminal(copies):
    proc = subprocess.run(
        [sys.executable, "-c", "from mediation.cli import main; main()", "replay", str(copies / "history-2020.csv"),
         "--rules", str(ROOT / "rules"), "--json"],
        capture_output=True, text=True, cwd=copies,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert json.loads(proc.stdout)["read"] == 1847
