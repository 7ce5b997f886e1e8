"""``mediation calendar YEAR``: a year's days off and make-up workdays, each with its source."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import click

from mediation.cli.common import console, desk_words, echo_json
from mediation.cli.options import load, rules_option
from mediation.cli.tables import Column, print_table
from mediation.deadlines import calendar_of, provisional_years_through
from mediation.deadlines.year import CalendarDay, YearCalendar, year_calendar
from mediation.errors import CalendarError, InputError

SOURCE_TEXT = {"package": "package（chinesecalendar 软件包）", "provisional": "provisional（暂定）"}
#: The same in a table's source column.
SHORT_SOURCE = {"package": "软件包", "provisional": "暂定"}


@click.command("calendar")
@click.argument("year", type=int)
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: year, source, provisional, notice, working_days, days_off, workdays.")
@rules_option
def calendar(year: int, as_json: bool, rules_dir: Path | None) -> None:
    """YEAR's working-day calendar: days off (放假) and make-up workdays (调休上班), each with its source.

    \b
    Sources: package (the chinesecalendar package), rules/calendar.yaml
    (`years:`, or `local:` for the district's own days), or provisional: a
    year nobody has entered yet counts Monday to Friday, and every deadline
    through it is marked 暂定 until its notice is entered.

    \b
    Entering a year's notice (国务院办公厅关于YEAR年部分节假日安排的通知):
      1. under `calendar: years:` in rules/calendar.yaml, copy the template
         in the file's comments; list every holiday as `{name, from, to}`
         (weekends inside the range included, as the notice lists them),
         every make-up workday as `{name, date}` (a Saturday or Sunday), and
         the notice's title, number and date in `source:`;
      2. run `mediation calendar YEAR`: the file is read strictly (an error
         names its line: a make-up workday on a weekday, a day both off and
         on, a day listed twice, a date outside the notice's year), every day
         is listed with its source, and days off that fall wholly on a
         weekend (they add no day off: a mistyped date?) are warned about;
      3. compare the list and the year's number of working days with the
         notice; `mediation rules check` repeats the warnings.
    Nothing stored needs changing: deadlines are computed, never stored.
    """
    if not 1900 <= year <= 2200:
        raise InputError(f"YEAR must be a year like 2027, not {year}", why="year", value=year)
    rules = load(rules_dir)
    cal = calendar_of(rules)
    try:
        result = year_calendar(cal, year)
    except CalendarError as exc:
        raise InputError(str(exc), why="calendar_year", value=year) from None
    if as_json:
        echo_json(result.as_dict())
    else:
        _print(result)
    years = provisional_years_through(cal, [date(year, 12, 31)]) if result.provisional else ()
    _warn(rules.calendar_spec.warnings, years, cal.file)


def _warn(notes, years: tuple[int, ...], calendar_file: str) -> None:
    """A line on stderr for each entry of the calendar file that is probably a mistake, and one
    for the provisional years the year's counts run through (if any)."""
    if not notes and not years:
        return
    words = desk_words()
    for note in notes:
        words.warn(words.calendar_note(note))
    if years:
        words.warn(words.provisional(years, calendar_file))


def _runs(days: list[CalendarDay]) -> list[list[CalendarDay]]:
    """Consecutive days with the same name and source, as a notice writes a holiday."""
    runs: list[list[CalendarDay]] = []
    for d in days:
        last = runs[-1][-1] if runs else None
        if last and d.date - last.date == timedelta(days=1) and (d.name, d.source) == (last.name, last.source):
            runs[-1].append(d)
        else:
            runs.append([d])
    return runs


def _print(result: YearCalendar) -> None:
    """The year's header lines, then its days off and make-up workdays as tables fitted to the width.

    A day's date and name are never cut (a long name wraps). A table has a source column only
    when one of its days comes from elsewhere than the year's source, which the header names
    (a district's ``local:`` day): the column wraps, or is left out, before the weekday."""
    out = console()
    source = _source_text(result.source)
    out.print(f"{result.year}年工作日历  全年工作日 {result.working_days} 天", markup=False)
    out.print(f"来源  {source}", markup=False)
    if result.notice:
        out.print(f"通知  {result.notice}", markup=False)
    if result.provisional:
        out.print("暂定：尚未录入本年度节假日安排通知，周一至周五按工作日计算；经过本年度计算的期限均标注“暂定”。",
                  markup=False)
    for title, days in (("放假", result.days_off), ("调休上班", result.workdays)):
        columns = [Column("日期"), Column("星期", give=1), Column("天数"), Column("名称", give=2, wrap=True, keep=True)]
        rows = []
        for run in _runs(days):
            first, last = run[0], run[-1]
            when = first.date.isoformat() if len(run) == 1 else f"{first.date} 至 {last.date}"
            weekday = first.weekday if len(run) == 1 else f"{first.weekday}至{last.weekday}"
            rows.append([when, weekday, str(len(run)), first.name or "", _row_source(first.source, result)])
        if not rows:
            rows.append(["无", "", "", "", ""])
        if any(d.source != result.source for d in days):
            columns.append(Column("来源", give=3, wrap=True))
        click.echo()
        print_table(columns, [row[:len(columns)] for row in rows], title=title)


def _source_text(source: str) -> str:
    return SOURCE_TEXT.get(source, source)


def _row_source(source: str, result: YearCalendar) -> str:
    """A day's source in a table, short: the header names the year's source in full."""
    if source in SOURCE_TEXT:
        return SHORT_SOURCE[source]
    if source == result.source:
        return f"本年通知 (years: {result.year})"
    if source.endswith(" (local)"):
        return "本区 (local)"
    following = re.search(r"\(years: (\d+)\)$", source)
    if following:
        return f"{following[1]}年通知 (years: {following[1]})"
    return source
