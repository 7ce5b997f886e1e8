"""Reading the ``calendar:`` section (``rules/calendar.yaml``) into a :class:`CalendarSpec`.

The section holds official schedules by year (``years:``) and the district's
own days off or on (``local:``); the file's own comments describe the format.
Reading is strict, with the file and line in every error, through the same
schema reader as every other rule file (:class:`~mediation.rules.schema.Ctx`).
The arithmetic over the result is :mod:`mediation.deadlines.calendar`'s.

What is refused: a make-up workday that is not a Saturday or Sunday, a day
both off and on, a day listed twice, dates outside the year's notice (1
December of the year before to 31 December), a holiday range longer than a
month. What is warned about (``CalendarSpec.warnings``): days off that fall wholly on a
Saturday and Sunday, i.e. a run of consecutive listed days off with no
weekday in it. Weekend days inside a holiday are listed as the notices list
them (10-01 to 10-08, as one range or day by day), which is fine; but a run
of weekend days only adds no day off, and a notice never gives a holiday
that way, so it is most likely a mistyped date. It is a warning, not an
error, because it changes no deadline.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from mediation.errors import RuleError
from mediation.rules.model import CalendarNote, CalendarSpec, YearSchedule
from mediation.rules.schema import Ctx, Section, display_path
from mediation.rules.yamlfile import load_yaml

#: An official holiday never lasts a month; a longer range is a typing mistake
#: (a swapped month, say) that would silently wipe out weeks of deadlines.
MAX_HOLIDAY_SPAN = 31

_SECTION_KEYS = ("years", "local")
_YEAR_KEYS = ("source", "holidays", "workdays")
_LOCAL_KEYS = ("days_off", "workdays")
_RANGE_KEYS = ("date", "from", "to", "name")
_DAY_KEYS = ("date", "name")
_HINTS = {
    "source": "say where the official notice came from (title, number, URL)",
    "holidays": "list the days off (放假) from the official notice",
    "workdays": "list the make-up workdays (调休上班), or write `workdays: []`",
}


def read_calendar(section: Section) -> CalendarSpec:
    """The ``calendar:`` section of a rule set, read; :class:`RuleError` naming file and line."""
    return _Reader(Ctx(section)).calendar(section.data, section.line)


def load_calendar_file(path: str | Path, display: str | None = None) -> CalendarSpec:
    """A calendar file (or the ``calendar.yaml`` of a rules directory) on its own.

    The file is a mapping with the one key ``calendar:``; errors name it as
    ``display`` (default: the path).
    """
    path = Path(path)
    if path.is_dir():
        path = path / "calendar.yaml"
    name = display or display_path(path)
    data = load_yaml(path, name)
    if data is None:
        return CalendarSpec(file=name)
    whole = Section("calendar.yaml", data, name, 1)
    Ctx(whole).mapping(data, 1, ("calendar",), ("calendar",), "the calendar file")
    return read_calendar(Section("calendar", data["calendar"], name, data.line_of("calendar")))


class _Reader:
    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.file = ctx.file
        self.names: dict[date, str] = {}  # the name of the day last read, per entry list
        self.warnings: list[CalendarNote] = []

    def err(self, message: str, line: int, field: str | None = None, hint: str | None = None) -> RuleError:
        return self.ctx.err(message, line or 1, None, field, hint)

    @staticmethod
    def line(container: Any, key: Any, default: int = 0) -> int:
        fn = getattr(container, "line_of", None)
        return (fn(key) if fn else 0) or getattr(container, "line", 0) or default

    def mapping(self, value: Any, what: str, line: int, allowed: tuple[str, ...], *, optional: bool = True) -> Mapping:
        if value is None and optional:
            return {}
        if not isinstance(value, Mapping):
            raise self.err(f"{what} must be a mapping, got {_kind(value)}", line)
        self.ctx.mapping(value, line, allowed, (), what)
        return value

    def listing(self, value: Any, what: str, line: int) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.err(f"{what} must be a list, got {_kind(value)}", line)
        return value

    def calendar(self, section: Any, line: int) -> CalendarSpec:
        section = self.mapping(section, "the `calendar:` section", line, _SECTION_KEYS)
        years = self.years(section.get("years"), self.line(section, "years", line))
        self.names = {}
        off, on = self.local(section.get("local"), self.line(section, "local", line))
        return CalendarSpec(years=years, local_days_off=off, local_workdays=on, file=self.file,
                            local_names=dict(self.names), warnings=tuple(self.warnings))

    def years(self, value: Any, line: int) -> dict[int, YearSchedule]:
        data = self._years_map(value, line)
        out: dict[int, YearSchedule] = {}
        for key, spec in data.items():
            kline = self.line(data, key, line)
            year = int(key) if isinstance(key, str) and key.isdigit() else key
            if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200:
                raise self.err(f"`years:` key {key!r} is not a year", kline,
                               hint="write the year as a number, e.g. `2027:`")
            out[year] = self.year(year, spec, kline)
        return out

    def _years_map(self, value: Any, line: int) -> Mapping:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.err(f"`years:` must be a mapping, got {_kind(value)}", line)
        return value

    def year(self, year: int, spec: Any, line: int) -> YearSchedule:
        what = f"`years: {year}:`"
        spec = self.mapping(spec, what, line, _YEAR_KEYS, optional=False)
        for key in _YEAR_KEYS:
            if key not in spec:
                raise self.err(f"{what} has no `{key}:`", line, key, _HINTS[key])
        source = spec["source"]
        if not isinstance(source, str) or not source.strip():
            raise self.err("`source:` must be a non-empty text", self.line(spec, "source", line), "source",
                           "name the official notice the dates come from")
        # A notice may reach back into December of the previous year (see YearSchedule).
        span = (date(year - 1, 12, 1), date(year, 12, 31), what)
        self.names = {}
        holidays = self.entries(spec["holidays"], f"{what} holidays", self.line(spec, "holidays", line),
                                within=span, ranges=True, need_name=False, weekdays=True)
        workdays = self.entries(spec["workdays"], f"{what} workdays", self.line(spec, "workdays", line),
                                within=span, ranges=False, need_name=False)
        for d, dline in workdays.items():
            if d.weekday() < 5:
                raise self.err(f"make-up workday {d} is a {d.strftime('%A')}, already a working day", dline,
                               "date", "make-up workdays (调休上班) are Saturdays or Sundays")
            if d in holidays:
                raise self.err(f"{d} is both a holiday (line {holidays[d]}) and a workday", dline, "date")
        return YearSchedule(year, source.strip(), frozenset(holidays), frozenset(workdays), dict(self.names))

    def local(self, value: Any, line: int) -> tuple[frozenset[date], frozenset[date]]:
        data = self.mapping(value, "`local:`", line, _LOCAL_KEYS)
        off = self.entries(data.get("days_off"), "`local: days_off:`", self.line(data, "days_off", line),
                           within=None, ranges=True, need_name=True, weekdays=True)
        on = self.entries(data.get("workdays"), "`local: workdays:`", self.line(data, "workdays", line),
                          within=None, ranges=False, need_name=True)
        for d, dline in on.items():
            if d in off:
                raise self.err(f"{d} is both a local day off (line {off[d]}) and a local workday", dline, "date")
        return frozenset(off), frozenset(on)

    def entries(self, value: Any, what: str, line: int, *, within: tuple[date, date, str] | None, ranges: bool,
                need_name: bool, weekdays: bool = False) -> dict[date, int]:
        """The days an entry list names, each with the line that named it (names go to ``self.names``).

        ``weekdays``: warn about a run of consecutive days off that are all Saturdays and Sundays.
        """
        items = self.listing(value, what, line)
        days: dict[date, int] = {}
        form = "`{date: ...}` or `{from: ..., to: ...}`" if ranges else "`{date: ...}`"
        for index, item in enumerate(items):
            iline = self.line(items, index, line)
            if not isinstance(item, Mapping):
                raise self.err(f"an entry of {what} must be a mapping, got {_kind(item)}", iline,
                               hint=f"write {form}, with `name:`")
            iline = getattr(item, "line", 0) or iline
            self.ctx.mapping(item, iline, _RANGE_KEYS if ranges else _DAY_KEYS, (), f"an entry of {what}")
            name = item.get("name")
            if name is not None and (not isinstance(name, str) or not name.strip()):
                raise self.err("`name:` must be a non-empty text", self.line(item, "name", iline), "name")
            if need_name and name is None:
                raise self.err(f"an entry of {what} has no `name:`", iline, "name",
                               "say why the district's day differs from the national calendar")
            if "date" in item:
                if "from" in item or "to" in item:
                    raise self.err(f"an entry of {what} has both `date:` and `from:`/`to:`", iline,
                                   hint=f"write {form}")
                first = last = self.date(item, "date", iline)
            elif ranges and ("from" in item or "to" in item):
                for key in ("from", "to"):
                    if key not in item:
                        raise self.err(f"an entry of {what} has no `{key}:`", iline, key)
                first, last = self.date(item, "from", iline), self.date(item, "to", iline)
                if last < first:
                    raise self.err(f"range ends ({last}) before it starts ({first})", self.line(item, "to", iline),
                                   "to")
                if within is not None and (last - first).days + 1 > MAX_HOLIDAY_SPAN:
                    raise self.err(f"range {first} to {last} is {(last - first).days + 1} days long",
                                   self.line(item, "to", iline), "to",
                                   f"an official holiday is at most {MAX_HOLIDAY_SPAN} days; check the dates")
            else:
                raise self.err(f"an entry of {what} has no date", iline, hint=f"write {form}")
            if within is not None:
                lo, hi, owner = within
                for key, d in (("from" if "from" in item else "date", first), ("to", last)):
                    if not lo <= d <= hi:
                        raise self.err(f"{d} does not belong under {owner}", self.line(item, key, iline), key,
                                       f"a year's notice covers {lo} to {hi}; put other dates under their own year")
            d = first
            while d <= last:
                if d in days:
                    raise self.err(f"{d} is listed twice in {what}", iline, hint=f"first on line {days[d]}")
                days[d] = iline
                if name is not None:
                    self.names[d] = name.strip()
                d += timedelta(days=1)
        if weekdays:
            self.weekend_only(days, what)
        return days

    def weekend_only(self, days: dict[date, int], what: str) -> None:
        """Warn about each run of consecutive days off that holds no weekday (it adds no day off)."""
        run: list[date] = []
        for d in [*sorted(days), None]:
            if d is not None and run and (d - run[-1]).days == 1:
                run.append(d)
                continue
            if run and all(x.weekday() >= 5 for x in run):
                span = str(run[0]) if len(run) == 1 else f"{run[0]} to {run[-1]}"
                self.warnings.append(CalendarNote(
                    self.file, days[run[0]],
                    f"{what}: {span} falls on a weekend only and adds no day off "
                    "(a notice gives holidays on weekdays, with the weekends inside a "
                    "holiday listed too): check the date", what, run[0], run[-1]))
            run = [d] if d is not None else []

    def date(self, item: Mapping, key: str, default: int) -> date:
        value = item[key]
        line = self.line(item, key, default)
        if isinstance(value, datetime):
            raise self.err(f"`{key}:` must be a date without a time, got {value}", line, key)
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.err(f"`{key}:` is not a valid date: {value!r}", line, key, "use YYYY-MM-DD")


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"

