"""Lint: each finding on a purpose-made broken rule set (tests/lint_sets/*), the
shipped set clean under --strict, and the policy analysis against brute force."""

from __future__ import annotations

import itertools
from decimal import Decimal
from functools import cache, lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediation.errors import RuleError
from mediation.rules import load_rules
from mediation.rules.lint.findings import Finding, check, lint
from mediation.rules.lint.space import Space
from mediation.rules.lint.values import describe_regions, regions_for
from mediation.rules.model import Cmp
from tests.support import ROOT, make_case, shipped_rules

SETS = ROOT / "tests" / "lint_sets"


@cache
def report(name: str):
    return check(SETS / name)


def found(name: str, severity: str | None = None, code: str | None = None) -> list[Finding]:
    return [f for f in report(name).findings
            if (severity is None or f.severity == severity) and (code is None or f.code == code)]


def line_of(name: str, rule_id: str, file: str = "routing.yaml") -> int:
    for n, line in enumerate((SETS / name / file).read_text(encoding="utf-8").splitlines(), 1):
        if f"id: {rule_id}," in line or line.strip() == f"- id: {rule_id}":
            return n
    raise AssertionError(rule_id)


# ---------------------------------------------------------------- the shipped set


def test_the_shipped_set_is_clean_under_strict():
    rep = lint(shipped_rules())
    assert rep.count("error") == 0 and rep.count("warning") == 0, rep.lines()
    assert not rep.fails(strict=True)
    codes = {f.code for f in rep.findings}
    assert codes <= {"gap", "overlap"}


def test_the_shipped_gaps_are_summarised():
    gaps = {f.policy: f for f in lint(shipped_rules()).findings if f.code == "gap"}
    review, routing = gaps["review"], gaps["routing"]
    assert review.rule == "accept" and "request not in {mediation, petition}" in review.message
    assert review.detail["only_fallback"] == review.detail["some_fallback"] > 0
    # every combination of the finite fields can reach some rule (parties ≥ 10 reaches major) ...
    assert routing.detail["only_fallback"] == 0
    # ... but some reach the fallback for some amounts and numbers of parties
    assert 0 < routing.detail["some_fallback"] < routing.detail["combinations"]
    assert "category in {business, contract, damages, environment, neighbor, other}" in routing.message


# ---------------------------------------------------------------- one set per finding


def test_shadowed():
    (f,) = found("shadowed", "error")
    assert (f.code, f.rule, f.policy) == ("shadowed", "medical_lawyer", "routing")
    assert f.file.endswith("lint_sets/shadowed/routing.yaml") and f.line == line_of("shadowed", "medical_lawyer")
    assert "chiefly medical (→ room.medical)" in f.message and "room.lawyer" in f.message
    assert f.detail["covered_by"] == ["medical"] and not f.approximate
    assert report("shadowed").fails()


def test_redundant_is_a_warning():
    (f,) = found("redundant", "warning")
    assert (f.code, f.rule) == ("redundant", "medical_small") and "can be removed" in f.message
    assert not found("redundant", "error")
    assert not report("redundant").fails() and report("redundant").fails(strict=True)


def test_never_matches():
    errors = found("never_matches", "error")
    assert {(f.code, f.rule) for f in errors} == {("never-matches", "medical_and_labor"),
                                                  ("never-matches", "court_walk_in")}


def test_overlaps_where_order_decides_against_the_likely_intent():
    warnings = {f.rule: f for f in found("overlap", "warning")}
    assert set(warnings) == {"large_land", "nuisance", "wage_general"}
    assert warnings["large_land"].detail == {"earlier": "land", "kind": "specific",
                                             "where": "category = housing_land and amount ≥ 1000000"}
    assert warnings["nuisance"].detail["kind"] == "conflict" and "category = demolition" in warnings["nuisance"].message
    assert warnings["wage_general"].detail["kind"] == "covered"
    assert "summary contains 欠薪" in warnings["wage_general"].message
    assert not found("overlap", "error")


def test_other_overlaps_are_info_one_per_rule():
    infos = [f for f in found("overlap", "info", "overlap")]
    assert len({f.rule for f in infos}) == len(infos)
    court = next(f for f in infos if f.rule == "court_referral")
    assert "consultation (→ window.consult)" in court.message


def test_gap():
    (f,) = [g for g in found("gap", "info", "gap") if g.policy == "routing"]
    assert f.detail["only_fallback"] > 0
    assert "environment" in f.message and f.rule == "fallback"
    assert any("environment" in part["when"] for part in f.detail["only"])


def test_unreachable_destination():
    (f,) = found("unreachable_destination", "warning")
    assert f.code == "unreachable-destination" and "room.consumer" in f.message
    assert f.file.endswith("rules/destinations.yaml") and f.line > 1


def test_unstaffed_destination():
    (f,) = found("unstaffed", "warning")
    assert f.code == "unstaffed-destination" and "room.medical" in f.message


