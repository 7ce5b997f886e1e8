"""The centre's statistics (mediation.report.figures, mediation.report.render) over a database.

The database is loaded with the example history of 2020 (``examples/history-2020.csv``,
1847 disputes, 1292 oral, 555 written) by :func:`tests.support.load_history`, which stores
each row as a whole case with the events its history columns imply (the ``history_db`` fixture).
"""

from __future__ import annotations

import csv
import json
import statistics
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from mediation.deadlines import calendar_of
from mediation.errors import InputError
from mediation.report.figures import build_report, period
from mediation.report.render import headline, sections, summary, to_csv, to_json
from tests.support import history_rows

ROOT = Path(__file__).resolve().parents[2]
# ----------------------------------------------------------------------- the 2020 report


def test_the_2020_report_has_1847_disputes_1292_oral_555_written(history_db, rules):
    report = build_report(history_db, rules, date(2020, 1, 1), date(2020, 12, 31), as_of=date(2026, 11, 27))
    assert (report.total, report.forms) == (1847, {"oral": 1292, "written": 555})
    assert headline(report) == "2020年共调处矛盾纠纷1847件，其中口头纠纷1292件，书面纠纷555件。"


def test_the_2020_figures_agree_with_the_file(history_db, rules):
    rows = history_rows()
    report = build_report(history_db, rules, date(2020, 1, 1), date(2020, 12, 31), as_of=date(2026, 11, 27))
    cat = rules.catalogue
    categories = Counter(cat.resolve("category", r["纠纷类型"]) for r in rows)
    assert {k: v for k, v in report.categories.items() if v} == dict(categories)
    assert list(report.categories) == list(cat.categories)  # catalogue order, zeros included
    assert sum(report.units.values()) == sum(report.channels.values()) == sum(report.requests.values()) == 1847
    dests = Counter(r["actual_destination"] for r in rows if r["actual_destination"].startswith(("room", "window")))
    assert {k: v for k, v in report.destinations.items() if v} == dict(dests)
    assert report.undiverted == 1847 - sum(dests.values()) == 108
    assert report.review == {"accepted": 1739, "rejected": 45, "referred_out": 63, "pending": 0}
    assert report.outcomes == {"settled": 1014, "unsettled": 191, "served": 374, "withdrawn": 160, "open": 0}
    assert report.settlement_rate == pytest.approx(1014 / (1014 + 191))
    # per destination and month: every diverted case once, in the month it was received
    assert report.months == [f"2020-{m:02d}" for m in range(1, 13)]
    assert {d: sum(v) for d, v in report.by_month.items()} == dict(dests)
    march = Counter(r["actual_destination"] for r in rows
                    if r["登记时间"].startswith("2020-03") and r["actual_destination"] in dests)
    assert {d: v[2] for d, v in report.by_month.items() if v[2]} == dict(march)


def test_working_days_to_close_on_the_official_calendar(history_db, rules):
    cal = calendar_of(rules)
    closed = [cal.working_days_between(datetime.fromisoformat(r["登记时间"]).date(),
                                       datetime.fromisoformat(r["closed_at"]).date())
              for r in history_rows() if r["outcome"] in ("settled", "unsettled", "served")]
    report = build_report(history_db, rules, date(2020, 1, 1), date(2020, 12, 31))
    ct = report.close_times
    assert (ct.closed, ct.measured, ct.outside_calendar) == (len(closed), len(closed), 0) == (1579, 1579, 0)
    assert ct.mean == round(statistics.mean(closed), 1)
    assert ct.median == statistics.median(closed)


def test_a_period_counts_by_received_at_both_days_inclusive(history_db, rules):
    rows = history_rows()
    report = build_report(history_db, rules, date(2020, 3, 1), date(2020, 3, 31))
    assert report.total == sum(r["登记时间"].startswith("2020-03") for r in rows)
    assert report.months == ["2020-03"]
    assert headline(report).startswith(f"2020年3月1日至2020年3月31日共调处矛盾纠纷{report.total}件")
    empty = build_report(history_db, rules, date(2019, 1, 1), date(2019, 12, 31))
    assert (empty.total, empty.settlement_rate, empty.close_times.mean, empty.by_month) == (0, None, None, {})
    assert "调解成功率" not in " ".join(summary(empty))


# ----------------------------------------------------------------------- rendering


