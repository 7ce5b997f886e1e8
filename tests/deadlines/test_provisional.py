"""Issue 12, point 2: the provisional year (DESIGN §3, "Time limits").

The State Council publishes a year's holidays around November of the year
before (国务院办公厅关于XXXX年部分节假日安排的通知) and the holiday package
follows weeks later, so the centre always meets the turn of a year nobody has
entered. Such a year counts Monday to Friday, every deadline through it is
marked 暂定 wherever shown (tables, ``--json``, reports, escalation), one
warning per command names the year and how to enter it, and entering the
notice makes them final with nothing stored rewritten.

Replayed at the turn of 2019 into 2020, with real dates: the package is made to
know 2004–2019 only (as a release of late 2019 did), so 2020 is provisional;
entering the 2020 notice (国办发明电〔2019〕16号, with the Spring Festival
extension of 国办发明电〔2020〕1号; the dates as the package has them) makes it
final. No date of a year still unpublished is invented here.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import mediation.deadlines.calendar as calendar_module
from mediation import desk
from mediation.cli import cli
from mediation.rules import load_rules
from tests.support import AGREEMENT

ROOT = Path(__file__).resolve().parents[2]
NOTICE_2020 = ("国务院办公厅关于2020年部分节假日安排的通知 (国办发明电〔2019〕16号) and 国务院办公厅关于延长"
               "2020年春节假期的通知 (国办发明电〔2020〕1号), dates as in the chinesecalendar package")


@pytest.fixture
def turn_of_2019(monkeypatch, tmp_path):
    """The package knows 2004–2019; a rule set of its own (its calendar compiled afresh)."""
    monkeypatch.setattr(calendar_module, "PACKAGE_YEARS", frozenset(range(2004, 2020)))
    rules_dir = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules_dir)
    return rules_dir


def enter_the_2020_notice(rules_dir: Path) -> None:
    """Write 2020's official days off and make-up workdays under `years: 2020:` in calendar.yaml."""
    off = sorted(d for d in calendar_module.PACKAGE_HOLIDAYS if d.year == 2020)
    on = sorted(d for d in calendar_module.PACKAGE_WORKDAYS if d.year == 2020)
    lines = ["calendar:", "  years:", "    2020:", f"      source: {NOTICE_2020}", "      holidays:"]
    lines += [f"        - {{date: {d.isoformat()}}}" for d in off]
    lines += ["      workdays:"] + [f"        - {{date: {d.isoformat()}}}" for d in on]
    (rules_dir / "calendar.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def cli_in(db, rules_dir: Path):
    runner = CliRunner()

    def run(*args: str, operator: str = "sup01"):
        result = runner.invoke(cli, [*args, "--rules", str(rules_dir)],
                               env={"MEDIATION_DB": db.url, "MEDIATION_ON_BEHALF_OF": operator})
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return result

    return run


def warned_once(result, year: int = 2020) -> None:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mediation: warning: ")
    assert lines[0].startswith(f"mediation: warning: 经过 {year} 年计算的期限是暂定的：尚未录入 {year} 年节假日安排通知，"
                               "周一至周五按工作日计算。下一步: 在 ")
    assert f"calendar.yaml 的 `years: {year}:` 下录入国务院办公厅通知" in lines[0]
    assert lines[0].endswith(f"（mediation calendar {year} 可查看该年）")


def test_a_deadline_through_the_provisional_year_is_marked_everywhere(db, turn_of_2019):
    rules = load_rules(turn_of_2019)
    run = cli_in(db, turn_of_2019)
    # Friday 27 December 2019 + 3 working days: 30, 31 December, then Wednesday 1 January 2020,
    # which counts (Monday to Friday) while the 2020 notice is not entered.
    no = desk.register(db, rules, {"form": "口头", "category": "邻里", "street": "东街道", "summary": "年末（合成示例）"},
                       operator="clerk01", at=datetime(2019, 12, 27, 9)).case_no
    shown = run("case", "show", no, "--json")
    view = json.loads(shown.stdout)
    assert (view["deadline"], view["deadline_provisional"]) == ("2020-01-01", True)
    warned_once(shown)
    table = run("case", "show", no)
    assert "2020-01-01（受理审查，暂定）" in table.stdout
    warned_once(table)
    listed = run("case", "list", "--as-of", "2020-01-02")
    assert "2020-01-01 暂定" in listed.stdout and "1天/1工作日 暂定" in listed.stdout
    warned_once(listed)
    overdue = run("case", "list", "--overdue", "--as-of", "2020-01-13", "--json")
    [line] = json.loads(overdue.stdout)["cases"]
    # 2, 3, 6-10, 13 January: 8 working days overdue, counted Monday to Friday
    assert (line["overdue_days"], line["overdue_working_days"], line["overdue_provisional"]) == (12, 8, True)
    warned_once(overdue)
    # a queue: diverted Tuesday 31 December 2019, take-up due 2 January 2020 (1 January counted)
    other = desk.register(db, rules, {"form": "口头", "category": "邻里", "street": "东街道", "summary": "漏水（合成示例）"},
                          operator="clerk01", at=datetime(2019, 12, 31, 9)).case_no
    desk.review(db, rules, other, operator="clerk01", at=datetime(2019, 12, 31, 9, 5))
    desk.divert(db, rules, other, operator="clerk01", at=datetime(2019, 12, 31, 9, 10))
    queued = run("queue", "综合调解窗口", "--as-of", "2020-01-13", "--json")
    [line] = json.loads(queued.stdout)["cases"]
    assert (line["case_no"], line["deadline"], line["deadline_provisional"]) == (other, "2020-01-02", True)
    assert (line["overdue_working_days"], line["overdue_provisional"]) == (7, True)
    warned_once(queued)
    assert "2020-01-02 暂定" in run("queue", "综合调解窗口", "--as-of", "2020-01-13").stdout


def test_escalation_records_that_it_was_judged_provisionally(db, turn_of_2019):
    rules = load_rules(turn_of_2019)
    run = cli_in(db, turn_of_2019)
    no = desk.register(db, rules, {"form": "口头", "category": "邻里", "street": "东街道", "summary": "年末（合成示例）"},
                       operator="clerk01", at=datetime(2019, 12, 27, 9)).case_no
    result = run("escalate", "--as-of", "2020-01-13", "--json")
    data = json.loads(result.stdout)
    assert [(r["case_no"], r["level"], r["provisional"], r["deadline_provisional"]) for r in data["raised"]] == [
        (no, 2, True, True)]
    assert data["provisional_years"] == [2020]
    assert result.stderr.startswith("mediation: warning: 经过 2020 年判断的督办级别是暂定的：尚未录入 2020 年节假日安排通知")
    assert "的 `years: 2020:` 下录入国务院办公厅通知（mediation calendar 2020 可查看该年）" in result.stderr
    assert result.stderr.count("\n") == 1
    [event] = [e for e in desk.show(db, no).events if e["trigger"] == "escalate"]
    assert event["details"]["provisional"] is True and event["details"]["provisional_years"] == [2020]
    assert event["reason"] == "二级督办：受理审查逾期12天（暂定工作日历）"
    table = run("escalate", "--as-of", "2020-01-13")  # nothing new: no table, still the warning
    assert "新督办 0 件" in table.stdout and "2020 年判断的督办级别是暂定的" in table.stderr


def test_the_report_marks_what_it_counted_provisionally(db, turn_of_2019):
    rules = load_rules(turn_of_2019)
    run = cli_in(db, turn_of_2019)
    base = {"form": "口头", "category": "邻里", "street": "东街道", "summary": "年末（合成示例）"}
    open_no = desk.register(db, rules, base, operator="clerk01", at=datetime(2019, 12, 27, 9)).case_no
    closed = desk.register(db, rules, {**base, "category": "医疗"}, operator="clerk01",
                           at=datetime(2019, 12, 20, 9)).case_no
    for step, op, at in ((desk.review, "clerk01", (12, 20, 10)), (desk.divert, "clerk01", (12, 20, 11)),
                         (desk.take, "med_medical", (12, 23, 9))):
        step(db, rules, closed, operator=op, at=datetime(2019, *at))
    desk.settle(db, rules, closed, agreement_form="written", agreement=AGREEMENT, operator="med_medical", at=datetime(2020, 1, 6, 9))
    desk.close(db, rules, closed, operator="clerk01", at=datetime(2020, 1, 10, 9))
    result = run("report", "--year", "2019", "--as-of", "2020-01-13", "--json")
    data = json.loads(result.stdout)
    assert data["provisional_years"] == [2020]
    assert (data["close_times"]["provisional"], data["escalations"]["provisional"]) == (1, 1)
    assert any("按2020年暂定工作日历计算" in s for s in data["summary"])
    assert any("按2020年暂定工作日历判断" in s for s in data["summary"])
    assert "working days counted through 2020 are provisional (暂定)" in result.stderr
    assert result.stderr.count("\n") == 1
    assert open_no


@pytest.mark.parametrize("how", ["calendar file", "package"])
def test_entering_the_notice_makes_them_final_rewriting_nothing(db, turn_of_2019, monkeypatch, how):
    rules = load_rules(turn_of_2019)
    no = desk.register(db, rules, {"form": "口头", "category": "邻里", "street": "东街道", "summary": "年末（合成示例）"},
                       operator="clerk01", at=datetime(2019, 12, 27, 9)).case_no
    desk.escalate(db, rules, operator="sup01", as_of=date(2020, 1, 13), at=datetime(2020, 1, 13, 18))
    stored = desk.show(db, no)
    if how == "calendar file":
        enter_the_2020_notice(turn_of_2019)
    else:  # a release of the package that knows 2020
        monkeypatch.setattr(calendar_module, "PACKAGE_YEARS", frozenset(range(2004, 2027)))
    final = load_rules(turn_of_2019)
    view = desk.case_view(desk.show(db, no), final)
    # 1 January 2020 is New Year's Day: the third working day after 27 December is 2 January.
    assert (view["deadline"], view["deadline_provisional"]) == ("2020-01-02", False)
    after = desk.show(db, no)
    assert (after.row, after.events) == (stored.row, stored.events)  # nothing stored changed
    result = cli_in(db, turn_of_2019)("case", "show", no)
    assert result.stderr == "" and "暂定" not in result.stdout.split("经过")[0]


def test_a_date_before_the_earliest_known_year_stays_an_error(turn_of_2019):
    from mediation.deadlines import current_deadline
    from mediation.errors import CalendarError

    rules = load_rules(turn_of_2019)
    with pytest.raises(CalendarError, match="no working-day calendar for 2003"):
        current_deadline(rules, state="registered", stage_at=date(2003, 12, 30))
