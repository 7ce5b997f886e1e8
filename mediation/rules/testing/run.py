"""Rule tests: YAML files of cases with the expected review and routing, run
against a rule set, with rule coverage.

A rule test file (``rules/tests/*.yaml``)::

    defaults:                        # optional: case fields for every test here
      street: 西街道
    tests:
      - name: 医疗纠纷进医疗纠纷调解室     # unique within its group
        case: {category: medical, amount: 86000}
        expect:
          destination: room.medical  # required unless the outcome is rejected/referred_out
          rule: medical              # the rule that decided (routing, or review if not accepted)
          department: health         # optional: responsible department, unit, mediation type
          unit: xijie
          mediation_type: people
      - name: 涉嫌犯罪移送公安
        case: {criminal: true}
        expect: {outcome: referred_out, to: police, rule: criminal}
      - name: 咨询
        case: {request: consultation}
        expect: window.consult       # shorthand: a destination (or an outcome)
      - group: 小额口头纠纷             # a group: shared defaults, tests and/or a table
        defaults: {form: oral, category: neighbor}
        tests: [...]
        columns: [name, amount, parties, destination, rule]
        rows:                        # one test per row; null = not given
          - [4999 元, 4999, 2, window.mediation, small_oral]
          - [5000 元, 5000, 2, room.general, fallback]

A case takes any field of docs/design.md §2 (ids or Chinese labels, as
:func:`mediation.cases.parse_case` accepts them); fields not given come from
the group's ``defaults``, then the file's, then these: ``form`` oral,
``category`` other, ``street`` the district's first unit (xiangnan),
``summary`` "测试", ``received_at`` 2020-06-01 09:00 (so tests do not depend on
the clock). A test may give ``as_of: DATE`` to be judged by the rules in force
that day. The expectation keys are ``destination``, ``outcome`` (accepted,
rejected, referred_out; accepted when a destination is given), ``to`` (the unit
or department a case is referred to), ``rule``, ``review_rule``,
``department``, ``unit`` and ``mediation_type``; values may be ids or labels.
In a table, the columns ``name`` and ``as_of`` and the expectation keys are
what they are in a test; every other column is a case field. A row without a
name is named ``row N: field=value, ...`` after its case values.

A file outside ``<rule set>/tests/`` says which rule set it tests with
``rules: <dir>`` (relative to the file); ``mediation rules test DIR`` always
tests DIR. Any problem in a file is a :class:`RuleError` or :class:`CaseError`
naming the file, line, test and field (reading files: :mod:`mediation.rules.testing.files`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediation.domain import Decision, Review
from mediation.errors import InputError, RuleError
from mediation.rules.conditions import field_value, fields_of, first_failure, format_value
from mediation.rules.model import Cmp
from mediation.rules.schema import display_path
from mediation.rules.testing.files import (
    EXPECT_KEYS,
    NOT_ACCEPTED,
    RuleTest,
    find_test_files,
    load_tests,
)
from mediation.text import did_you_mean

__all__ = ["Coverage", "Mismatch", "RuleTestResult", "RuleTestRun", "format_failure", "run_rule_tests", "run_test",
           "run_tests", "why_not"]


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Mismatch:
    field: str
    expected: str | None
    actual: str | None


@dataclass(frozen=True, slots=True)
class RuleTestResult:
    """What a test's case did: the review, the decision, and what differed."""

    __test__ = False

    test: RuleTest
    review: Review
    decision: Decision | None
    mismatches: tuple[Mismatch, ...]

    @property
    def passed(self) -> bool:
        return not self.mismatches

    @property
    def rules_hit(self) -> list[tuple[str, str]]:
        hit = [("review", self.review.rule)]
        if self.decision is not None:
            hit.append(("routing", self.decision.rule))
        return hit


