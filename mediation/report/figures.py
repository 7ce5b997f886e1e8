"""The centre's statistics for a period: the figures of its annual report.

:func:`build_report` counts the cases *received* in a period (by
``received_at``, both days inclusive) and returns a :class:`Report`: plain
data, JSON-serialisable with :meth:`Report.as_dict`. The renderers (table,
CSV, JSON) are in :mod:`mediation.report.render`, the chart in
:mod:`mediation.report.chart`.

What is counted:

- every case registered is a dispute handled (调处矛盾纠纷), whatever became of
  it; oral vs written; by category, channel, request, destination, territorial
  unit, and by destination and month (for the chart);
- review outcomes: accepted (受理), rejected (不予受理), referred out (移交), and
  cases not reviewed yet;
- outcomes: settled, unsettled, served, withdrawn, and accepted cases still
  without one; the settlement rate is settled / (settled + unsettled): the
  share of finished mediations that ended in an agreement (None without any);
- working days to close: from the day of registration to the day of the
  close event, on the working-day calendar (working days after the first day
  up to and including the last); mean and median over the closed cases.
  Cases whose dates fall before every year the calendar knows are counted
  apart (``outside_calendar``), never guessed; those counted through a
  provisional year (no holiday notice entered: Monday to Friday) are counted
  and marked (``provisional``, and the years in ``provisional_years``);
- 督办: cases ever escalated (an ``escalate`` event), those that reached
  level 2, and the open cases overdue on ``as_of`` (default today), with the
  ones whose deadline cannot be computed counted apart, and those judged
  through a provisional year marked.

Counting runs in the database (GROUP BY over the indexed ``received_at``
range); only open cases (for lateness) and the distinct pairs of registration
and closing days (for working days) come back to Python.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Date, and_, case, exists, extract, func, select

from mediation import clock
from mediation.deadlines.calendar import calendar_of
from mediation.deadlines.overdue import DEADLINE_STATES, lateness
from mediation.errors import CalendarError, InputError
from mediation.store.schema import cases, events

#: Dimensions counted per case: report key -> (cases column, label kind).
DIMENSIONS: dict[str, tuple[str, str]] = {
    "forms": ("form", "form"),
    "categories": ("category", "category"),
    "channels": ("channel", "channel"),
    "requests": ("request", "request"),
    "destinations": ("destination", "destination"),
    "units": ("street", "unit"),
}
REVIEW_OUTCOMES = ("accepted", "rejected", "referred_out", "pending")
OUTCOMES = ("settled", "unsettled", "served", "withdrawn", "open")


@dataclass(frozen=True, slots=True)
class CloseTimes:
    """Working days from registration to closing, over the cases closed."""

    closed: int = 0  # cases closed (a close event)
    measured: int = 0  # of them, on the known calendar
    outside_calendar: int = 0  # of them, with a date before every year the calendar knows
    provisional: int = 0  # of the measured, counted through a provisional year (暂定)
    mean: float | None = None
    median: float | None = None


@dataclass(frozen=True, slots=True)
class Escalations:
    """督办 figures: ever escalated, and overdue on ``as_of``."""

    ever: int = 0  # cases with at least one escalate event
    ever_level_2: int = 0  # of them, escalated to level 2
    overdue: int = 0  # open cases overdue on as_of
    overdue_level_2: int = 0  # of them, more than level_2_after working days overdue
    not_checkable: int = 0  # open cases whose deadline the calendar cannot compute
    provisional: int = 0  # of the overdue, judged through a provisional year (暂定)


@dataclass(slots=True)
class Report:
    """The figures of the cases received from ``start`` to ``end`` (inclusive)."""

    start: date
    end: date
    as_of: date
    total: int = 0
    forms: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    destinations: dict[str, int] = field(default_factory=dict)
    undiverted: int = 0  # cases with no destination (not accepted, or not diverted yet)
    units: dict[str, int] = field(default_factory=dict)
    review: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    settlement_rate: float | None = None
    close_times: CloseTimes = field(default_factory=CloseTimes)
    escalations: Escalations = field(default_factory=Escalations)
    months: list[str] = field(default_factory=list)  # "YYYY-MM", the months of the period
    by_month: dict[str, list[int]] = field(default_factory=dict)  # destination -> count per month
    calendar_errors: list[str] = field(default_factory=list)  # what the calendar could not answer
    provisional_years: list[int] = field(default_factory=list)  # the provisional years counted through

    @property
    def whole_year(self) -> int | None:
        """The year, if the period is exactly one calendar year."""
        if (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31) \
                and self.start.year == self.end.year:
            return self.start.year
        return None

    def as_dict(self) -> dict:
        out = asdict(self)
        for key in ("start", "end", "as_of"):
            out[key] = out[key].isoformat()
        out["settlement_rate_definition"] = "settled / (settled + unsettled)"
        return out


def period(year: int | None = None, start: date | None = None, end: date | None = None,
           today: date | None = None) -> tuple[date, date]:
    """The period of ``--year Y`` or ``--from D --to D`` (default: the current year)."""
    if year is not None:
        if start or end:
            raise InputError("give either --year or --from/--to, not both")
        if not 1900 <= year <= 9999:
            raise InputError(f"--year must be a year like 2020, not {year}")
        return date(year, 1, 1), date(year, 12, 31)
    if start is None and end is None:
        y = (today or clock.today()).year
        return date(y, 1, 1), date(y, 12, 31)
    if start is None or end is None:
        raise InputError("a period needs both --from and --to")
    if end < start:
        raise InputError(f"--to {end} lies before --from {start}")
    return start, end


def build_report(db, rules, start: date, end: date, *, as_of: date | None = None) -> Report:
    """The figures of the cases received from ``start`` to ``end`` (both inclusive).

    ``as_of`` (default today) is the day on which open cases are judged overdue.
    Three queries: one GROUP BY over the cases (every dimension and the month at
    once), one over their close and escalate events, and the open cases.
    """
    c = cases.c
    report = Report(start=start, end=end, as_of=as_of or clock.today())
    # up to the end day's last microsecond (the day after 9999-12-31 does not exist)
    in_period = and_(c.received_at >= datetime.combine(start, time.min),
                     c.received_at <= datetime.combine(end, time.max))
    with db.read() as conn:
        _count_cases(conn, rules, report, in_period)
        _count_events(conn, rules, report, in_period)
        _count_overdue(conn, rules, report, in_period)
    return report


# --------------------------------------------------------------------- counting


def _ordered(counts: Counter, known: list[str]) -> dict[str, int]:
    """Every known id in catalogue order (zeros included), then any other id found."""
    out = {k: counts.get(k, 0) for k in known}
    for k in sorted(k for k in counts if k not in out):
        out[k] = counts[k]
    return out


def _known_ids(rules, kind: str, counts: Counter) -> list[str]:
    cat = rules.catalogue
    if kind == "unit":  # the district's units always; outside ones when they occur
        return [u for u, unit in cat.units.items() if not getattr(unit, "outside", False) or counts.get(u)]
    return list(cat.index[kind].names)


def _months(start: date, end: date) -> list[tuple[int, int]]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _count_cases(conn, rules, report: Report, in_period) -> None:
    """One GROUP BY over every dimension, the state, the outcome and the month: one pass."""
    c = cases.c
    year, month = extract("year", c.received_at), extract("month", c.received_at)
    columns = [c[col] for col, _ in DIMENSIONS.values()] + [c.state, c.outcome, year, month]
    stmt = select(*columns, func.count()).where(in_period).group_by(*columns)
    per = {key: Counter() for key in DIMENSIONS}
    states: Counter = Counter()
    outcomes: Counter = Counter()
    monthly: Counter = Counter()
    undiverted_withdrawn = 0
    for row in conn.execute(stmt):
        *values, state, outcome, y, m, n = row
        for key, value in zip(DIMENSIONS, values, strict=True):
            per[key][value] += n
        dest = values[4]
        states[state] += n
        outcomes[outcome] += n
        if dest is None:
            undiverted_withdrawn += n if state == "withdrawn" else 0
        else:
            monthly[(int(y), int(m), dest)] += n
    report.total = sum(states.values())
    for key, (_col, kind) in DIMENSIONS.items():
        counts = per[key]
        if key == "destinations":
            report.undiverted = counts.pop(None, 0)
        setattr(report, key, _ordered(counts, _known_ids(rules, kind, counts)))
    # Review: a case still registered is not reviewed yet; one withdrawn before
    # diversion was accepted only if it had been reviewed (its review event).
    reviewed_withdrawn = _withdrawn_after_review(conn, in_period) if undiverted_withdrawn else 0
    rejected, referred = states["rejected"], states["referred_out"]
    pending = states["registered"] + undiverted_withdrawn - reviewed_withdrawn
    report.review = {"accepted": report.total - rejected - referred - pending, "rejected": rejected,
                     "referred_out": referred, "pending": pending}
    report.outcomes = {o: outcomes.get(o, 0) for o in OUTCOMES[:-1]}
    # accepted and not finished: no outcome yet
    report.outcomes["open"] = states["under_review"] + states["diverted"] + states["in_progress"]
    settled, unsettled = report.outcomes["settled"], report.outcomes["unsettled"]
    report.settlement_rate = settled / (settled + unsettled) if settled + unsettled else None
    months = _months(report.start, report.end)
    index = {ym: i for i, ym in enumerate(months)}
    report.months = [f"{y:04d}-{m:02d}" for y, m in months]
    by_month = {d: [0] * len(months) for d, n in report.destinations.items() if n}
    for (y, m, dest), n in monthly.items():
        by_month[dest][index[(y, m)]] += n
    report.by_month = by_month


def _withdrawn_after_review(conn, in_period) -> int:
    c, e = cases.c, events.c
    reviewed = exists().where(and_(e.case_no == c.case_no, e.trigger == "review"))
    stmt = select(func.count()).select_from(cases).where(
        in_period, c.state == "withdrawn", c.destination.is_(None), reviewed)
    return conn.execute(stmt).scalar_one()


def _count_events(conn, rules, report: Report, in_period) -> None:
    """One pass over the period's close and escalate events.

    Close events are grouped by (day of registration, day of closing), so only
    the distinct pairs come back to be counted in working days; escalate
    events fall in one group that counts the distinct cases (and those that
    reached level 2).
    """
    c, e = cases.c, events.c
    closing = e.trigger == "close"
    escalating = e.trigger == "escalate"
    registered = case((closing, func.date(c.registered_at, type_=Date)), else_=None)
    closed = case((closing, func.date(e.at, type_=Date)), else_=None)
    escalated = func.count(func.distinct(case((escalating, c.case_no), else_=None)))
    level_2 = and_(escalating, e.details["level"].as_integer() >= 2)
    escalated_2 = func.count(func.distinct(case((level_2, c.case_no), else_=None)))
    stmt = (select(e.trigger, registered, closed, func.count(), escalated, escalated_2)
            .select_from(cases.join(events, and_(e.case_no == c.case_no,
                                                 e.trigger.in_(("close", "escalate")))))
            .where(in_period).group_by(e.trigger, registered, closed))
    durations: Counter = Counter()
    outside = closed_n = ever = ever_2 = provisional = 0
    years: set[int] = set()
    errors: list[str] = []
    calendar = calendar_of(rules)
    for trigger, first, last, n, esc, esc_2 in conn.execute(stmt):
        if trigger == "escalate":
            ever, ever_2 = esc, esc_2
            continue
        first, last = _as_date(first), _as_date(last)
        closed_n += n
        try:
            durations[calendar.working_days_between(first, last)] += n
        except CalendarError as exc:
            outside += n
            errors.append(str(exc))
            continue
        through = calendar.provisional_years(first, last)
        if through:
            provisional += n
            years.update(through)
    measured = sum(durations.values())
    mean = median = None
    if measured:
        mean = round(sum(d * n for d, n in durations.items()) / measured, 1)
        median = _weighted_median(durations)
    report.close_times = CloseTimes(closed_n, measured, outside, provisional, mean, median)
    report.escalations = Escalations(ever=ever, ever_level_2=ever_2)
    report.calendar_errors.extend(errors[:1])
    report.provisional_years = sorted({*report.provisional_years, *years})


def _as_date(value: Any) -> date:
    # SQLite's date() gives text when the driver does not apply the Date type.
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _weighted_median(counts: Counter) -> float:
    """The median of values given as value -> how many times (the mean of the middle two if even)."""
    total = sum(counts.values())
    middle = sorted({(total - 1) // 2, total // 2})  # 0-based positions in the sorted values
    found: list[int] = []
    seen = 0
    for v in sorted(counts):
        seen += counts[v]
        while len(found) < len(middle) and seen > middle[len(found)]:
            found.append(v)
    return float(statistics.mean(found))


def _count_overdue(conn, rules, report: Report, in_period) -> None:
    """The period's open cases overdue on ``report.as_of`` (deadlines are computed in Python)."""
    c = cases.c
    overdue = overdue_2 = unknown = provisional = 0
    errors: list[str] = []
    years: set[int] = set()
    open_rows = select(c.case_no, c.state, c.category, c.destination, c.stage_at, c.registered_at,
                       c.extension_days).where(in_period, c.state.in_(DEADLINE_STATES))
    for row in conn.execute(open_rows).mappings():
        late = lateness(row, rules, report.as_of)
        if late.level is None:
            unknown += 1
            errors.append(late.error or "")
        elif late.level:
            overdue += 1
            if late.provisional:
                provisional += 1
                years.update(late.provisional_years)
            if late.level == 2:
                overdue_2 += 1
            elif late.error:  # overdue, but whether beyond level 1 is not known
                errors.append(late.error)
    e = report.escalations
    report.escalations = Escalations(e.ever, e.ever_level_2, overdue, overdue_2, unknown, provisional)
    report.calendar_errors.extend(errors[:1])
    report.provisional_years = sorted({*report.provisional_years, *years})