def test_unknown_time_limit_stage():
    (error,) = found("unknown_stage", "error")
    assert error.code == "unknown-id" and "'mediaton'" in error.message and "did you mean 'mediation'" in error.message
    assert error.file.endswith("unknown_stage/sla.yaml") and error.line == 8
    (warning,) = found("unknown_stage", "warning")
    assert warning.code == "missing-stage" and "'mediation'" in warning.message


def test_referral_to_a_street_inside_the_district():
    (f,) = found("refer_inside", "warning")
    assert (f.code, f.rule, f.policy) == ("refer-inside", "outside_district", "review")


def test_rules_dated_outside_the_entries_they_use():
    dated = {(f.rule, f.severity) for f in found("dated_reference", code="dated-reference")}
    assert dated == {("epidemic_2021", "error"), ("pandemic_room", "error"), ("epidemic", "warning")}
    never = next(f for f in found("dated_reference", "error", "dated-reference") if f.rule == "epidemic_2021")
    assert "can never match" in never.message and "from 2021-01-01" in never.message


def test_word_tests_are_exact():
    (f,) = found("text", "error")
    assert (f.code, f.rule) == ("shadowed", "unpaid_wages") and not f.approximate
    assert "chiefly wages (→ room.labor)" in f.message


def test_a_condition_too_large_to_expand_makes_the_verdict_approximate():
    (f,) = found("approximate", "error")
    assert (f.code, f.rule) == ("shadowed", "tangled_again") and f.approximate
    assert "approximate" in str(f)


def test_a_dated_set_is_analysed_period_by_period_and_is_clean():
    rep = report("dated")
    assert not rep.fails(strict=True), rep.lines()


def test_schema_errors_come_from_the_loader():
    with pytest.raises(RuleError) as info:
        check(SETS / "schema_error")
    assert "room.medcal" in str(info.value) and info.value.line == 5


# ---------------------------------------------------------------- the report


def test_report_lines_and_json():
    rep = report("shadowed")
    lines = rep.lines()
    assert lines[0].startswith("tests/lint_sets/shadowed/routing.yaml:") or "shadowed/routing.yaml:" in lines[0]
    assert ": error shadowed (routing rule medical_lawyer): can never fire" in lines[0]
    assert not any(": info overlap" in line for line in lines)
    assert any(": info overlap" in line for line in rep.lines(verbose=True))
    assert lines[-1].endswith("ms)") and "1 error, 0 warnings" in lines[-1]
    data = rep.as_dict()
    assert data["counts"]["error"] == 1
    first = data["findings"][0]
    assert {k: first[k] for k in ("severity", "code", "rule", "policy")} == {
        "severity": "error", "code": "shadowed", "rule": "medical_lawyer", "policy": "routing"}


# ---------------------------------------------------------------- the space


def test_numbers_are_cut_into_regions_at_every_constant():
    regions = regions_for("parties", [Cmp("parties", ">=", 5), Cmp("parties", "<=", 2)])
    assert [(r.lo, r.hi, r.point) for r in regions] == [
        (1, 1, True), (2, 2, True), (2, 5, False), (5, 5, True), (5, None, False)]
    assert describe_regions("parties", regions, [0, 1]) == "parties ≤ 2"
    assert describe_regions("parties", regions, [2]) == "3 ≤ parties ≤ 4"
    assert describe_regions("parties", regions, [3, 4]) == "parties ≥ 5"
    amounts = regions_for("amount", [Cmp("amount", "<", Decimal(5000))])
    assert describe_regions("amount", amounts, [1]) == "0 < amount < 5000"


def test_boxes_of_the_shipped_rules():
    space = Space(shipped_rules())
    rules = {r.id: r for r in shipped_rules().routing_rules}
    assert [space.describe(b) for b in space.boxes(rules["petition_lawyer"])] == [
        "petition = true and parties ≥ 5", "petition = true and risk = high"]
    assert space.describe(space.boxes(rules["small_oral"])[0]) == (
        "form = oral and category in {contract, damages, neighbor, other} and parties ≤ 2 and amount < 5000")
    assert [space.describe(u) for u in space.universe] == ["referred_by = null", "referred_by ≠ null"]


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_box_algebra(data):
    space = Space(shipped_rules())
    boxes = [b for r in shipped_rules().routing_rules for b in space.boxes(r)]
    a, b = data.draw(st.sampled_from(boxes)), data.draw(st.sampled_from(boxes))
    pieces = space.subtract(a, b)
    inside = space.meet(a, b)
    parts = pieces + ([inside] if inside is not None else [])
    assert sum(space.size(p) for p in parts) == space.size(a)
    for x, y in itertools.combinations(parts, 2):
        assert space.meet(x, y) is None
    union = space.union([a, b])
    assert sum(space.size(p) for p in union) == space.size(a) + space.size(b) - (space.size(inside) if inside else 0)


# ---------------------------------------------------------------- against brute force

_FIELDS = {
    "request": ["mediation", "consultation", "petition"],
    "category": ["medical", "labor", "contract", "neighbor"],
    "form": ["oral", "written"],
    "risk": ["low", "high"],
    "petition": [True, False],
}
_THRESHOLDS = {"parties": [2, 5, 10], "amount": [5000, 500000]}
_DESTINATIONS = ["room.general", "room.medical", "room.lawyer", "window.mediation"]


