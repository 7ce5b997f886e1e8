"""Lint a loaded rule set: the mistakes that load fine but route wrongly.

``mediation rules check`` loads a rule set (schema errors are the loader's
:class:`RuleError`) and then reports findings, each with file:line, the rule,
a severity and a code:

=========================  ========  ==================================================
code                       severity  what
=========================  ========  ==================================================
unknown-id                 error     a reference to an id the catalogue lacks (time-limit
                                     stages, and anything the loader did not already refuse)
never-matches              error     a rule whose condition no case can satisfy
shadowed                   error     a rule that can never fire: earlier rules take every
                                     case it matches, and those that cover it (test only
                                     fields it tests too) send cases elsewhere
redundant                  warning   the same, but the rules covering it give its outcome
overlap                    warning   an earlier rule with another outcome takes some of a
                                     later rule's cases, and on those the later rule tests
                                     the same fields or more (an exception pre-empted, two
                                     rules claiming the same cases, or an alternative of the
                                     later rule that can never fire): order decides
overlap                    info      the other earlier rules with another outcome that take
                                     some of a rule's cases (the usual first-match pattern),
                                     one finding per rule; shown with --verbose
gap                        info      combinations of the finite fields that reach only the
                                     fallback (summarised; JSON has the details)
bounded-analysis           info      the rules are too entangled for the exact analysis: checked
                                     rule against rule, saying what that cannot prove
fallback-unreachable       info      earlier rules decide every case
unreachable-destination    warning   a room or window no routing rule can send a case to
unstaffed-destination      warning   a reachable room or window where no mediator works
dated-reference            error /   a rule in force when a catalogue entry it uses is not
                           warning   (error when it sends cases to it or can never match)
refer-inside               warning   a referral to the case's own street that can fire for
                                     a street inside the district
missing-stage              warning   a time limit of docs/design.md §3 that the rule set lacks
calendar-entry             warning   a calendar.yaml holiday entry that falls wholly on a
                                     weekend: it adds no day off (a mistyped date?)
=========================  ========  ==================================================

The analysis of the policies (:mod:`mediation.rules.lint.policy`) is exact
over the finite fields, numbers and words; see :mod:`mediation.rules.lint.space`.
A policy too entangled for it (more than ``policy.MAX_WORK`` of first-match pieces)
gets a bounded analysis instead, in seconds, which says what it could not prove.
Rules dated with ``valid_from``/``valid_until`` are analysed in every period
in which the set of rules in force is constant.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from mediation.rules.lint.policy import Issue, Walk, gap_issue, overlap_issues, shadow_issues, walk
from mediation.rules.lint.space import Space
from mediation.rules.load import load_rules
from mediation.rules.model import AllOf, AnyOf, Cmp, Condition, NotOf, Validity
from mediation.text import did_you_mean

SEVERITIES = ("error", "warning", "info")
#: The time-limit stages of docs/design.md §3 (rules/sla.yaml).
STAGES = ("review", "take_up", "mediation", "follow_up", "judicial_confirmation")
_REF_FIELDS = {"category": "category", "street": "unit", "referred_by": "department"}


@dataclass(frozen=True, slots=True)
class Finding:
    """One lint finding, located."""

    severity: str  # error | warning | info
    code: str
    message: str
    file: str | None = None
    line: int | None = None
    rule: str | None = None
    policy: str | None = None  # review | routing
    approximate: bool = False
    detail: dict | None = None
    bounded: bool = False  # approximate because the exact analysis was too large (bounded-analysis)

    @property
    def where(self) -> str:
        if not self.file:
            return "-"
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        subject = f"{self.policy} rule {self.rule}" if self.rule and self.policy else self.rule
        text = f"{self.where}: {self.severity} {self.code}" + (f" ({subject})" if subject else "") + ": " \
            + self.message
        if self.bounded:
            return text + " (approximate: bounded analysis, rule against rule)"
        return text + (" (approximate: a condition too large to expand is taken as a whole)"
                       if self.approximate else "")

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "severity": self.severity, "code": self.code,
                "policy": self.policy, "rule": self.rule, "message": self.message,
                "approximate": self.approximate, "bounded": self.bounded, "detail": self.detail}


@dataclass
class LintReport:
    """The findings for a rule set, most severe first, in file order."""

    rules: Any
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def fails(self, strict: bool = False) -> bool:
        """Errors fail; with ``strict``, warnings too."""
        return bool(self.count("error") or (strict and self.count("warning")))

    def summary(self) -> str:
        e, w, i = (self.count(s) for s in SEVERITIES)
        return f"{e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)}, {i} info"

    def lines(self, verbose: bool = False) -> list[str]:
        """The report for people: every error and warning, the info findings (overlaps with ``verbose``)."""
        out = [str(f) for f in self.findings if verbose or not (f.severity == "info" and f.code == "overlap")]
        hidden = sum(1 for f in self.findings if f.severity == "info" and f.code == "overlap")
        if hidden and not verbose:
            out.append(f"({hidden} info overlaps not shown: rules that lose some cases to earlier rules with "
                       "other outcomes, as in any first-match policy; --verbose lists them)")
        out.append(f"{self.rules.path}: {self.summary()} ({self.seconds * 1000:.0f} ms)")
        return out

    def as_dict(self) -> dict:
        return {"path": str(self.rules.path), "digest": self.rules.digest,
                "counts": {s: self.count(s) for s in SEVERITIES}, "seconds": round(self.seconds, 3),
                "findings": [f.as_dict() for f in self.findings]}


def check(directory: str | Path) -> LintReport:
    """Load the rule set at ``directory`` (raising its schema errors) and lint it."""
    return lint(load_rules(directory))


def lint(rules) -> LintReport:
    """Every finding for a loaded rule set (see the module docstring for the codes)."""
    started = time.perf_counter()
    space = Space(rules)
    walks = _walks(rules, space)
    found: list[Finding] = []
    found += _references(rules, space)
    found += _policies(rules, space, walks)
    found += _destinations(rules, walks)
    found += _dated(rules)
    found += _stages(rules)
    found += [Finding("warning", "calendar-entry", note.message, note.file, note.line)
              for note in rules.calendar_spec.warnings]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    found.sort(key=lambda f: (order[f.severity], f.file or "", f.line or 0, f.code))
    return LintReport(rules, found, time.perf_counter() - started)


# ---------------------------------------------------------------- policies


def _outcome(rule) -> str:
    if hasattr(rule, "outcome"):
        if rule.outcome == "referred_out":
            return f"referred_out to {rule.to or 'the street'}"
        return rule.outcome
    return rule.to


def periods(rules) -> list[tuple[date | None, date | None]]:
    """The stretches of days in which the same rules are in force (None: unbounded)."""
    starts = [None, *rules.change_days()]
    return [(s, (starts[i + 1] - timedelta(days=1)) if i + 1 < len(starts) else None) for i, s in enumerate(starts)]


def _in_force(rule, period: tuple[date | None, date | None]) -> bool:
    start, end = period
    probe = start or (end if end else date(2000, 1, 1))
    return rule.validity.covers(probe)


def _period_text(period: tuple[date | None, date | None]) -> str:
    start, end = period
    return f"{start or '…'} to {end or '…'}"


def _walks(rules, space: Space) -> dict[str, list[tuple[tuple, Walk]]]:
    """For each policy, the walk of every distinct set of rules in force, with the period it starts."""
    out: dict[str, list[tuple[tuple, Walk]]] = {}
    for policy, all_rules in (("review", rules.review_rules), ("routing", rules.routing_rules)):
        seen: set[tuple[str, ...]] = set()
        out[policy] = []
        for span in periods(rules):
            active = tuple(r for r in all_rules if _in_force(r, span))
            key = tuple(r.id for r in active)
            if key not in seen:
                seen.add(key)
                out[policy].append((span, walk(space, policy, active)))
    return out


def _policies(rules, space: Space, walks: dict[str, list[tuple[tuple, Walk]]]) -> list[Finding]:
    out: list[Finding] = []
    dated = len(periods(rules)) > 1
    for policy, runs in walks.items():
        dead_in: dict[str, list[Issue]] = {}
        active_in: dict[str, int] = {}
        for span, w in runs:
            for r in w.rules:
                active_in[r.id] = active_in.get(r.id, 0) + 1
            for issue in shadow_issues(space, w, _outcome):
                dead_in.setdefault(issue.rule.id, []).append(issue)
            for issue in overlap_issues(space, w, _outcome):
                out.append(_finding(issue, policy, span if dated else None))
            gap = gap_issue(space, w, _outcome)
            if gap is not None:
                out.append(_finding(gap, policy, span if dated else None))
        for rule_id, issues in dead_in.items():
            if len(issues) == active_in[rule_id]:  # dead in every period it is in force
                out.append(_finding(issues[0], policy, None))
    unique: dict[tuple, Finding] = {}
    for f in out:
        unique.setdefault((f.code, f.policy, f.rule, f.message), f)
    return list(unique.values())


def _finding(issue: Issue, policy: str, span) -> Finding:
    source = issue.rule.source
    dated = span and not (issue.severity == "info" and issue.code == "overlap")
    message = issue.message + (f" (rules in force {_period_text(span)})" if dated else "")
    return Finding(issue.severity, issue.code, message, source.file if source else None,
                   source.line if source else None, issue.rule.id, policy, issue.approximate, issue.detail,
                   issue.bounded)


# ---------------------------------------------------------------- references


def _cmps(cond: Condition | None):
    if cond is None:
        return
    if isinstance(cond, Cmp):
        yield cond, True
    elif isinstance(cond, NotOf):
        yield from ((c, not positive) for c, positive in _cmps(cond.item))
    elif isinstance(cond, (AllOf, AnyOf)):
        for c in cond.items:
            yield from _cmps(c)


def _uses(rule) -> list[tuple[str, str, bool]]:
    """(kind, id, positive) of the catalogue entries a rule's condition names."""
    out = []
    for c, positive in _cmps(rule.when):
        kind = _REF_FIELDS.get(c.field)
        if kind is None:
            continue
        values = c.value if c.op in ("in", "not_in") else [c.value]
        pos = positive == (c.op in ("==", "in"))
        out.extend((kind, v, pos) for v in values if v is not None)
    return out


