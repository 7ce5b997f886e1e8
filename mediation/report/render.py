"""A :class:`~mediation.report.Report` as the centre writes it: sentences, tables, CSV, JSON.

- :func:`headline`: "2020年共调处矛盾纠纷1847件，其中口头纠纷1292件，书面纠纷555件。"
- :func:`summary`: the sentences that follow (review, outcomes and settlement
  rate, time to close, 督办).
- :func:`sections`: the tables, as (title, rows of (id, label, count)) with
  Chinese labels from the rule set's catalogue; :func:`print_table` prints
  them with rich, :func:`to_csv` writes them flat, :func:`to_json` adds the
  sentences to :meth:`Report.as_dict`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from mediation.report.figures import Report
from mediation.text import spreadsheet_cell

#: Labels of values that are not ids of the catalogue.
PENDING = "未审查"
UNDIVERTED = "未分流"
OPEN = "在办"


@dataclass(frozen=True, slots=True)
class Section:
    """One table: its id, title, and rows of (id, label, count); ``shares`` if counts are of the total."""

    id: str
    title: str
    rows: list[tuple[str, str, Any]]
    shares: bool = True


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def period_text(report: Report) -> str:
    """``2020年``, ``2026年（截至11月27日）`` or ``2020年1月1日至2020年6月30日``."""
    year = report.whole_year
    if year is not None:
        if report.as_of < report.end and report.as_of.year == year:
            return f"{year}年（截至{report.as_of.month}月{report.as_of.day}日）"
        return f"{year}年"
    return f"{_day(report.start)}至{_day(report.end)}"


def headline(report: Report) -> str:
    """The report's first sentence, from its figures."""
    forms = report.forms
    return (f"{period_text(report)}共调处矛盾纠纷{report.total}件，其中口头纠纷{forms.get('oral', 0)}件，"
            f"书面纠纷{forms.get('written', 0)}件。")


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def summary(report: Report) -> list[str]:
    """The sentences after the headline."""
    r, o = report.review, report.outcomes
    out = [f"受理{r['accepted']}件，不予受理{r['rejected']}件，移交{r['referred_out']}件"
           + (f"，尚未审查{r['pending']}件" if r["pending"] else "") + "。"]
    rate = ""
    if report.settlement_rate is not None:
        rate = f"，调解成功率{percent(report.settlement_rate)}（调解成功件数÷（调解成功＋调解不成）件数）"
    out.append(f"调解成功{o['settled']}件，调解不成{o['unsettled']}件，窗口办结{o['served']}件，"
               f"撤回{o['withdrawn']}件，在办{o['open']}件{rate}。")
    ct = report.close_times
    if ct.measured:
        text = (f"已结案{ct.closed}件，自登记至结案平均{ct.mean:g}个工作日，中位数{ct.median:g}个工作日")
        if ct.outside_calendar:
            text += f"（另有{ct.outside_calendar}件日期超出工作日历，未计入）"
        if ct.provisional:
            text += f"（其中{ct.provisional}件按{_years(report)}暂定工作日历计算）"
        out.append(text + "。")
    elif ct.closed:
        out.append(f"已结案{ct.closed}件，日期均超出工作日历，未计算办理时长。")
    e = report.escalations
    text = (f"曾督办{e.ever}件（其中二级督办{e.ever_level_2}件）；截至{_day(report.as_of)}逾期未办结"
            f"{e.overdue}件（其中逾期超过5个工作日{e.overdue_level_2}件）")
    if e.not_checkable:
        text += f"，另有{e.not_checkable}件期限无法计算"
    if e.provisional:
        text += f"，其中{e.provisional}件按{_years(report)}暂定工作日历判断"
    out.append(text + "。")
    return out


def _years(report: Report) -> str:
    """``2027年`` or ``2027、2028年``: the provisional years of the report (暂定: no notice entered)."""
    return "、".join(map(str, report.provisional_years)) + "年"


