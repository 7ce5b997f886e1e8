"""The typed model of a rule set: catalogue entries, conditions, rules, limits, staff.

Everything here is an immutable value; :mod:`mediation.rules.load` builds it
from the YAML files and :mod:`mediation.rules.compile` turns it into code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

# ---------------------------------------------------------------- where


@dataclass(frozen=True, slots=True)
class Source:
    """Where a thing was written: file and 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Validity:
    """An optional effective period: valid_from <= day <= valid_until."""

    valid_from: date | None = None
    valid_until: date | None = None

    def covers(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    @property
    def dated(self) -> bool:
        return self.valid_from is not None or self.valid_until is not None


# ---------------------------------------------------------------- catalogue


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """A catalogue entry: an id, its Chinese name, aliases and effective period."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    validity: Validity = Validity()
    source: Source | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Unit(Entry):
    """A territorial unit (街道/镇); ``outside`` units are beyond the district."""

    code: str | None = None
    judicial_office: str | None = None
    outside: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SplitUnit:
    """A former unit that was split: the community decides the unit now."""

    name: str
    by_community: tuple[tuple[str, str], ...]
    source: Source | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Department(Entry):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Category(Entry):
    """A dispute category and its competent department (谁主管)."""

    department: str
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Destination(Entry):
    """A mediation room or service window."""

    host: str
    mediation_type: str
    responsible: str  # "category" or "host"
    note: str | None = None

    @property
    def kind(self) -> str:
        return self.id.split(".", 1)[0]  # "room" or "window"


# ---------------------------------------------------------------- conditions


@dataclass(frozen=True, slots=True)
class Cmp:
    """``field op value``. ``value`` is a frozenset for in/not_in/contains_any."""

    field: str
    op: str  # ==, !=, in, not_in, <, <=, >, >=, contains_any
    value: Any
    source: Source | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]
    source: Source | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]
    source: Source | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class NotOf:
    item: Condition
    source: Source | None = field(default=None, compare=False)


Condition = Cmp | AllOf | AnyOf | NotOf


# ---------------------------------------------------------------- rules


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """An ordered rule: first match wins; ``when`` None means always (the fallback)."""

    id: str
    label: str | None
    when: Condition | None
    validity: Validity = Validity()
    source: Source | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewRule(Rule):
    outcome: str  # accepted | rejected | referred_out
    reason: str
    to: str | None = None  # a department or unit id
    to_field: str | None = None  # or a case field naming it (street)


@dataclass(frozen=True, slots=True, kw_only=True)
class RoutingRule(Rule):
    to: str  # destination id


# ---------------------------------------------------------------- limits, staff


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeLimit:
    """One stage's time limit (docs/design.md §3), with overrides and extension."""

    stage: str
    label: str
    limit: int
    days: str  # "working" or "calendar"
    by_category: tuple[tuple[str, int], ...] = ()
    by_destination: tuple[tuple[str, int], ...] = ()
    extension_days: int = 0
    extension_times: int = 0
    source: Source | None = None

    def limit_for(self, category: str | None = None, destination: str | None = None) -> int:
        """The limit for a case: the destination's override, else the category's."""
        for key, days in self.by_destination:
            if key == destination:
                return days
        for key, days in self.by_category:
            if key == category:
                return days
        return self.limit


@dataclass(frozen=True, slots=True, kw_only=True)
class Operator:
    """A member of staff who acts on cases."""

    id: str
    name: str
    role: str  # clerk | mediator | supervisor
    destinations: tuple[str, ...] = ()
    source: Source | None = None


ROLES = ("clerk", "mediator", "supervisor")
DAY_KINDS = ("working", "calendar")


# ---------------------------------------------------------------- the working-day calendar


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


@dataclass(frozen=True)
class CalendarSpec:
    """``rules/calendar.yaml`` as read: official schedules by year, and the district's own days.

    :class:`mediation.deadlines.calendar.WorkCalendar` does the arithmetic over it.
    """

    years: dict[int, YearSchedule] = field(default_factory=dict)
    local_days_off: frozenset[date] = frozenset()
    local_workdays: frozenset[date] = frozenset()
    file: str = "rules/calendar.yaml"