def _condition():
    finite = st.sampled_from(list(_FIELDS)).flatmap(
        lambda f: st.lists(st.sampled_from(_FIELDS[f]), min_size=1, max_size=2, unique=True).map(
            lambda vs, f=f: {f: vs[0] if len(vs) == 1 else {"in": vs}}))
    numeric = st.sampled_from(list(_THRESHOLDS)).flatmap(
        lambda f: st.tuples(st.sampled_from(["<", ">="]), st.sampled_from(_THRESHOLDS[f])).map(
            lambda p, f=f: {f: {p[0]: p[1]}}))
    text = st.sampled_from(["欠薪", "拖欠薪水", "噪音"]).map(lambda w: {"summary": {"contains_any": [w]}})
    atom = st.one_of(finite, finite, numeric, text)
    part = st.one_of(atom, st.lists(atom, min_size=2, max_size=2).map(lambda xs: {"any": xs}),
                     atom.map(lambda x: {"not": x}))
    return st.lists(part, min_size=1, max_size=3).map(lambda parts: {"all": parts})


@lru_cache(maxsize=1)
def _cases() -> tuple:
    """One case per distinguishable combination: the values the generated rules name, one value they
    do not name (it behaves like any other), a number in every region of the thresholds, and every
    possible combination of the words."""
    values = {k: [*v, extra] for (k, v), extra in zip(_FIELDS.items(), ["legal_aid", "traffic", None, "medium", None],
                                                      strict=True)}
    values = {k: [x for x in v if x is not None] for k, v in values.items()}
    numbers = {"parties": [1, 2, 3, 5, 6, 10, 11], "amount": [0, 1, 5000, 5001, 500000, 500001]}
    texts = ["无关", "欠薪", "拖欠薪水", "噪音", "欠薪噪音", "拖欠薪水噪音"]
    keys = list(values)
    out = []
    for combo in itertools.product(*(values[k] for k in keys)):
        for parties, amount, summary in itertools.product(numbers["parties"], numbers["amount"], texts):
            fields = dict(zip(keys, combo, strict=True))
            out.append(make_case(shipped_rules(), **fields, parties=parties, amount=amount, summary=summary))
    return tuple(out)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(conditions=st.lists(_condition(), min_size=2, max_size=6),
       destinations=st.lists(st.sampled_from(_DESTINATIONS), min_size=6, max_size=6))
def test_dead_rules_are_exactly_those_no_case_reaches(tmp_path_factory, conditions, destinations):
    import yaml

    folder = tmp_path_factory.mktemp("gen")
    routing = [{"id": f"r{i}", "when": c, "to": destinations[i]} for i, c in enumerate(conditions)]
    routing.append({"id": "fallback", "to": "room.general"})
    (folder / "set.yaml").write_text(f"extends: {ROOT / 'rules'}\n", encoding="utf-8")
    (folder / "routing.yaml").write_text(yaml.safe_dump({"routing": routing}, allow_unicode=True), encoding="utf-8")
    rules = load_rules(folder)
    reached = {rules.route(c).rule for c in _cases()}  # the compiled engine (tests/test_compile.py checks it)
    dead = {r.id for r in rules.routing_rules} - reached
    rep = lint(rules)
    flagged = {f.rule for f in rep.findings if f.policy == "routing"
               and f.code in ("shadowed", "redundant", "never-matches", "fallback-unreachable")}
    assert flagged == dead


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(conditions=st.lists(_condition(), min_size=2, max_size=5),
       destinations=st.lists(st.sampled_from(_DESTINATIONS), min_size=5, max_size=5))
def test_the_rules_that_take_a_rules_cases_are_exactly_those_found_by_brute_force(tmp_path_factory, conditions,
                                                                                  destinations):
    import yaml

    from mediation.rules.compile import compile_rules
    from mediation.rules.lint.policy import walk

    folder = tmp_path_factory.mktemp("gen")
    routing = [{"id": f"r{i}", "when": c, "to": destinations[i]} for i, c in enumerate(conditions)]
    routing.append({"id": "fallback", "to": "room.general"})
    (folder / "set.yaml").write_text(f"extends: {ROOT / 'rules'}\n", encoding="utf-8")
    (folder / "routing.yaml").write_text(yaml.safe_dump({"routing": routing}, allow_unicode=True), encoding="utf-8")
    rules = load_rules(folder)
    matches = [compile_rules([r.when, None], rules.domains).fn for r in rules.routing_rules]
    takers: dict[int, set[int]] = {i: set() for i in range(len(matches))}
    for c in _cases():
        first = rules.route(c).rule
        k = next(i for i, r in enumerate(rules.routing_rules) if r.id == first)
        for i, fn in enumerate(matches):
            if i != k and fn(c) == 0:
                takers[i].add(k)
    w = walk(Space(rules), "routing", rules.routing_rules)
    last = len(matches) - 1  # the fallback's takers are every rule that decides a case: not tracked
    assert {v.index: {j for j in v.takers if j >= 0} for v in w.verdicts[:last]} == {
        i: t for i, t in takers.items() if i != last}