class Coverage:
    """Hits per review and routing rule; a rule is reached when it decided some test case."""

    def __init__(self, rules) -> None:
        self.rules = rules
        self.hits: dict[tuple[str, str], int] = {("review", r.id): 0 for r in rules.review_rules}
        self.hits.update({("routing", r.id): 0 for r in rules.routing_rules})

    def add(self, result: RuleTestResult) -> None:
        for key in result.rules_hit:
            self.hits[key] = self.hits.get(key, 0) + 1

    @property
    def reached(self) -> int:
        return sum(1 for n in self.hits.values() if n)

    @property
    def total(self) -> int:
        return len(self.hits)

    @property
    def percent(self) -> float:
        return 100.0 * self.reached / self.total if self.total else 100.0

    def unreached(self) -> list[tuple[str, Any]]:
        """(stage, rule) of every rule no test reached, in policy order."""
        return [(stage, r) for stage, r in self._rules() if not self.hits[(stage, r.id)]]

    def _rules(self):
        yield from (("review", r) for r in self.rules.review_rules)
        yield from (("routing", r) for r in self.rules.routing_rules)

    def as_dict(self) -> dict:
        return {
            "reached": self.reached, "total": self.total, "percent": round(self.percent, 1),
            "unreached": [{"stage": s, "rule": r.id, "source": str(r.source) if r.source else None}
                          for s, r in self.unreached()],
            "hits": [{"stage": s, "rule": r.id, "hits": self.hits[(s, r.id)]} for s, r in self._rules()],
        }


@dataclass
class RuleTestRun:
    """The results of running rule tests against one rule set."""

    __test__ = False

    rules: Any
    results: list[RuleTestResult] = field(default_factory=list)
    coverage: Coverage | None = None

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    def failures(self) -> list[RuleTestResult]:
        return [r for r in self.results if not r.passed]

    def summary(self) -> str:
        return f"{self.passed} passed, {self.failed} failed"

    def as_dict(self, min_coverage: float | None = None) -> dict:
        cov = self.coverage.as_dict() if self.coverage else None
        if cov is not None:
            cov["min"] = min_coverage
            cov["ok"] = min_coverage is None or self.coverage.percent >= min_coverage
        return {
            "rules": str(self.rules.path), "digest": self.rules.digest,
            "passed": self.passed, "failed": self.failed, "total": len(self.results),
            "tests": [{"name": r.test.name, "group": r.test.group, "file": r.test.file, "line": r.test.line,
                       "passed": r.passed} for r in self.results],
            "failures": [failure_dict(r, self.rules) for r in self.failures()],
            "coverage": cov,
        }


# ---------------------------------------------------------------- running


def actual_of(review: Review, decision: Decision | None) -> dict[str, str | None]:
    """The values a test may expect, as the engine gave them."""
    return {
        "outcome": review.outcome, "to": review.to, "review_rule": review.rule,
        "destination": decision.destination if decision else None,
        "rule": decision.rule if decision else review.rule,
        "department": decision.department if decision else None,
        "unit": decision.unit if decision else None,
        "mediation_type": decision.mediation_type if decision else None,
    }


def run_test(test: RuleTest, rules) -> RuleTestResult:
    """Review and route the test's case and compare with its expectation."""
    review, decision = rules.evaluate(test.case, as_of=test.as_of)
    actual = actual_of(review, decision)
    mismatches = tuple(Mismatch(k, test.expect[k], actual[k]) for k in EXPECT_KEYS
                       if k in test.expect and actual[k] != test.expect[k])
    return RuleTestResult(test, review, decision, mismatches)


def run_tests(tests: Iterable[RuleTest], rules) -> RuleTestRun:
    """Run every test; the run holds the results and the rule coverage."""
    run = RuleTestRun(rules, coverage=Coverage(rules))
    for test in tests:
        result = run_test(test, rules)
        run.results.append(result)
        run.coverage.add(result)
    return run


# ---------------------------------------------------------------- explaining failures