def test_summary_sentences_and_sections_in_chinese(history_db, rules):
    report = build_report(history_db, rules, date(2020, 1, 1), date(2020, 12, 31), as_of=date(2026, 11, 27))
    text = " ".join(summary(report))
    assert "受理1739件，不予受理45件，移交63件。" in text
    assert "调解成功1014件，调解不成191件" in text and "调解成功率84.1%" in text
    assert "调解成功件数÷（调解成功＋调解不成）件数" in text  # says how the rate is defined
    titles = [s.title for s in sections(report, rules)]
    assert titles[:4] == ["纠纷形式", "纠纷类型", "来源渠道", "申请事项"]
    form = sections(report, rules)[0]
    assert form.rows == [("oral", "口头", 1292), ("written", "书面", 555)]
    destination = next(s for s in sections(report, rules) if s.id == "destination")
    assert ("room.medical", "医疗纠纷调解室", report.destinations["room.medical"]) in destination.rows
    assert destination.rows[-1] == ("", "未分流", 108)


def test_csv_and_json(history_db, rules):
    report = build_report(history_db, rules, date(2020, 1, 1), date(2020, 12, 31), as_of=date(2026, 11, 27))
    rows = list(csv.DictReader(to_csv(report, rules).splitlines()))
    assert rows[0] == {"section": "total", "month": "", "id": "total", "label": "纠纷总数", "value": "1847",
                       "share": ""}
    oral = next(r for r in rows if (r["section"], r["id"]) == ("form", "oral"))
    assert (oral["label"], oral["value"], oral["share"]) == ("口头", "1292", "70.0%")
    rate = next(r for r in rows if r["id"] == "settlement_rate")
    assert float(rate["value"]) == pytest.approx(0.8415, abs=1e-4)
    monthly = [r for r in rows if r["section"] == "by_month"]
    assert sum(int(r["value"]) for r in monthly) == 1847 - 108
    data = json.loads(json.dumps(to_json(report, rules), ensure_ascii=False))
    assert (data["total"], data["forms"], data["start"], data["end"]) == (
        1847, {"oral": 1292, "written": 555}, "2020-01-01", "2020-12-31")
    assert data["headline"] == headline(report)
    assert data["settlement_rate_definition"] == "settled / (settled + unsettled)"


# ----------------------------------------------------------------------- periods and edges


def test_period_from_year_or_dates():
    assert period(2020) == (date(2020, 1, 1), date(2020, 12, 31))
    assert period(None, date(2020, 3, 1), date(2020, 3, 31)) == (date(2020, 3, 1), date(2020, 3, 31))
    assert period(today=date(2026, 11, 27)) == (date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(InputError, match="either --year or --from/--to"):
        period(2020, date(2020, 1, 1), date(2020, 2, 1))
    with pytest.raises(InputError, match="both --from and --to"):
        period(None, date(2020, 1, 1), None)
    with pytest.raises(InputError, match="lies before"):
        period(None, date(2020, 2, 1), date(2020, 1, 1))


def test_the_current_year_says_up_to_when(db, rules):
    report = build_report(db, rules, date(2026, 1, 1), date(2026, 12, 31), as_of=date(2026, 11, 27))
    assert headline(report) == "2026年（截至11月27日）共调处矛盾纠纷0件，其中口头纠纷0件，书面纠纷0件。"


def test_dates_outside_the_calendar_are_counted_apart_not_guessed(db, rules):
    from mediation import desk

    # A paper record of 2003: the calendar knows 2004 onwards.
    no = desk.register(db, rules, {"form": "口头", "category": "邻里", "street": "东街道",
                                      "summary": "旧案（合成示例）"}, operator="clerk01",
                          at=datetime(2003, 5, 6, 9)).case_no
    desk.review(db, rules, no, operator="clerk01", at=datetime(2003, 5, 6, 10))
    desk.divert(db, rules, no, operator="clerk01", at=datetime(2003, 5, 6, 11))
    report = build_report(db, rules, date(2003, 1, 1), date(2003, 12, 31), as_of=date(2003, 6, 30))
    assert report.escalations.not_checkable == 1 and report.escalations.overdue == 0
    desk.take(db, rules, no, operator="sup01", at=datetime(2003, 5, 7, 9))
    desk.serve(db, rules, no, operator="sup01", at=datetime(2003, 5, 8, 9))
    desk.close(db, rules, no, operator="sup01", at=datetime(2003, 5, 9, 9))
    report = build_report(db, rules, date(2003, 1, 1), date(2003, 12, 31))
    ct = report.close_times
    assert (ct.closed, ct.measured, ct.outside_calendar, ct.mean, ct.median) == (1, 0, 1, None, None)
    assert any("2003" in e for e in report.calendar_errors)
    assert "日期均超出工作日历" in " ".join(summary(report))
