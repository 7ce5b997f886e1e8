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
    #: Division codes this unit's territory had before (e.g. 三堤口 340603004 and the merged
    #: 刘桥 340603007, until 2017); a record giving one of them resolves to this unit.
    former_codes: tuple[str, ...] = ()
    judicial_office: str | None = None
    outside: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SplitUnit:
    """A former unit that was split: the community decides the unit now."""

    name: str
    by_community: tuple[tuple[str, str], ...]
    code: str | None = None  # its division code while it existed
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
    """A mediation room or service window.

    ``shared_aliases``: short names it shares on purpose with another
    destination (``综合调解``: the room 综合调解室 and the window 综合调解窗口);
    given alone they are ambiguous, never resolved to either.
    """

    host: str
    mediation_type: str
    responsible: str  # "category" or "host"
    note: str | None = None
    shared_aliases: tuple[str, ...] = ()

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


#: Where a time limit is counted from: the day its stage began, or the day the case was registered
#: (received: 劳动争议调解仲裁法 art. 14 counts the labour limit "自…收到调解申请之日起").
COUNTED_FROM = ("stage", "registration")


@dataclass(frozen=True, slots=True, kw_only=True)
class LimitTerms:
    """What a time limit says for one kind of case (docs/design.md §3).

    ``limit`` days (``days``: working or calendar) counted from ``counted_from``;
    ``extension_days`` > 0 if an ``extend`` may lengthen it (``extension_times``
    times); ``basis``: the legal source, quoted in messages; ``then``: the route
    (``arbitration``, ...) the parties may take once it has passed without an
    agreement.
    """

    limit: int
    days: str  # "working" or "calendar"
    counted_from: str = "stage"
    extension_days: int = 0
    extension_times: int = 0
    basis: str | None = None
    then: str | None = None

    @property
    def extendable(self) -> bool:
        return self.extension_days > 0 and self.extension_times > 0


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeLimit:
    """One stage's time limit (docs/design.md §3), with overrides by category or destination."""

    stage: str
    label: str
    limit: int
    days: str  # "working" or "calendar"
    by_category: tuple[tuple[str, LimitTerms], ...] = ()
    by_destination: tuple[tuple[str, LimitTerms], ...] = ()
    extension_days: int = 0
    extension_times: int = 0
    counted_from: str = "stage"
    basis: str | None = None
    then: str | None = None
    source: Source | None = None
    #: The stage's own terms, built once (deadlines are computed for every case shown).
    terms: LimitTerms = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "terms", LimitTerms(
            limit=self.limit, days=self.days, counted_from=self.counted_from,
            extension_days=self.extension_days, extension_times=self.extension_times,
            basis=self.basis, then=self.then))

    def terms_for(self, category: str | None = None, destination: str | None = None) -> LimitTerms:
        """The terms for a case: the destination's override, else the category's, else the stage's."""
        for key, terms in self.by_destination:
            if key == destination:
                return terms
        for key, terms in self.by_category:
            if key == category:
                return terms
        return self.terms

    def limit_for(self, category: str | None = None, destination: str | None = None) -> int:
        """The limit in days for a case (see :meth:`terms_for`)."""
        return self.terms_for(category, destination).limit


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
    #: The ``name:`` given to each day, if any (for listing the year; no effect on counting).
    names: dict[date, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class CalendarNote:
    """A calendar entry that reads fine but is probably a mistake: a run of days off from
    ``first`` to ``last`` in ``section`` (```local: days_off:```, ```years: 2027:` holidays``)
    that falls wholly on a weekend and adds no day off. ``file`` and ``line`` say where;
    ``message`` says it in English (the desk builds its own words from the facts)."""

    file: str
    line: int
    message: str
    section: str
    first: date
    last: date


@dataclass(frozen=True)
class CalendarSpec:
    """``rules/calendar.yaml`` as read: official schedules by year, and the district's own days.

    :class:`mediation.deadlines.calendar.WorkCalendar` does the arithmetic over it.
    ``warnings``: entries that read fine but are probably mistakes (a listed
    holiday that falls wholly on a weekend adds no day off), each a :class:`CalendarNote`.
    """

    years: dict[int, YearSchedule] = field(default_factory=dict)
    local_days_off: frozenset[date] = frozenset()
    local_workdays: frozenset[date] = frozenset()
    file: str = "rules/calendar.yaml"
    local_names: dict[date, str] = field(default_factory=dict, compare=False)
    warnings: tuple[CalendarNote, ...] = ()