def _at(source, severity: str, code: str, message: str, rule: str | None = None, policy: str | None = None,
        hint: str | None = None) -> Finding:
    return Finding(severity, code, message + (f": {hint}" if hint else ""), source.file if source else None,
                   source.line if source else None, rule, policy)


def _references(rules, space: Space) -> list[Finding]:
    cat = rules.catalogue
    tables = {"unit": cat.units, "category": cat.categories, "department": cat.departments,
              "destination": cat.destinations}
    out = []

    def known(kind: str, id_: str, source, what: str, rule=None, policy=None) -> None:
        if id_ not in tables[kind]:
            out.append(_at(source, "error", "unknown-id", f"{what} names unknown {kind} {id_!r}", rule, policy,
                           did_you_mean(id_, tables[kind])))

    for policy, items in (("review", rules.review_rules), ("routing", rules.routing_rules)):
        for r in items:
            for kind, id_, _ in _uses(r):
                known(kind, id_, r.source, "its condition", r.id, policy)
            if policy == "routing":
                known("destination", r.to, r.source, "'to'", r.id, policy)
            elif r.to and r.to not in cat.departments and r.to not in cat.units:
                known("department", r.to, r.source, "'to'", r.id, policy)
    for c in cat.categories.values():
        known("department", c.department, c.source, f"category {c.id}")
    for d in cat.destinations.values():
        known("department", d.host, d.source, f"destination {d.id}")
    for op in rules.staff.values():
        for d in op.destinations:
            known("destination", d, op.source, f"operator {op.id}")
    for stage, limit in rules.time_limits.items():
        if stage not in STAGES:
            out.append(_at(limit.source, "error", "unknown-id", f"unknown time-limit stage {stage!r}",
                           hint=did_you_mean(stage, STAGES) or f"the stages are {', '.join(STAGES)}"))
        for key, _ in limit.by_category:
            known("category", key, limit.source, f"time limit {stage}")
        for key, _ in limit.by_destination:
            known("destination", key, limit.source, f"time limit {stage}")
    for r in rules.review_rules:
        if r.to_field == "street":
            inside = [u for u in cat.units.values() if not u.outside]
            if any(_could_fire_for(space, r, u.id) for u in inside):
                out.append(_at(r.source, "warning", "refer-inside",
                               "refers cases out to their own street, but can fire for a street inside the "
                               "district", r.id, "review", "add in_district: false to its condition"))
    return out