def why_not(result: RuleTestResult, rules) -> list[str]:
    """Why the expected rule (or the rules sending cases to the expected destination) did not decide."""
    test, expect = result.test, result.test.expect
    actual = actual_of(result.review, result.decision)
    wanted: list[tuple[str, str]] = []
    if "review_rule" in expect and actual["review_rule"] != expect["review_rule"]:
        wanted.append(("review", expect["review_rule"]))
    if expect["outcome"] != actual["outcome"] and expect["outcome"] == "accepted":
        wanted.append(("review", next(r.id for r in reversed(rules.review_rules) if r.outcome == "accepted")))
    if "rule" in expect and actual["rule"] != expect["rule"]:
        wanted.append(("review" if expect["outcome"] in NOT_ACCEPTED else "routing", expect["rule"]))
    elif "rule" not in expect and expect["outcome"] in NOT_ACCEPTED and actual["outcome"] != expect["outcome"]:
        wanted += [("review", r.id) for r in rules.review_rules if r.outcome == expect["outcome"]][:5]
    elif "rule" not in expect and "destination" in expect and actual["destination"] != expect["destination"]:
        wanted += [("routing", r.id) for r in rules.routing_rules if r.to == expect["destination"]][:5]
        if not wanted:
            return [f"no routing rule sends cases to {expect['destination']}"]
    day = test.as_of or test.case.received_at.date()
    lines = []
    for stage, rule_id in dict.fromkeys(wanted):
        policy = rules.review_rules if stage == "review" else rules.routing_rules
        rule = next((r for r in policy if r.id == rule_id), None)
        if rule is None:
            hint = did_you_mean(rule_id, [r.id for r in policy])
            lines.append(f"there is no {stage} rule {rule_id!r} (yet)" + (f": {hint}" if hint else ""))
            continue
        fired = actual["review_rule"] if stage == "review" else actual["rule"]
        if not rule.validity.covers(day):
            v = rule.validity
            lines.append(f"{rule_id} is not in force on {day} (valid {v.valid_from or '…'} to {v.valid_until or '…'})")
            continue
        failed = first_failure(rule.when, test.case, rules.catalogue)
        if failed is None:
            if stage == "routing" and result.decision is None:
                lines.append(f"{rule_id} matches, but review did not accept the case ({result.review.rule})")
            else:
                lines.append(f"{rule_id} matches, but {fired} comes first")
            continue
        cond, value = failed
        if not isinstance(cond, Cmp):
            names = dict.fromkeys(fields_of(cond))
            shown = ", ".join(f"{n}={format_value(field_value(test.case, n, rules.catalogue))}" for n in names)
        else:
            shown = f"{cond.field}={format_value(value)}"
        lines.append(f"{rule_id} does not match: {rules.describe(cond)} fails ({shown})")
    return lines


def failure_dict(result: RuleTestResult, rules) -> dict:
    t = result.test
    ex = rules.explain(t.case, as_of=t.as_of)
    return {"name": t.name, "group": t.group, "file": t.file, "line": t.line,
            "mismatches": [{"field": m.field, "expected": m.expected, "actual": m.actual} for m in result.mismatches],
            "why": why_not(result, rules), "explanation": ex.as_dict()}


def format_failure(result: RuleTestResult, rules) -> str:
    """A failed test for people: what differed, why, and the whole trace."""
    t = result.test
    cat = rules.catalogue
    out = [f"FAIL {t.file}:{t.line}  {t.title}"]
    for m in result.mismatches:
        out.append(f"  expected {m.field} {_shown(cat, m.field, m.expected)}, got {_shown(cat, m.field, m.actual)}")
    out += [f"  why: {line}" for line in why_not(result, rules)]
    ex = rules.explain(t.case, as_of=t.as_of)
    out.append("  trace:")
    width = max(len(s.rule) for s in ex.steps)
    for s in ex.steps:
        if s.matched:
            out.append(f"    {s.stage:<7} {s.rule:<{width}}  ✓ {s.condition}")
        else:
            out.append(f"    {s.stage:<7} {s.rule:<{width}}  ✗ {s.failed}  (case: {s.value})")
    return "\n".join(out)


def _shown(cat, key: str, value: str | None) -> str:
    if value is None:
        return "nothing"
    kind = {"destination": "destination", "department": "department", "unit": "unit",
            "mediation_type": "mediation_type", "outcome": "review_outcome"}.get(key)
    if key == "to":
        kind = "unit" if value in cat.units else "department"
    label = cat.label(kind, value) if kind else value
    return f"{value} ({label})" if label != value else value


# ---------------------------------------------------------------- one call


def run_rule_tests(rules, tests_path: str | Path | None = None, *,
                   match: str | None = None) -> tuple[RuleTestRun, list[InputError]]:
    """Load the tests at ``tests_path`` (default: the rule set's ``tests/``) and run them.

    Returns the run and the errors of malformed files; when there are errors
    nothing is run (the run is empty).
    """
    path = Path(tests_path) if tests_path is not None else Path(rules.path) / "tests"
    files = find_test_files(path)
    if not files:
        raise RuleError(f"no rule test files (*.yaml) in {display_path(path)}")
    tests, errors = load_tests(files, rules)
    if errors:
        return RuleTestRun(rules, coverage=Coverage(rules)), errors
    if match:
        tests = [t for t in tests if match.lower() in t.title.lower()]
    return run_tests(tests, rules), []
