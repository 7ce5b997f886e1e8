"""Working days and deadlines in mainland China (docs/design.md §3, "Time limits").

A :class:`WorkCalendar` knows, for every year it covers, which days are working
days: Monday to Friday, less the official holidays, plus the make-up workdays
(调休上班) that fall on weekends. The national data for 2004–2026 comes from the
``chinese_calendar`` package; ``rules/calendar.yaml`` adds further years (or
replaces a year the package has wrong) and the district's own extra days off or
on. A date in a year that neither source knows raises :class:`CalendarError`
saying how to add it: a weekends-only guess would put deadlines on holidays.

Deadline arithmetic runs for every case of a replay, so each year is compiled
once, on first use, into a cumulative count of working days; counting and
adding working days then cost a few list look-ups, whatever the distance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import chinese_calendar

from mediation.errors import CalendarError
from mediation.rules.load_calendar import load_calendar_file
from mediation.rules.model import CalendarSpec, YearSchedule

__all__ = ["DEFAULT_FILE", "PACKAGE_HOLIDAYS", "PACKAGE_WORKDAYS", "PACKAGE_YEARS", "WorkCalendar",
           "calendar_of", "load_calendar"]

#: How the calendar file is named in messages when no other name is given.
DEFAULT_FILE = "rules/calendar.yaml"

_PACKAGE_FIRST = min(chinese_calendar.holidays).year
_PACKAGE_LAST = max(chinese_calendar.holidays).year
PACKAGE_YEARS = frozenset(range(_PACKAGE_FIRST, _PACKAGE_LAST + 1))


@dataclass(frozen=True, slots=True)
class _Year:
    """A compiled year: ``cum[i]`` working days among its first ``i`` days."""

    year: int
    first: int  # ordinal of 1 January
    cum: list[int]
    work: list[int]  # day indices (0 = 1 January) of the working days, ascending
    total: int


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days, and deadline arithmetic over them.

    Built from the package alone with ``WorkCalendar()``, or from the calendar
    file with :meth:`from_config` / :func:`load_calendar`. Precedence for a date:
    the district's local days, then a schedule from the file for its year (or
    spilling over from the next year's), then the package. All methods accept a
    :class:`datetime` too and use its date.
    """

    years: Mapping[int, YearSchedule] = field(default_factory=dict)
    local_days_off: frozenset[date] = frozenset()
    local_workdays: frozenset[date] = frozenset()
    file: str = DEFAULT_FILE
    local_names: Mapping[date, str] = field(default_factory=dict, compare=False, repr=False)
    _cache: dict[int, _Year] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A private copy: compiled years are cached, so the inputs must not change.
        object.__setattr__(self, "years", dict(self.years))
        object.__setattr__(self, "local_days_off", frozenset(self.local_days_off))
        object.__setattr__(self, "local_workdays", frozenset(self.local_workdays))

    # -- construction ---------------------------------------------------------

    @classmethod
    def of(cls, spec: CalendarSpec) -> WorkCalendar:
        """The calendar of ``rules/calendar.yaml`` as read (:class:`~mediation.rules.model.CalendarSpec`)."""
        return cls(years=spec.years, local_days_off=spec.local_days_off, local_workdays=spec.local_workdays,
                   file=spec.file, local_names=spec.local_names)

    # -- queries --------------------------------------------------------------

    @property
    def known_years(self) -> frozenset[int]:
        """The years whose official schedule the calendar holds (package years and file years)."""
        return PACKAGE_YEARS | frozenset(self.years)

    def source_of(self, year: int) -> str:
        """Where ``year``'s schedule comes from: ``"package"``, the calendar file, or ``"provisional"``.

        Raises :class:`CalendarError` for a year before every known year.
        """
        if year in self.years:
            return self.file
        if year in PACKAGE_YEARS:
            return "package"
        if self.is_provisional(year):
            return "provisional"
        raise CalendarError(self._unknown(year, date(year, 1, 1), ""))

    def is_provisional(self, year: int) -> bool:
        """Whether ``year`` is provisional: unknown to both sources and later than the earliest known year."""
        if year in PACKAGE_YEARS or year in self.years:
            return False
        known = self.known_years
        return bool(known) and year > min(known)

    def provisional_years(self, start: date, end: date) -> tuple[int, ...]:
        """The provisional years among the years of ``start`` to ``end`` (both included), ascending.

        A count from ``start`` to ``end`` (a deadline, working days overdue) is
        provisional exactly when this is not empty.
        """
        lo, hi = start.year, end.year
        if lo == hi:  # the common case, on every deadline shown: no tuple built for a known year
            return (lo,) if self.is_provisional(lo) else ()
        if lo > hi:
            lo, hi = hi, lo
        return tuple(y for y in range(lo, hi + 1) if self.is_provisional(y))

    def provisional_through(self, day: date) -> tuple[int, ...]:
        """The provisional years up to ``day``'s year: those a count ending on ``day`` may have run through."""
        known = self.known_years
        if not known:
            return ()
        return self.provisional_years(date(min(known), 1, 1), day)

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day (Monday to Friday in a provisional year).

        :class:`CalendarError` for a date before every known year.
        """
        if isinstance(d, datetime):
            d = d.date()
        y = self._year(d.year, d)
        i = d.toordinal() - y.first
        return y.cum[i + 1] != y.cum[i]

    def add_calendar_days(self, start: date, n: int) -> date:
        """``start`` + ``n`` days (a limit of N calendar days ends on this day)."""
        if isinstance(start, datetime):
            start = start.date()
        return start + timedelta(days=n)

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself not counted).

        ``n == 0`` gives ``start``. A count through a provisional year takes its
        Monday to Friday (see :meth:`provisional_years`). Raises
        :class:`CalendarError` when ``start`` lies before every known year, and
        :class:`ValueError` for a negative ``n``.
        """
        if isinstance(start, datetime):
            start = start.date()
        if n < 0:
            raise ValueError(f"add_working_days needs n >= 0, got {n}")
        if n == 0:
            return start
        y = self._year(start.year, start)
        rank = y.cum[start.toordinal() - y.first + 1] + n  # 1-based rank within y
        while rank > y.total:
            rank -= y.total
            nxt = y.year + 1
            y = self._year(nxt, date(nxt, 1, 1), f"counting {n} working days after {start}")
        return date.fromordinal(y.first + y.work[rank - 1])

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days ``d`` have ``start < d <= end`` (0 if ``end <= start``).

        The number of working days a case is overdue on ``end`` when its deadline
        was ``start``; the working days a case took from ``start`` to ``end``.
        """
        if isinstance(start, datetime):
            start = start.date()
        if isinstance(end, datetime):
            end = end.date()
        if end <= start:
            return 0
        ys = self._year(start.year, start)
        ye = self._year(end.year, end)
        count = ye.cum[end.toordinal() - ye.first + 1] - ys.cum[start.toordinal() - ys.first + 1]
        for year in range(start.year, end.year):
            count += self._year(year, date(year, 12, 31)).total
        return count

    # -- compiled years -------------------------------------------------------

    def _year(self, year: int, d: date, context: str = "") -> _Year:
        try:
            return self._cache[year]
        except KeyError:
            pass
        if year not in PACKAGE_YEARS and year not in self.years and not self.is_provisional(year):
            raise CalendarError(self._unknown(year, d, context))
        compiled = self._cache[year] = self._compile(year)
        return compiled

    def _unknown(self, year: int, d: date, context: str) -> str:
        where = f"date {d}" + (f", reached {context}" if context else "")
        known = sorted(self.known_years)
        return (
            f"no working-day calendar for {year} ({where}; known: {_ranges(known)}): "
            f"add the year's holidays and make-up workdays under `years: {year}:` in {self.file}"
        )

    def _compile(self, year: int) -> _Year:
        jan1 = date(year, 1, 1)
        ndays = (date(year + 1, 1, 1) - jan1).days
        days = [jan1 + timedelta(days=i) for i in range(ndays)]
        schedule = self.years.get(year)
        if schedule is not None:
            off, on = schedule.holidays, schedule.workdays
        elif year in PACKAGE_YEARS:
            off, on = _PACKAGE_OFF.get(year, frozenset()), _PACKAGE_ON.get(year, frozenset())
        else:  # provisional: Monday to Friday (never the package's data for a year it is not trusted for)
            off = on = frozenset()
        flags = [(d in on) or (d.weekday() < 5 and d not in off) for d in days]
        # The next year's notice may move days at the end of this one.
        spill = self.years.get(year + 1)
        if spill is not None:
            for i, d in enumerate(days):
                if d in spill.holidays:
                    flags[i] = False
                elif d in spill.workdays:
                    flags[i] = True
        for i, d in enumerate(days):
            if d in self.local_days_off:
                flags[i] = False
            elif d in self.local_workdays:
                flags[i] = True
        cum = [0, *accumulate(flags)]
        work = [i for i, f in enumerate(flags) if f]
        return _Year(year, jan1.toordinal(), cum, work, len(work))


def _by_year(days: Iterable[date]) -> dict[int, frozenset[date]]:
    grouped: dict[int, set[date]] = {}
    for d in days:
        grouped.setdefault(d.year, set()).add(d)
    return {y: frozenset(s) for y, s in grouped.items()}


_PACKAGE_OFF = _by_year(chinese_calendar.holidays)
_PACKAGE_ON = _by_year(chinese_calendar.workdays)
#: The package's days off and make-up workdays, each with its (English) holiday name.
PACKAGE_HOLIDAYS: Mapping[date, str] = chinese_calendar.holidays
PACKAGE_WORKDAYS: Mapping[date, str] = chinese_calendar.workdays


def _ranges(years: list[int]) -> str:
    """``[2004, 2005, 2006, 2030]`` → ``"2004–2006, 2030"``."""
    if not years:
        return "none"
    parts: list[str] = []
    lo = prev = years[0]
    for y in [*years[1:], None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        parts.append(str(lo) if lo == prev else f"{lo}–{prev}")
        if y is not None:
            lo = prev = y
    return ", ".join(parts)


_CALENDARS: WeakKeyDictionary[Any, WorkCalendar] = WeakKeyDictionary()


def calendar_of(rules: Any) -> WorkCalendar:
    """The working-day calendar of a rule set (its ``calendar_spec``), built once per rule set."""
    try:
        return _CALENDARS[rules]
    except KeyError:
        pass
    cal = _CALENDARS[rules] = WorkCalendar.of(rules.calendar_spec)
    return cal


def load_calendar(path: str | Path, display: str | None = None) -> WorkCalendar:
    """The calendar of a calendar file (or a rules directory's ``calendar.yaml``) on its own."""
    return WorkCalendar.of(load_calendar_file(path, display))
