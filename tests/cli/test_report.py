"""``mediation report`` through the CLI, over the example history of 2020."""

from __future__ import annotations

import codecs
import csv
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from mediation.cli import cli

ROOT = Path(__file__).resolve().parents[2]
HEADLINE = "2020年共调处矛盾纠纷1847件，其中口头纠纷1292件，书面纠纷555件。"


@pytest.fixture
def desk(history_db):
    db = history_db
    runner = CliRunner()

    def run(*args: str, code: int = 0):
        result = runner.invoke(cli, list(args), env={"MEDIATION_DB": db.url, "MEDIATION_ON_BEHALF_OF": None})
        assert result.exit_code == code, (result.stdout, result.stderr)
        if code:
            assert result.stderr.startswith("mediation: error: ") and result.stderr.count("\n") == 1
        return result

    return run


def test_the_2020_report_as_a_table(desk):
    out = desk("report", "--year", "2020").stdout
    assert out.splitlines()[0] == HEADLINE
    for heading in ("纠纷形式", "纠纷类型", "来源渠道", "申请事项", "受理审查", "分流去向", "属地（街道）", "办理结果",
                    "调解成功率与办理时长", "督办"):
        assert heading in out
    assert "调解成功率84.1%" in out and "医疗纠纷调解室" in out and "相南街道" in out


def test_csv_and_json(desk):
    data = desk("report", "--year", "2020", "--format", "csv").stdout_bytes
    assert data.startswith(codecs.BOM_UTF8)  # for Excel on Chinese Windows
    rows = list(csv.DictReader(data.decode("utf-8-sig").splitlines()))
    assert {(r["id"], r["value"]) for r in rows if r["section"] == "form"} == {("oral", "1292"), ("written", "555")}
    shares = [r["share"] for r in rows if r["share"]]
    assert shares and all(re.fullmatch(r"\d+\.\d%", s) for s in shares)  # numbers to a spreadsheet, not text
    for encoding in ("utf-8", "gb18030"):
        other = desk("report", "--year", "2020", "--format", "csv", "--csv-encoding", encoding).stdout_bytes
        assert other.decode(encoding) == data.decode("utf-8-sig")
    data = json.loads(desk("report", "--year", "2020", "--json").stdout)
    assert (data["total"], data["forms"], data["headline"]) == (1847, {"oral": 1292, "written": 555}, HEADLINE)
    assert json.loads(desk("report", "--year", "2020", "--format", "json").stdout)["total"] == 1847


def test_a_period(desk):
    data = json.loads(desk("report", "--from", "2020-10-01", "--to", "2020-10-08", "--json").stdout)
    assert data["start"] == "2020-10-01" and data["months"] == ["2020-10"]
    assert data["headline"].startswith("2020年10月1日至2020年10月8日共调处矛盾纠纷")


@pytest.mark.parametrize(("args", "message"), [
    (["--year", "2020", "--from", "2020-01-01", "--to", "2020-02-01"], "either --year or --from/--to"),
    (["--from", "2020-01-01"], "needs both --from and --to"),
    (["--from", "2020-13-01", "--to", "2020-12-31"], "--from must be a date YYYY-MM-DD"),
    (["--year", "2020", "--chart", "chart.jpg"], "name a .png or .svg file"),
])
def test_bad_input_is_one_line_and_exit_2(desk, args, message):
    assert message in desk("report", *args, code=2).stderr


def test_the_chart_is_written_beside_the_table(desk, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "2020.png"
    result = desk("report", "--year", "2020", "--chart", str(out))
    assert result.stdout.splitlines()[0] == HEADLINE and result.stderr == ""
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_matplotlib_is_one_line_naming_the_extra(desk, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    result = desk("report", "--year", "2020", "--chart", str(tmp_path / "c.png"), code=1)
    assert result.stderr == ("mediation: error: --chart needs matplotlib, which is not installed: "
                             "pip install matplotlib\n")
    # issue 13, point 8: never `pip install 'mediation[chart]'`, which outside the checkout
    # installs another package called mediation
    assert "mediation[" not in result.stderr
    assert result.stdout == "" and not (tmp_path / "c.png").exists()


def test_matplotlib_is_imported_only_for_a_chart(history_db, rules, tmp_path):
    db = history_db
    script = textwrap.dedent("""
        import sys
        from mediation.cli import cli
        args = sys.argv[1:]
        try:
            cli.main(args=args, prog_name="mediation", standalone_mode=False)
        finally:
            print("MATPLOTLIB", "matplotlib" in sys.modules, file=sys.stderr)
    """)
    env = dict(os.environ, MEDIATION_DB=db.url, MEDIATION_RULES=str(ROOT / "rules"))

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-c", script, *args], env=env, capture_output=True, text=True,
                              cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return done.stderr

    assert "MATPLOTLIB False" in run("report", "--year", "2020", "--format", "csv")
    assert "MATPLOTLIB False" in run("--help")
    if pytest.importorskip("matplotlib"):
        assert "MATPLOTLIB True" in run("report", "--year", "2020", "--chart", str(tmp_path / "c.png"))


def test_help_lists_report_and_escalate():
    out = CliRunner().invoke(cli, ["--help"]).output
    assert "report" in out and "escalate" in out
    assert "settlement rate" in CliRunner().invoke(cli, ["report", "--help"]).output
