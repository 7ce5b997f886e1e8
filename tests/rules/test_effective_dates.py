"""Effective dates: history is routed by the rules in force then; --as-of overrides;
catalogue entries are refused outside their period.

The rule set tests/rules/lint_sets/dated extends the shipped rules with dated rules
(small_oral_2019 until 2020-06-30, small_oral from 2020-07-01; major_2020 until
2020-12-31, mass_lawyer and major from 2021-01-01) and a category in force in
2020 only (epidemic, 疫情防控).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from functools import lru_cache

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from mediation.cases import parse_case
from mediation.cli import cli
from mediation.errors import CaseError
from mediation.rules import load_rules
from mediation.rules.lint.findings import lint
from tests.support import ROOT, examples

DATED = ROOT / "tests" / "rules" / "lint_sets" / "dated"


@lru_cache(maxsize=1)
def dated():
    return load_rules(DATED)


def case(received_at, **fields):
    data = {"form": "oral", "category": "neighbor", "street": "xiangnan", "summary": "测试",
            "received_at": received_at, **fields}
    return parse_case(data, dated())


def routed(c, as_of=None) -> str:
    review, decision = dated().evaluate(c, as_of=as_of)
    assert review.outcome == "accepted"
    return decision.rule


@pytest.mark.parametrize(("received_at", "amount", "rule"), [
    ("2019-03-01T10:00:00", 2999, "small_oral_2019"),
    ("2020-06-30T23:59:59", 2999, "small_oral_2019"),
    ("2020-06-30T23:59:59", 4000, "fallback"),        # the 3000 limit was in force that day
    ("2020-07-01T00:00:00", 4000, "small_oral"),      # and the 5000 limit from the next
    ("2023-01-05T09:00:00", 4999, "small_oral"),
    ("2023-01-05T09:00:00", 5000, "fallback"),
])
def test_history_is_routed_by_the_rules_in_force_on_its_date(received_at, amount, rule):
    assert routed(case(received_at, amount=amount)) == rule


def test_a_changed_policy_applies_from_its_first_day():
    mass = {"parties": 12, "category": "contract", "form": "written"}
    before = case("2020-12-31T17:30:00", **mass)
    after = case("2021-01-01T08:00:00", **mass)
    assert dated().route(before).destination == "room.general" and routed(before) == "major_2020"
    assert dated().route(after).destination == "room.lawyer" and routed(after) == "mass_lawyer"
    high_risk = case("2021-06-01", risk="high", category="contract", form="written")
    assert routed(high_risk) == "major"


def test_as_of_overrides_the_case_date():
    old = case("2020-06-15T10:00:00", amount=4000)
    assert routed(old) == "fallback"
    assert routed(old, as_of=date(2021, 2, 1)) == "small_oral"
    assert routed(old, as_of=datetime(2020, 7, 1)) == "small_oral"
    new = case("2020-08-01T10:00:00", amount=4000)
    assert routed(new, as_of=date(2020, 6, 30)) == "fallback"


def test_review_route_evaluate_and_explain_agree_on_the_period():
    rules = dated()
    for received_at in ("2020-06-30T12:00:00", "2020-07-01T12:00:00"):
        c = case(received_at, amount=4000)
        ex = rules.explain(c)
        assert ex.decision == rules.route(c) == rules.evaluate(c)[1]
        tried = [s.rule for s in ex.steps]
        assert ("small_oral_2019" in tried) != ("small_oral" in tried)  # only the rules in force are tried


def test_a_catalogue_entry_is_refused_outside_its_period():
    in_2020 = case("2020-05-06T09:00:00", category="疫情防控")
    assert in_2020.category == "epidemic"
    assert dated().route(in_2020).destination == "room.medical"
    for day in ("2020-01-31T23:59:00", "2021-01-01T00:00:00"):
        with pytest.raises(CaseError) as info:
            case(day, category="epidemic")
        assert info.value.field == "category" and "not in force" in info.value.message
        assert "2020-02-01" in str(info.value)


def test_route_as_of_on_the_command_line(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"form": "oral", "category": "neighbor", "street": "xiangnan", "summary": "测试",
                                "amount": 4000, "received_at": "2020-06-15T10:00:00"}), encoding="utf-8")
    runner = CliRunner()
    then = runner.invoke(cli, ["route", str(path), "--rules", str(DATED), "--json"])
    now = runner.invoke(cli, ["route", str(path), "--rules", str(DATED), "--json", "--as-of", "2021-02-01"])
    assert then.exit_code == 0 and now.exit_code == 0, then.output + now.output
    assert json.loads(then.output)["decision"]["rule"] == "fallback"
    assert json.loads(now.output)["decision"]["destination"] == "window.mediation"


def test_the_dated_rule_tests_pass_and_the_dated_set_lints_clean():
    from mediation.rules.testing.run import run_rule_tests

    run, errors = run_rule_tests(dated())
    assert errors == [] and run.failed == 0 and run.passed == 7
    report = lint(dated())
    assert not report.fails(strict=True), report.lines()


_DAYS = st.dates(min_value=date(2019, 1, 1), max_value=date(2022, 12, 31))


@examples("normal")
@given(day=_DAYS, minutes=st.integers(0, 24 * 60 - 1), amount=st.integers(0, 10_000),
       parties=st.integers(1, 15), as_of=st.none() | _DAYS)
def test_the_deciding_rule_is_always_in_force_on_the_day(day, minutes, amount, parties, as_of):
    received = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minutes)
    category = "epidemic" if date(2020, 2, 1) <= day <= date(2020, 12, 31) and parties % 3 == 0 else "neighbor"
    c = case(received.isoformat(), amount=amount, parties=parties, category=category)
    rules = dated()
    review, decision = rules.evaluate(c, as_of=as_of)
    when = as_of or day
    rule = next(r for r in rules.routing_rules if r.id == decision.rule)
    assert rule.validity.covers(when)
    assert rules.explain(c, as_of=as_of).decision == decision
    # first match among the rules in force that day, by the reference semantics
    from mediation.rules.conditions import holds

    expected = next(r for r in rules.routing_rules if r.validity.covers(when) and holds(r.when, c, rules.catalogue))
    assert expected.id == decision.rule
