"""Working days and deadlines in mainland China (DESIGN §3, "Time limits").

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

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

import chinese_calendar

from mediation.errors import CalendarError, RuleError
from mediation.rules.yamlfile import load_yaml

__all__ = ["DEFAULT_FILE", "PACKAGE_YEARS", "WorkCalendar", "YearSchedule", "load_calendar"]

#: How the calendar file is named in messages when no other name is given.
DEFAULT_FILE = "rules/calendar.yaml"

#: An official holiday never lasts a month; a longer range is a typing mistake
#: (a swapped month, say) that would silently wipe out weeks of deadlines.
MAX_HOLIDAY_SPAN = 31

_PACKAGE_FIRST = min(chinese_calendar.holidays).year
_PACKAGE_LAST = max(chinese_calendar.holidays).year
PACKAGE_YEARS = frozenset(range(_PACKAGE_FIRST, _PACKAGE_LAST + 1))


@dataclass(frozen=True)
class YearSchedule:
    """One year's official schedule as given in the calendar file.

    ``holidays`` and ``workdays`` may include days of December of the previous
    year: a notice sometimes starts the New Year holiday, or a make-up workday,
    before 1 January (the 2019 notice made 29 December 2018 a workday). Such days
    are applied on top of the previous year without making it known.
    """

    year: int
    source: str
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()


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
    _cache: dict[int, _Year] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A private copy: compiled years are cached, so the inputs must not change.
        object.__setattr__(self, "years", dict(self.years))
        object.__setattr__(self, "local_days_off", frozenset(self.local_days_off))
        object.__setattr__(self, "local_workdays", frozenset(self.local_workdays))

    # -- construction ---------------------------------------------------------

    @classmethod
    def from_config(cls, section: Any, file: str = DEFAULT_FILE) -> WorkCalendar:
        """Build from the parsed ``calendar:`` section of the calendar file.

        ``section`` is what :func:`mediation.rules.yamlfile.load_yaml` gives for
        the key (``None`` for an empty section). Raises :class:`RuleError`
        naming ``file`` and the line for anything malformed.
        """
        return _ConfigReader(file).calendar(section)

    # -- queries --------------------------------------------------------------

    @property
    def known_years(self) -> frozenset[int]:
        """The years the calendar can answer for (package years and file years)."""
        return PACKAGE_YEARS | frozenset(self.years)

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day; :class:`CalendarError` if its year is unknown."""
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

        ``n == 0`` gives ``start``. Raises :class:`CalendarError` when the count
        runs into (or starts in) a year the calendar does not know, and
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
        if year not in PACKAGE_YEARS and year not in self.years:
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
        else:
            off, on = _PACKAGE_OFF.get(year, frozenset()), _PACKAGE_ON.get(year, frozenset())
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


# -- the calendar file --------------------------------------------------------


def load_calendar(path: str | Path, display: str | None = None) -> WorkCalendar:
    """Load the working-day calendar from a rules directory or the yaml file itself.

    Errors, and the how-to-add message for an unknown year, name the file as
    ``display`` (default: the path).
    """
    path = Path(path)
    if path.is_dir():
        path = path / "calendar.yaml"
    name = display or str(path)
    try:
        data = load_yaml(path, name)
    except ValueError as exc:
        if isinstance(exc, RuleError):
            raise
        # The YAML loader turns an unquoted impossible date (2027-02-30) into a
        # bare ValueError; say where it is rather than print a traceback.
        raise RuleError(
            f"invalid date: {exc}", file=name, line=_bad_date_line(path), hint="use YYYY-MM-DD"
        ) from None
    if data is None:
        return WorkCalendar(file=name)
    if not isinstance(data, Mapping):
        raise RuleError(
            "a calendar file must be a mapping with the key `calendar:`",
            file=name,
            line=getattr(data, "line", None) or 1,
        )
    reader = _ConfigReader(name)
    reader.check_keys(data, {"calendar"}, "the calendar file")
    if "calendar" not in data:
        raise RuleError("missing key `calendar:`", file=name, line=1)
    return WorkCalendar.from_config(data["calendar"], name)


_DATE_TOKEN = re.compile(r"(?<![\w.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w.:-])")