def sections(report: Report, rules) -> list[Section]:
    """The report's tables with Chinese labels."""
    label = rules.catalogue.label

    def rows(counts: dict[str, int], kind: str) -> list[tuple[str, str, Any]]:
        return [(k, label(kind, k), n) for k, n in counts.items()]

    review = [(k, PENDING if k == "pending" else label("review_outcome", k), n)
              for k, n in report.review.items()]
    outcomes = [(k, OPEN if k == "open" else label("outcome", k), n) for k, n in report.outcomes.items()]
    destinations = rows(report.destinations, "destination") + [("", UNDIVERTED, report.undiverted)]
    ct, e = report.close_times, report.escalations
    return [
        Section("form", "纠纷形式", rows(report.forms, "form")),
        Section("category", "纠纷类型", rows(report.categories, "category")),
        Section("channel", "来源渠道", rows(report.channels, "channel")),
        Section("request", "申请事项", rows(report.requests, "request")),
        Section("review", "受理审查", review),
        Section("destination", "分流去向", destinations),
        Section("unit", "属地（街道）", rows(report.units, "unit")),
        Section("outcome", "办理结果", outcomes),
        Section("rates", "调解成功率与办理时长", [
            ("settlement_rate", "调解成功率（调解成功÷（调解成功＋调解不成））", percent(report.settlement_rate)),
            ("closed", "已结案（件）", ct.closed),
            ("mean_working_days", "登记至结案平均用时（工作日）", "—" if ct.mean is None else f"{ct.mean:g}"),
            ("median_working_days", "登记至结案用时中位数（工作日）",
             "—" if ct.median is None else f"{ct.median:g}"),
            ("outside_calendar", "日期超出工作日历、未计入用时（件）", ct.outside_calendar),
            ("provisional_close_times", "用时按暂定工作日历计算（件）", ct.provisional),
        ], shares=False),
        Section("escalation", "督办", [
            ("ever", "曾督办（件）", e.ever),
            ("ever_level_2", "其中二级督办（件）", e.ever_level_2),
            ("overdue", f"截至{report.as_of.isoformat()}逾期未办结（件）", e.overdue),
            ("overdue_level_2", "其中逾期超过5个工作日（件）", e.overdue_level_2),
            ("not_checkable", "期限无法计算（件）", e.not_checkable),
            ("provisional_overdue", "逾期按暂定工作日历判断（件）", e.provisional),
        ], shares=False),
    ]


def _share(n: Any, total: int) -> str:
    return f"{n / total * 100:.1f}%" if total and isinstance(n, int) else ""


def print_table(report: Report, rules, console) -> None:
    """The report on a rich console: the sentences, then one table per section."""
    from rich.table import Table

    console.print(headline(report))
    for sentence in summary(report):
        console.print(sentence)
    for section in sections(report, rules):
        t = Table(title=section.title, title_justify="left")
        t.add_column("项目", no_wrap=True)
        t.add_column("件数" if section.shares else "数值", justify="right", no_wrap=True)
        if section.shares:
            t.add_column("占比", justify="right", no_wrap=True)
        for _id, text, n in section.rows:
            cells = [text, str(n)] + ([_share(n, report.total)] if section.shares else [])
            t.add_row(*cells)
        if section.shares and section.id != "outcome":
            t.add_row("合计", str(sum(n for _i, _t, n in section.rows)),
                      _share(report.total, report.total), style="bold")
        console.print()
        console.print(t)


CSV_COLUMNS = ("section", "month", "id", "label", "value", "share")


def to_csv(report: Report, rules) -> str:
    """The report as CSV rows: ``section,month,id,label,value,share`` (header first).

    ``total`` first, then every table, then ``by_month`` (one row per month and destination).
    Written for a spreadsheet: counts and rates are numbers, shares ``12.5%`` (which a
    spreadsheet reads as numbers), and no text cell can run as a formula
    (:func:`~mediation.text.spreadsheet_cell`).
    """
    buf = io.StringIO()
    w = _SpreadsheetWriter(csv.writer(buf, lineterminator="\n"))
    w.writerow(CSV_COLUMNS)
    w.writerow(["total", "", "total", "纠纷总数", report.total, ""])
    for section in sections(report, rules):
        for id_, text, n in section.rows:
            value = n
            if id_ == "settlement_rate":
                value = "" if report.settlement_rate is None else round(report.settlement_rate, 4)
            elif id_ in ("mean_working_days", "median_working_days"):
                value = {"mean_working_days": report.close_times.mean,
                         "median_working_days": report.close_times.median}[id_]
                value = "" if value is None else value
            share = _share(n, report.total) if section.shares else ""
            w.writerow([section.id, "", id_, text, value, share])
    label = rules.catalogue.label
    for dest, counts in report.by_month.items():
        for month, n in zip(report.months, counts, strict=True):
            w.writerow(["by_month", month, dest, label("destination", dest), n, ""])
    return buf.getvalue()


class _SpreadsheetWriter:
    def __init__(self, writer) -> None:
        self.writer = writer

    def writerow(self, row) -> None:
        self.writer.writerow([spreadsheet_cell(c) for c in row])


def to_json(report: Report, rules) -> dict:
    """:meth:`Report.as_dict` with the headline and summary sentences."""
    out = report.as_dict()
    out["headline"] = headline(report)
    out["summary"] = summary(report)
    return out
