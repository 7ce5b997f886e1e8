"""A loaded rule set: review, route, evaluate and explain a case.

A :class:`RuleSet` is immutable and compiled once. Review and routing are pure
functions of (case, rule set, date): the date is the case's ``received_at``
unless ``as_of`` is given, and picks the rules in force that day.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path

from mediation.domain import Case, Decision, Review
from mediation.rules.catalogue import Catalogue
from mediation.rules.compile import Compiled, Domains, compile_rules
from mediation.rules.conditions import describe, field_value, fields_of, first_failure, format_value
from mediation.rules.fields import FIELDS, FINITE_FIELDS
from mediation.rules.model import (
    CalendarSpec,
    Cmp,
    Condition,
    Operator,
    ReviewRule,
    RoutingRule,
    TimeLimit,
)


class _ReviewOutcome:
    """A review rule's result; per-street when the referral goes to the case's unit."""

    __slots__ = ("rule", "fixed", "by_street")

    def __init__(self, rule: ReviewRule) -> None:
        self.rule = rule
        self.fixed = None if rule.to_field else Review(rule.outcome, rule.id, rule.reason, rule.to)
        self.by_street: dict[str, Review] = {}

    def result(self, case: Case) -> Review:
        if self.fixed is not None:
            return self.fixed
        review = self.by_street.get(case.street)
        if review is None:
            r = self.rule
            review = self.by_street[case.street] = Review(r.outcome, r.id, r.reason, case.street)
        return review


class _RouteOutcome:
    """A routing rule's decision, one shared object per (category, street)."""

    __slots__ = ("rule", "dest", "cat", "digest", "cache")

    def __init__(self, rule: RoutingRule, catalogue: Catalogue, digest: str) -> None:
        self.rule = rule
        self.dest = catalogue.destinations[rule.to]
        self.cat = catalogue
        self.digest = digest
        self.cache: dict[tuple[str, str], Decision] = {}

    def decision(self, case: Case) -> Decision:
        key = (case.category, case.street)
        found = self.cache.get(key)
        if found is None:
            d = self.dest
            if d.responsible == "category":
                department = self.cat.categories[case.category].department
            else:
                department = d.host
            found = self.cache[key] = Decision(
                destination=d.id,
                department=department,
                unit=case.street,
                judicial_office=self.cat.judicial_office(case.street),
                mediation_type=d.mediation_type,
                rule=self.rule.id,
                rules_digest=self.digest,
            )
        return found


class _Period:
    """The rules in force over one stretch of days, compiled."""

    __slots__ = ("review_rules", "routing_rules", "review", "route", "review_out", "route_out")

    def __init__(self, review_rules, routing_rules, domains: Domains, catalogue: Catalogue, digest: str) -> None:
        self.review_rules: tuple[ReviewRule, ...] = review_rules
        self.routing_rules: tuple[RoutingRule, ...] = routing_rules
        self.review: Compiled = compile_rules([r.when for r in review_rules], domains, "review")
        self.route: Compiled = compile_rules([r.when for r in routing_rules], domains, "route")
        self.review_out = [_ReviewOutcome(r) for r in review_rules]
        self.route_out = [_RouteOutcome(r, catalogue, digest) for r in routing_rules]


@dataclass(frozen=True, slots=True)
class Step:
    """One rule tried while explaining: matched, or the first condition that failed."""

    stage: str  # review | routing
    rule: str
    label: str | None
    matched: bool
    condition: str  # the whole condition, described
    failed: str | None = None  # the first failing part, described
    value: str | None = None  # the case's value for it

    def as_dict(self) -> dict:
        return {"stage": self.stage, "rule": self.rule, "label": self.label, "matched": self.matched,
                "condition": self.condition, "failed": self.failed, "value": self.value}


@dataclass(frozen=True, slots=True)
class Explanation:
    """A case's review and routing with every rule tried, in order."""

    review: Review
    decision: Decision | None
    steps: tuple[Step, ...] = field(default=())

    def as_dict(self) -> dict:
        return {"review": self.review.as_dict(), "decision": self.decision.as_dict() if self.decision else None,
                "trace": [s.as_dict() for s in self.steps]}


