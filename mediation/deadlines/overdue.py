"""How late a case is on a day: the level of 督办 it is due (pure: the day is a parameter).

A case is overdue on any day after the deadline of its current stage
(:mod:`.limits`). The level it is due on a day (docs/design.md §3):

- 0: not overdue (or no limit runs in its state);
- 1: overdue;
- 2: more than ``rules.escalation_level_2_after`` (5) working days overdue,
  counting the working days after the deadline up to and including that day.

A count through a provisional year (no holiday notice entered yet: Monday
to Friday) is judged, and marked ``provisional`` with the years it ran
through; entering the notice makes the same judgement final, or changes it,
with nothing stored to rewrite. A date before every year the calendar knows
makes the case *not checkable* (``level`` None, with the reason). When the
deadline is known and passed but the working days since cannot be counted,
level 1 is certain; level 2 is reported as not judged (``error``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from mediation.deadlines.calendar import calendar_of
from mediation.deadlines.limits import STAGE_OF_STATE, Deadline, deadline_of
from mediation.errors import CalendarError

#: States in which a time limit runs (the only ones a case can be overdue in).
DEADLINE_STATES: tuple[str, ...] = tuple(STAGE_OF_STATE)



@dataclass(frozen=True, slots=True)
class Lateness:
    """How late a case is on ``as_of``.

    ``level`` is the level due that day (0, 1 or 2), or None when the deadline
    cannot be computed. ``error`` says what the calendar could not answer: then
    either ``level`` is None, or it is 1 and level 2 could not be judged.
    ``provisional_years``: the provisional years the deadline or the working
    days overdue were counted through (empty: the judgement is final).
    """

    as_of: date
    deadline: Deadline | None
    level: int | None
    days: int = 0  # calendar days after the deadline
    working_days: int | None = 0  # working days after the deadline, up to and including as_of
    error: str | None = None
    provisional_years: tuple[int, ...] = ()

    @property
    def overdue(self) -> bool:
        return bool(self.level)

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)


def lateness(row: Mapping[str, Any], rules: Any, as_of: date) -> Lateness:
    """How late the stored case ``row`` (a ``cases`` row mapping) is on ``as_of``."""
    try:
        deadline = deadline_of(row, rules)
    except CalendarError as exc:
        return Lateness(as_of, None, None, 0, None, str(exc))
    if deadline is None or as_of <= deadline.due:
        return Lateness(as_of, deadline, 0, provisional_years=deadline.provisional_years if deadline else ())
    days = (as_of - deadline.due).days
    calendar = calendar_of(rules)
    try:
        working = calendar.working_days_between(deadline.due, as_of)
    except CalendarError as exc:
        return Lateness(as_of, deadline, 1, days, None, f"level 2 cannot be judged: {exc}",
                        deadline.provisional_years)
    years = tuple(sorted({*deadline.provisional_years, *calendar.provisional_years(deadline.due, as_of)}))
    level = 2 if working > rules.escalation_level_2_after else 1
    return Lateness(as_of, deadline, level, days, working, provisional_years=years)


def lateness_view(late: Lateness) -> dict:
    """``overdue_days``, ``overdue_working_days`` (None if not overdue) and ``overdue_provisional``
    (the lateness was counted through a provisional year) for a list or queue line."""
    if not late.overdue:
        return {"overdue_days": None, "overdue_working_days": None, "overdue_provisional": False}
    return {"overdue_days": late.days, "overdue_working_days": late.working_days,
            "overdue_provisional": late.provisional}


# --------------------------------------------------------------------- the warning

_YEAR = re.compile(r"no working-day calendar for (\d{4})")


def missing_years(errors: Iterable[str]) -> list[int]:
    """The years named by calendar errors, ascending."""
    return sorted({int(m.group(1)) for e in errors if e for m in _YEAR.finditer(e)})


@dataclass(frozen=True, slots=True)
class CalendarGap:
    """What the calendar could not compute, as facts: how many deadlines (``count``), the
    missing ``years`` (ascending; empty when the errors name none), the calendar ``file`` to
    enter them in, and the ``first`` error as the calendar said it."""

    count: int
    years: tuple[int, ...]
    file: str
    first: str


def calendar_gap(errors: Iterable[str | None], *, calendar_file: str | None = None) -> CalendarGap | None:
    """The facts of :func:`calendar_warning` (None if there were no errors)."""
    errors = [e for e in errors if e]
    if not errors:
        return None
    where = calendar_file or _file_of(errors) or "rules/calendar.yaml"
    return CalendarGap(len(errors), tuple(missing_years(errors)), where, errors[0])


def calendar_warning(errors: Iterable[str | None], *, subject: str | None = None,
                     calendar_file: str | None = None) -> str | None:
    """One warning line for what the calendar could not compute, or None if there was nothing.

    Names how many cases (or ``subject``), the missing year(s) and where to add
    them, e.g. ``deadline unknown for 2 cases: no working-day calendar for 2027:
    add the year's holidays and make-up workdays under `years: 2027:` in
    rules/calendar.yaml`` (the facts: :func:`calendar_gap`).
    """
    gap = calendar_gap(errors, calendar_file=calendar_file)
    if gap is None:
        return None
    n = gap.count
    if subject is None:
        subject = f"deadline unknown for {n} case{'' if n == 1 else 's'}"
    if not gap.years:  # not a missing year: say what the calendar said
        return f"{subject}: {gap.first}"
    names = ", ".join(map(str, gap.years))
    keys = " ".join(f"`years: {y}:`" for y in gap.years)
    return (f"{subject}: no working-day calendar for {names}: add the year's "
            f"holidays and make-up workdays under {keys} in {gap.file}")


def provisional_years_through(calendar: Any, days: Iterable[date]) -> tuple[int, ...]:
    """The provisional years that counts ending on ``days`` ran through, ascending (the facts of
    :func:`provisional_warning`; empty: every count is final)."""
    days = list(days)
    if not days:
        return ()
    return tuple(calendar.provisional_through(max(days)))


def provisional_warning(calendar: Any, days: Iterable[date], *, subject: str = "deadlines") -> str | None:
    """One warning line naming the provisional years that counts ending on ``days`` ran through, or None.

    E.g. ``deadlines counted through 2027 are provisional (暂定): no holiday
    notice for 2027 is entered, so Monday to Friday count as working days;
    enter the State Council's notice under `years: 2027:` in
    rules/calendar.yaml (`mediation calendar 2027` shows the year)``
    (the facts: :func:`provisional_years_through` and ``calendar.file``).
    """
    years = provisional_years_through(calendar, days)
    if not years:
        return None
    names = ", ".join(map(str, years))
    keys = " ".join(f"`years: {y}:`" for y in years)
    return (f"{subject} counted through {names} are provisional (暂定): no holiday notice for {names} "
            f"is entered, so Monday to Friday count as working days; enter the State Council's notice "
            f"under {keys} in {calendar.file} (`mediation calendar {years[0]}` shows the year)")


def _file_of(errors: list[str]) -> str | None:
    m = re.search(r" in (\S+calendar\.yaml)\b", errors[0])
    return m.group(1) if m else None