def _bad_date_line(path: Path) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for number, text in enumerate(lines, 1):
        for m in _DATE_TOKEN.finditer(text.split("#", 1)[0]):
            try:
                date(*map(int, m.groups()))
            except ValueError:
                return number
    return None


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SECTION_KEYS = {"years", "local"}
_YEAR_KEYS = {"source", "holidays", "workdays"}
_LOCAL_KEYS = {"days_off", "workdays"}
_ENTRY_KEYS = {"date", "from", "to", "name"}


class _ConfigReader:
    """Strict validation of the ``calendar:`` section, with file and line in every error."""

    def __init__(self, file: str) -> None:
        self.file = file

    def error(
        self, message: str, line: int | None, field: str | None = None, hint: str | None = None
    ) -> RuleError:
        return RuleError(message, file=self.file, line=line or None, field=field, hint=hint)

    @staticmethod
    def line(container: Any, key: Any) -> int:
        fn = getattr(container, "line_of", None)
        return fn(key) if fn else getattr(container, "line", 0)

    def mapping(self, value: Any, what: str, line: int, *, optional: bool = True) -> Mapping:
        if value is None and optional:
            return {}
        if not isinstance(value, Mapping):
            raise self.error(f"{what} must be a mapping, got {_kind(value)}", line)
        return value

    def listing(self, value: Any, what: str, line: int) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(f"{what} must be a list, got {_kind(value)}", line)
        return value

    def check_keys(self, data: Mapping, allowed: set[str], what: str) -> None:
        for key in data:
            if key not in allowed:
                near = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                hint = (
                    f"did you mean `{near[0]}`?"
                    if near
                    else f"allowed: {', '.join(sorted(allowed))}"
                )
                raise self.error(f"unknown key `{key}` in {what}", self.line(data, key), hint=hint)

    def calendar(self, section: Any) -> WorkCalendar:
        line0 = getattr(section, "line", 0) or 1
        section = self.mapping(section, "the `calendar:` section", line0)
        self.check_keys(section, _SECTION_KEYS, "`calendar:`")
        years = self.years(section.get("years"), self.line(section, "years"))
        off, on = self.local(section.get("local"), self.line(section, "local"))
        return WorkCalendar(years=years, local_days_off=off, local_workdays=on, file=self.file)

    def years(self, value: Any, line: int) -> dict[int, YearSchedule]:
        data = self.mapping(value, "`years:`", line)
        out: dict[int, YearSchedule] = {}
        for key, spec in data.items():
            kline = self.line(data, key)
            year = key
            if isinstance(year, str) and year.isdigit():
                year = int(year)
            if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200:
                raise self.error(
                    f"`years:` key {key!r} is not a year",
                    kline,
                    hint="write the year as a number, e.g. `2027:`",
                )
            out[year] = self.year(year, spec, kline)
        return out

    def year(self, year: int, spec: Any, line: int) -> YearSchedule:
        what = f"`years: {year}:`"
        spec = self.mapping(spec, what, line, optional=False)
        self.check_keys(spec, _YEAR_KEYS, what)
        for key in ("source", "holidays", "workdays"):
            if key not in spec:
                hint = {
                    "source": "say where the official notice came from (title, number, URL)",
                    "holidays": "list the days off (放假) from the official notice",
                    "workdays": "list the make-up workdays (调休上班), or write `workdays: []`",
                }[key]
                raise self.error(f"{what} has no `{key}:`", line, field=key, hint=hint)
        source = spec["source"]
        if not isinstance(source, str) or not source.strip():
            raise self.error(
                "`source:` must be a non-empty text",
                self.line(spec, "source"),
                field="source",
                hint="name the official notice the dates come from",
            )
        # A notice may reach back into December of the previous year (see YearSchedule).
        span = (date(year - 1, 12, 1), date(year, 12, 31), what)
        holidays = self.entries(
            spec["holidays"],
            f"{what} holidays",
            self.line(spec, "holidays"),
            within=span,
            ranges=True,
            need_name=False,
        )
        workdays = self.entries(
            spec["workdays"],
            f"{what} workdays",
            self.line(spec, "workdays"),
            within=span,
            ranges=False,
            need_name=False,
        )
        for d, dline in workdays.items():
            if d.weekday() < 5:
                raise self.error(
                    f"make-up workday {d} is a {d.strftime('%A')}, already a working day",
                    dline,
                    field="date",
                    hint="make-up workdays (调休上班) are Saturdays or Sundays",
                )
            if d in holidays:
                raise self.error(
                    f"{d} is both a holiday (line {holidays[d]}) and a workday", dline, field="date"
                )
        return YearSchedule(year, source.strip(), frozenset(holidays), frozenset(workdays))

    def local(self, value: Any, line: int) -> tuple[frozenset[date], frozenset[date]]:
        data = self.mapping(value, "`local:`", line)
        self.check_keys(data, _LOCAL_KEYS, "`local:`")
        off = self.entries(
            data.get("days_off"),
            "`local: days_off:`",
            self.line(data, "days_off"),
            within=None,
            ranges=True,
            need_name=True,
        )
        on = self.entries(
            data.get("workdays"),
            "`local: workdays:`",
            self.line(data, "workdays"),
            within=None,
            ranges=False,
            need_name=True,
        )
        for d, dline in on.items():
            if d in off:
                raise self.error(
                    f"{d} is both a local day off (line {off[d]}) and a local workday",
                    dline,
                    field="date",
                )
        return frozenset(off), frozenset(on)

    def entries(
        self,
        value: Any,
        what: str,
        line: int,
        *,
        within: tuple[date, date, str] | None,
        ranges: bool,
        need_name: bool,
    ) -> dict[date, int]:
        """The days an entry list names, each with the line that named it."""
        items = self.listing(value, what, line)
        days: dict[date, int] = {}
        form = "`{date: ...}` or `{from: ..., to: ...}`" if ranges else "`{date: ...}`"
        for index, item in enumerate(items):
            iline = self.line(items, index)
            if not isinstance(item, Mapping):
                raise self.error(
                    f"an entry of {what} must be a mapping, got {_kind(item)}",
                    iline,
                    hint=f"write {form}, with `name:`",
                )
            allowed = _ENTRY_KEYS if ranges else {"date", "name"}
            self.check_keys(item, allowed, f"an entry of {what}")
            iline = getattr(item, "line", 0) or iline
            name = item.get("name")
            if name is not None and (not isinstance(name, str) or not name.strip()):
                raise self.error(
                    "`name:` must be a non-empty text", self.line(item, "name"), "name"
                )
            if need_name and name is None:
                raise self.error(
                    f"an entry of {what} has no `name:`",
                    iline,
                    "name",
                    hint="say why the district's day differs from the national calendar",
                )
            if "date" in item:
                if "from" in item or "to" in item:
                    raise self.error(
                        f"an entry of {what} has both `date:` and `from:`/`to:`",
                        iline,
                        hint=f"write {form}",
                    )
                first = last = self.date(item, "date")
            elif ranges and ("from" in item or "to" in item):
                for key in ("from", "to"):
                    if key not in item:
                        raise self.error(f"an entry of {what} has no `{key}:`", iline, key)
                first, last = self.date(item, "from"), self.date(item, "to")
                if last < first:
                    raise self.error(
                        f"range ends ({last}) before it starts ({first})",
                        self.line(item, "to"),
                        "to",
                    )
                if within is not None and (last - first).days + 1 > MAX_HOLIDAY_SPAN:
                    raise self.error(
                        f"range {first} to {last} is {(last - first).days + 1} days long",
                        self.line(item, "to"),
                        "to",
                        hint=f"an official holiday is at most {MAX_HOLIDAY_SPAN} days; check the dates",
                    )
            else:
                raise self.error(f"an entry of {what} has no date", iline, hint=f"write {form}")
            if within is not None:
                lo, hi, owner = within
                for key, d in (("from" if "from" in item else "date", first), ("to", last)):
                    if not lo <= d <= hi:
                        raise self.error(
                            f"{d} does not belong under {owner}",
                            self.line(item, key),
                            key,
                            hint=f"a year's notice covers {lo} to {hi}; put other dates under their own year",
                        )
            d = first
            while d <= last:
                if d in days:
                    raise self.error(
                        f"{d} is listed twice in {what}", iline, hint=f"first on line {days[d]}"
                    )
                days[d] = iline
                d += timedelta(days=1)
        return days

    def date(self, item: Mapping, key: str) -> date:
        value = item[key]
        line = self.line(item, key)
        if isinstance(value, datetime):
            raise self.error(f"`{key}:` must be a date without a time, got {value}", line, key)
        if isinstance(value, date):
            return value
        if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.error(
            f"`{key}:` is not a valid date: {value!r}", line, key, hint="use YYYY-MM-DD"
        )


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"
