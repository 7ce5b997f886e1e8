"""One year of the working-day calendar as a person checks it: its days off and make-up workdays,
each with where it comes from (``mediation calendar YEAR``).

Sources, as :class:`~mediation.deadlines.calendar.WorkCalendar` applies them:

- ``package``: the official schedule as the ``chinesecalendar`` package has it;
- the calendar file (``rules/calendar.yaml``), ``years: YEAR:`` (which replaces
  the package's year), or ``years: YEAR+1:`` for days of December that the next
  year's notice moves;
- the calendar file's ``local:`` days (``rules/calendar.yaml (local)``), which
  win over everything;
- ``provisional``: a year nobody has entered (docs/design.md §3): no official day off
  is known, Monday to Friday are working days.

Counting itself stays in :mod:`.calendar`; this module only lists, so that a
notice typed into the file can be compared with the notice on paper, day by
day and by the year's number of working days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from mediation.deadlines.calendar import (
    PACKAGE_HOLIDAYS,
    PACKAGE_WORKDAYS,
    PACKAGE_YEARS,
    WorkCalendar,
)

__all__ = ["WEEKDAYS", "CalendarDay", "YearCalendar", "year_calendar"]

#: 周一 … 周日, by ``date.weekday()``.
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

#: The package names its holidays in English; the notices' names.
_CHINESE = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
PACKAGE = "package"
PROVISIONAL = "provisional"


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """A day off or a make-up workday, and where it comes from."""

    date: date
    name: str | None
    source: str

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.date.weekday()]

    def as_dict(self) -> dict:
        return {"date": self.date.isoformat(), "weekday": self.weekday, "name": self.name, "source": self.source}


@dataclass(slots=True)
class YearCalendar:
    """A year's days off (weekend days inside a holiday included, as notices list them) and make-up
    workdays, with the year's source and its number of working days."""

    year: int
    source: str  # "package", the calendar file, or "provisional"
    working_days: int
    days_off: list[CalendarDay] = field(default_factory=list)
    workdays: list[CalendarDay] = field(default_factory=list)
    notice: str | None = None  # the file's `source:` for the year

    @property
    def provisional(self) -> bool:
        return self.source == PROVISIONAL

    def as_dict(self) -> dict:
        return {"year": self.year, "source": self.source, "provisional": self.provisional,
                "notice": self.notice, "working_days": self.working_days,
                "days_off": [d.as_dict() for d in self.days_off],
                "workdays": [d.as_dict() for d in self.workdays]}


def year_calendar(calendar: WorkCalendar, year: int) -> YearCalendar:
    """``year``'s calendar as ``calendar`` counts it; :class:`~mediation.errors.CalendarError`
    for a year before every year it knows."""
    source = calendar.source_of(year)
    jan1, dec31 = date(year, 1, 1), date(year, 12, 31)
    working = sum(calendar.is_workday(jan1 + timedelta(days=i)) for i in range((dec31 - jan1).days + 1))
    off: dict[date, CalendarDay] = {}
    on: dict[date, CalendarDay] = {}
    schedule = calendar.years.get(year)
    if schedule is not None:
        for d in schedule.holidays:
            if d.year == year:
                off[d] = CalendarDay(d, schedule.names.get(d), calendar.file)
        for d in schedule.workdays:
            if d.year == year:
                on[d] = CalendarDay(d, schedule.names.get(d), calendar.file)
    elif year in PACKAGE_YEARS:
        for table, out in ((PACKAGE_HOLIDAYS, off), (PACKAGE_WORKDAYS, on)):
            for d, name in table.items():
                if d.year == year:
                    out[d] = CalendarDay(d, _CHINESE.get(name, name), PACKAGE)
    following = calendar.years.get(year + 1)
    if following is not None:  # the next notice's days in this December win over this year's
        where = f"{calendar.file} (years: {year + 1})"
        for d in following.holidays:
            if d.year == year:
                on.pop(d, None)
                off[d] = CalendarDay(d, following.names.get(d), where)
        for d in following.workdays:
            if d.year == year:
                off.pop(d, None)
                on[d] = CalendarDay(d, following.names.get(d), where)
    local = f"{calendar.file} (local)"
    names = calendar.local_names
    for d in calendar.local_days_off:
        if d.year == year:
            on.pop(d, None)
            off[d] = CalendarDay(d, names.get(d), local)
    for d in calendar.local_workdays:
        if d.year == year:
            off.pop(d, None)
            on[d] = CalendarDay(d, names.get(d), local)
    return YearCalendar(year=year, source=source, working_days=working,
                        days_off=[off[d] for d in sorted(off)], workdays=[on[d] for d in sorted(on)],
                        notice=schedule.source if schedule is not None else None)