def _could_fire_for(space: Space, rule, street: str) -> bool:
    bit = space.bits[space.pos["street"]][street]
    return any(b & bit for b in space.boxes(rule))


def _stages(rules) -> list[Finding]:
    if not rules.time_limits:
        return [Finding("warning", "missing-stage", "the rule set has no time limits (sla)", str(rules.path))]
    missing = [s for s in STAGES if s not in rules.time_limits]
    if not missing:
        return []
    first = next(iter(rules.time_limits.values())).source
    return [_at(first, "warning", "missing-stage", f"no time limit for stage {s!r} (docs/design.md §3)") for s in missing]


# ---------------------------------------------------------------- destinations


def _destinations(rules, walks: dict[str, list[tuple[tuple, Walk]]]) -> list[Finding]:
    reached = {v.rule.to for _, w in walks["routing"] for v in w.verdicts if not v.dead}
    out = []
    staffed = {d for op in rules.staff.values() if op.role == "mediator" for d in op.destinations}
    for d in rules.catalogue.destinations.values():
        if d.id not in reached:
            out.append(_at(d.source, "warning", "unreachable-destination",
                           f"no routing rule can send a case to {d.id} ({d.name})"))
        elif rules.staff and d.id not in staffed:
            out.append(_at(d.source, "warning", "unstaffed-destination",
                           f"cases are routed to {d.id} ({d.name}) but no mediator works there",
                           hint="add it to a mediator's destinations in staff"))
    return out


