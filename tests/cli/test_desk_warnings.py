"""The desk's warnings and questions are in its words, with their facts (the years, the calendar
file, the counts, the case numbers), after the prefix every command's warnings share; the other
commands (report, rules check) say the same in English. Dates are synthetic."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mediation.cli import cli
from mediation.cli.common import OutputFailed
from mediation.cli.words import desk_line
from mediation.deadlines import calendar_of
from mediation.rules import load_rules
from tests.pty_support import at_terminal

ROOT = Path(__file__).resolve().parents[2]
OLD = ["case", "register", "--form", "口头", "--category", "邻里", "--street", "东街道", "--summary", "旧案（合成示例）",
       "--yes"]


def invoke(env: dict, *args: str, code: int = 0):
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


@pytest.fixture
def env(db) -> dict:
    return {"MEDIATION_DB": db.url, "MEDIATION_ON_BEHALF_OF": "clerk01", "MEDIATION_OPERATOR": None}


def test_provisional_years_are_named_with_the_calendar_file(tmp_path):
    rules_dir = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules_dir)
    calendar_file = calendar_of(load_rules(rules_dir)).file
    result = invoke({}, "calendar", "2028", "--json", "--rules", str(rules_dir))
    assert result.stderr == (
        "mediation: warning: 经过 2027、2028 年计算的期限是暂定的：尚未录入 2027、2028 年节假日安排通知，周一至周五"
        f"按工作日计算。下一步: 在 {calendar_file} 的 `years: 2027:` `years: 2028:` 下录入国务院办公厅通知"
        "（mediation calendar 2027 可查看该年）\n")


def test_deadlines_the_calendar_cannot_compute_are_counted_at_the_desk_in_chinese(env):
    for day in ("2003-05-06T09:00", "2003-05-07T09:00"):
        invoke(env, *OLD, "--at", day)
    listed = invoke(env, "case", "list")
    assert listed.stderr == ("mediation: warning: 2 件案件的期限无法计算：工作日历没有 2003 年。下一步: 在 "
                             "rules/calendar.yaml 的 `years: 2003:` 下录入该年的放假和调休上班日\n")
    escalated = invoke({**env, "MEDIATION_ON_BEHALF_OF": None, "MEDIATION_OPERATOR": "sup01"},
                       "escalate", "--as-of", "2003-12-01")
    assert escalated.stderr == ("mediation: warning: 2 件案件无法判断是否逾期：工作日历没有 2003 年。下一步: 在 "
                                "rules/calendar.yaml 的 `years: 2003:` 下录入该年的放假和调休上班日\n")
    assert ("无法判断  XS-2003-00001  已登记  期限无法计算：工作日历没有 2003 年"
            "（可在 rules/calendar.yaml 的 `years: 2003:` 下录入）") in escalated.stdout
    # the report, for files and scripts, says it in English
    report = invoke(env, "report", "--year", "2003", "--as-of", "2003-12-01")
    [line] = report.stderr.splitlines()
    assert line.startswith("mediation: warning: some cases' dates lie outside the working-day calendar")
    assert "no working-day calendar for 2003" in line


@pytest.mark.parametrize(("answer", "code"), [("n\n", 2), ("y\n", 0)])
def test_a_far_number_is_asked_about_in_chinese_at_a_terminal(tmp_path, answer, code):
    env = {"MEDIATION_DB": f"sqlite:///{tmp_path / 'mediation.db'}", "MEDIATION_OPERATOR": None,
           "MEDIATION_ON_BEHALF_OF": "clerk01"}
    assert CliRunner().invoke(cli, ["init"], env=env).exit_code == 0
    args = [*OLD[:-1], "--at", "2020-06-01T10:00", "--case-no", "XS-2020-00500"]
    status, shown = at_terminal(args, env=env, answers=answer, cwd=tmp_path)
    assert ("XS-2020-00500 比本年度已有的最大案号大 500 号（登记台的自动编号不会因此跳号）：请核对不是笔误。"
            "仍要登记吗？ [y/N]") in shown
    assert status == code, shown
    assert ("mediation: error: 未登记：您没有确认 XS-2020-00500" in shown) == (code == 2)


def test_output_that_failed_after_a_change_is_told_at_the_desk_and_kept_in_english_elsewhere():
    exc = OutputFailed("XS-2020-00001: take WAS recorded, but its output could not be written (Broken pipe): "
                       "do not repeat it; `mediation case show XS-2020-00001` shows it",
                       look="mediation case show XS-2020-00001", errno=errno.EPIPE, reason="Broken pipe",
                       case_no="XS-2020-00001", trigger="take")
    assert desk_line(exc) == ("XS-2020-00001 的承办 (take) 已记录，但输出无法写出（管道已关闭）：请勿重复办理。"
                              "下一步: mediation case show XS-2020-00001")
    assert desk_line(exc, desk=False) == str(exc)