class RuleSet:
    """A validated, compiled rule set. Build it with :func:`mediation.rules.load_rules`."""

    def __init__(
        self,
        *,
        path: Path,
        catalogue: Catalogue,
        review_rules: tuple[ReviewRule, ...],
        routing_rules: tuple[RoutingRule, ...],
        time_limits: Mapping[str, TimeLimit],
        escalation_level_2_after: int,
        staff: Mapping[str, Operator],
        calendar_spec: CalendarSpec,
        digest: str,
    ) -> None:
        self.path = path
        self.catalogue = catalogue
        self.review_rules = review_rules
        self.routing_rules = routing_rules
        self.time_limits = dict(time_limits)
        self.escalation_level_2_after = escalation_level_2_after
        self.staff = dict(staff)
        self.digest = digest
        #: rules/calendar.yaml as read (:mod:`mediation.deadlines.calendar` counts working days over it).
        self.calendar_spec = calendar_spec

    # Compiled on first use: commands that only show cases need the catalogue, not the code.

    @cached_property
    def domains(self) -> Domains:
        """The value sets of the finite fields, which the compiler indexes on."""
        return Domains(_domains(self.catalogue), self.catalogue.outside_units)

    @cached_property
    def _periods(self) -> list[_Period]:
        bounds, periods = self._compile()
        self.__dict__["_bounds"] = bounds
        return periods

    @cached_property
    def _bounds(self) -> list[datetime]:
        self._periods  # noqa: B018 - compiling sets the bounds
        return self.__dict__["_bounds"]

    def change_days(self) -> list[date]:
        """The days on which the rules in force change (a rule starts, or the day after one ends)."""
        cuts: set[date] = set()
        for r in (*self.review_rules, *self.routing_rules):
            if r.validity.valid_from:
                cuts.add(r.validity.valid_from)
            if r.validity.valid_until:
                cuts.add(r.validity.valid_until + timedelta(days=1))
        return sorted(cuts)

    def _compile(self) -> tuple[list[datetime], list[_Period]]:
        starts = self.change_days()
        probes = [starts[0] - timedelta(days=1)] if starts else [date.min]  # any day: nothing is dated
        probes += starts
        periods = []
        for day in probes:
            review = tuple(r for r in self.review_rules if r.validity.covers(day))
            routing = tuple(r for r in self.routing_rules if r.validity.covers(day))
            periods.append(_Period(review, routing, self.domains, self.catalogue, self.digest))
        return [datetime.combine(d, time.min) for d in starts], periods

    # ------------------------------------------------------------ evaluation

    def period(self, when: datetime | date | None) -> _Period:
        if not self._bounds:
            return self._periods[0]
        if not isinstance(when, datetime):
            when = datetime.combine(when, time.min)
        return self._periods[bisect_right(self._bounds, when)]

    def review(self, case: Case, *, as_of: date | datetime | None = None) -> Review:
        """受理审查: accepted, rejected or referred out, with the deciding rule and reason."""
        p = self._periods[0] if not self._bounds else self.period(as_of or case.received_at)
        return p.review_out[p.review.fn(case)].result(case)

    def route(self, case: Case, *, as_of: date | datetime | None = None) -> Decision:
        """分流: the destination, responsible department, unit and the deciding rule.

        Routes whatever it is given; :meth:`evaluate` routes only accepted cases.
        """
        p = self._periods[0] if not self._bounds else self.period(as_of or case.received_at)
        return p.route_out[p.route.fn(case)].decision(case)

    def evaluate(self, case: Case, *, as_of: date | datetime | None = None) -> tuple[Review, Decision | None]:
        """Review, then route the case if accepted."""
        p = self._periods[0] if not self._bounds else self.period(as_of or case.received_at)
        review = p.review_out[p.review.fn(case)].result(case)
        if review.outcome != "accepted":
            return review, None
        return review, p.route_out[p.route.fn(case)].decision(case)

    def explain(self, case: Case, *, as_of: date | datetime | None = None) -> Explanation:
        """Review and route with the trace: every rule tried, why it failed, which matched."""
        p = self.period(as_of or case.received_at)
        steps: list[Step] = []
        review_index = self._trace("review", p.review_rules, case, steps)
        review = p.review_out[review_index].result(case)
        decision = None
        if review.outcome == "accepted":
            route_index = self._trace("routing", p.routing_rules, case, steps)
            decision = p.route_out[route_index].decision(case)
        return Explanation(review, decision, tuple(steps))

    def _trace(self, stage: str, rules, case: Case, steps: list[Step]) -> int:
        for i, rule in enumerate(rules):
            failed = first_failure(rule.when, case, self.catalogue)
            whole = self.describe(rule.when)
            if failed is None:
                steps.append(Step(stage, rule.id, rule.label, True, whole))
                return i
            cond, actual = failed
            if not isinstance(cond, Cmp):  # any/not: show the values of the fields it tests
                names = dict.fromkeys(fields_of(cond))
                value = ", ".join(f"{n}={format_value(field_value(case, n, self.catalogue))}" for n in names)
            elif cond.field == "in_district":
                value = f"{format_value(actual)} (street {case.street})"
            else:
                value = format_value(actual)
            steps.append(Step(stage, rule.id, rule.label, False, whole, self.describe(cond), value))
        raise AssertionError("a policy without a fallback")  # pragma: no cover

    def describe(self, cond: Condition | None) -> str:
        return describe(cond, lambda _f, v: format_value(v))

    # ------------------------------------------------------------ other parts

    def compiled_source(self, as_of: date | datetime | None = None) -> str:
        """The generated code for the rules in force on a day (default: the latest rules)."""
        p = self.period(as_of) if as_of is not None else self._periods[-1]
        return f"# review\n{p.review.source}\n# routing\n{p.route.source}"

    def __repr__(self) -> str:
        return (f"RuleSet({str(self.path)!r}, {len(self.review_rules)} review rules, "
                f"{len(self.routing_rules)} routing rules, {self.digest[:15]}…)")


def _domains(cat: Catalogue) -> dict[str, frozenset]:
    values: dict[str, frozenset] = {}
    for name in FINITE_FIELDS:
        fk = FIELDS[name]
        if fk.kind == "bool":
            dom: frozenset = frozenset((True, False))
        elif fk.kind == "enum":
            dom = frozenset(cat.enums[fk.of])
        else:
            dom = frozenset(cat.index[fk.of].ids())
        if fk.nullable:
            dom = dom | {None}
        values[name] = dom
    return values