# ---------------------------------------------------------------- effective dates


def _dated(rules) -> list[Finding]:
    cat = rules.catalogue
    tables = {"unit": cat.units, "category": cat.categories, "department": cat.departments,
              "destination": cat.destinations}
    out = []
    for policy, items in (("review", rules.review_rules), ("routing", rules.routing_rules)):
        for r in items:
            uses = [(k, i, "condition", pos) for k, i, pos in _uses(r)]
            if policy == "routing":
                uses.append(("destination", r.to, "to", True))
            elif r.to:
                uses.append(("unit" if r.to in cat.units else "department", r.to, "to", True))
            for kind, id_, where, positive in uses:
                entry = tables[kind].get(id_)
                if entry is None or not entry.validity.dated or _within(r.validity, entry.validity):
                    continue
                span = _validity_text(entry.validity)
                mine = _validity_text(r.validity)
                apart = not _meets(r.validity, entry.validity)
                if where == "to":
                    severity = "error"
                    text = f"sends cases to {kind} {id_} ({entry.name}), in force only {span}, but the rule is " \
                           f"in force {mine}"
                elif not positive:
                    continue  # excluding an entry that is not in force is harmless
                else:
                    severity = "error" if apart else "warning"
                    text = f"names {kind} {id_} ({entry.name}), in force only {span}, but the rule is in force " \
                           f"{mine}" + (": it can never match" if apart else "")
                out.append(_at(r.source, severity, "dated-reference", text, r.id, policy,
                               "give the rule valid_from/valid_until within the entry's period"))
    return out


def _validity_text(v: Validity) -> str:
    if v.valid_from and v.valid_until:
        return f"from {v.valid_from} to {v.valid_until}"
    if v.valid_from:
        return f"from {v.valid_from}"
    if v.valid_until:
        return f"until {v.valid_until}"
    return "at all times"


def _within(inner: Validity, outer: Validity) -> bool:
    lo_ok = outer.valid_from is None or (inner.valid_from is not None and inner.valid_from >= outer.valid_from)
    hi_ok = outer.valid_until is None or (inner.valid_until is not None and inner.valid_until <= outer.valid_until)
    return lo_ok and hi_ok


def _meets(a: Validity, b: Validity) -> bool:
    start = max((d for d in (a.valid_from, b.valid_from) if d), default=None)
    end = min((d for d in (a.valid_until, b.valid_until) if d), default=None)
    return start is None or end is None or start <= end
