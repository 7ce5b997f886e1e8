"""Issue 12, point 2: ``mediation calendar YEAR [--json]``: a year's days off and make-up workdays,
each with its source (package, rules/calendar.yaml, provisional), and a checked way to enter a
notice. The dates checked are the State Council's notice for 2020 (国办发明电〔2019〕16号) with the
Spring Festival extension (国办发明电〔2020〕1号), as the chinesecalendar package has them. No date of
an unpublished year is invented: 2027 is shown provisional, as it is today (2026-11-28).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import mediation.deadlines.calendar as calendar_module
from mediation.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, code: int = 0):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def test_2020_from_the_package_with_the_national_day_and_its_make_up_sundays():
    data = json.loads(run("calendar", "2020", "--json").stdout)
    assert (data["year"], data["source"], data["provisional"], data["working_days"]) == (2020, "package", False, 249)
    off = {d["date"]: (d["name"], d["source"]) for d in data["days_off"]}
    assert [day for day in off if day.startswith("2020-10-")] == [f"2020-10-0{i}" for i in range(1, 9)]
    assert off["2020-10-03"] == ("国庆节", "package")  # a Saturday inside the holiday, as the notice lists it
    assert off["2020-02-02"][0] == "春节"  # the extension of 国办发明电〔2020〕1号
    on = {d["date"]: d["weekday"] for d in data["workdays"]}
    assert on["2020-09-27"] == "周日" and on["2020-10-10"] == "周六"
    table = " ".join(run("calendar", "2020").stdout.replace("│", " ").split())
    assert "2020-10-01 至 2020-10-08 周四至周四 8 国庆节" in table
    assert "全年工作日 249 天" in table and "来源 package（chinesecalendar 软件包）" in table
    assert "软件包 │" not in run("calendar", "2020").stdout  # every day's source is the year's: no column


def test_2027_is_provisional_and_says_how_to_enter_it():
    result = run("calendar", "2027", "--json")
    data = json.loads(result.stdout)
    assert (data["source"], data["provisional"], data["days_off"], data["workdays"]) == ("provisional", True, [], [])
    assert data["working_days"] == 261  # Monday to Friday
    [warning] = result.stderr.splitlines()
    assert warning.startswith("mediation: warning: 经过 2027 年计算的期限是暂定的：尚未录入 2027 年节假日安排通知")
    assert "下一步: 在 rules/calendar.yaml 的 `years: 2027:` 下录入国务院办公厅通知" in warning
    assert "mediation calendar 2027" in warning and "provisional" not in warning
    assert "暂定" in run("calendar", "2027").stdout


def test_a_year_before_the_calendar_is_refused_in_one_line():
    result = run("calendar", "2003", code=2)
    assert result.stderr.count("\n") == 1 and "2003 年还没有工作日历" in result.stderr
    assert "年份须像 2027 这样，不能是 20" in run("calendar", "20", code=2).stderr


@pytest.fixture
def rules_2019(tmp_path, monkeypatch):
    """The package as it was in late 2019 (2004–2019), and a rule set of our own to enter 2020 in."""
    monkeypatch.setattr(calendar_module, "PACKAGE_YEARS", frozenset(range(2004, 2020)))
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    return target


def edited(rules_dir: Path, text: str) -> Path:
    """A copy of ``rules_dir`` with ``text`` as its calendar.yaml (a new path: the CLI, like any
    process, reads a rule directory once)."""
    target = rules_dir.parent / f"rules{len(list(rules_dir.parent.iterdir()))}"
    shutil.copytree(rules_dir, target)
    (target / "calendar.yaml").write_text(text, encoding="utf-8")
    return target


def notice_2020(extra_holidays: str = "") -> str:
    off = sorted(d for d in calendar_module.PACKAGE_HOLIDAYS if d.year == 2020)
    on = sorted(d for d in calendar_module.PACKAGE_WORKDAYS if d.year == 2020)
    lines = ["calendar:", "  years:", "    2020:",
             "      source: 国办发明电〔2019〕16号 and 国办发明电〔2020〕1号 (dates as in chinesecalendar)",
             "      holidays:"]
    lines += [f"        - {{name: 节假日, date: {d.isoformat()}}}" for d in off] + [extra_holidays] * bool(extra_holidays)
    lines += ["      workdays:"] + [f"        - {{name: 调休, date: {d.isoformat()}}}" for d in on]
    lines += ["  local:", "    days_off:", "      - {name: 中心搬迁闭馆（合成示例）, date: 2020-11-02}"]
    return "\n".join(lines) + "\n"


def test_entering_a_notice_then_checking_it(rules_2019):
    before = json.loads(run("calendar", "2020", "--json", "--rules", str(rules_2019)).stdout)
    assert before["source"] == "provisional" and before["working_days"] == 262
    result = run("calendar", "2020", "--json", "--rules", str(edited(rules_2019, notice_2020())))
    data = json.loads(result.stdout)
    assert result.stderr == ""
    assert data["source"].endswith("calendar.yaml") and data["notice"].startswith("国办发明电〔2019〕16号")
    assert data["working_days"] == 249 - 1  # the notice, less the district's own day off
    sources = {d["date"]: d["source"] for d in data["days_off"]}
    assert sources["2020-10-01"].endswith("calendar.yaml") and sources["2020-11-02"].endswith("(local)")


def test_a_holiday_entry_on_a_weekend_only_is_warned_about(rules_2019):
    """A notice gives holidays on weekdays (weekends inside a range are fine): an entry that falls wholly
    on a Saturday and Sunday adds no day off, most likely a mistyped date. A warning, not an error: it
    changes no deadline."""
    text = notice_2020().replace("- {name: 节假日, date: 2020-01-01}", "- {name: 元旦, date: 2020-01-04}")
    entered = edited(rules_2019, text)
    result = run("calendar", "2020", "--rules", str(entered))
    [warning] = result.stderr.splitlines()
    assert warning.startswith("mediation: warning: ") and "calendar.yaml:6:" in warning
    assert "`years: 2020:` holidays 中的 2020-01-04 只落在周末，不增加放假日" in warning
    assert warning.endswith("：请核对日期")
    check = CliRunner().invoke(cli, ["rules", "check", str(entered)])
    assert "warning calendar-entry" in check.output and "2020-01-04" in check.output
    assert "falls on a weekend only and adds no day off" in check.output  # rules check keeps its English


def test_the_reader_refuses_what_cannot_be_a_notice(rules_2019):
    bad = notice_2020().replace("{name: 调休, date: 2020-01-19}", "{name: 调休, date: 2020-01-20}")
    result = run("calendar", "2020", "--rules", str(edited(rules_2019, bad)), code=2)
    assert "make-up workday 2020-01-20 is a Monday, already a working day" in result.stderr
    clash = notice_2020().replace("{name: 调休, date: 2020-01-19}", "{name: 调休, date: 2020-10-03}")
    assert "2020-10-03 is both a holiday" in run("calendar", "2020", "--rules", str(edited(rules_2019, clash)),
                                                 code=2).stderr
