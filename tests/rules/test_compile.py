"""The compiled decision trees agree with the reference semantics of conditions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from mediation.domain import CHANNELS, FORMS, REQUESTS, RISKS, Case
from mediation.rules.compile import compile_rules, terms_of
from mediation.rules.conditions import holds
from mediation.rules.model import AllOf, AnyOf, Cmp, NotOf
from tests.support import examples, shipped_rules

RULES = shipped_rules()
CAT = RULES.catalogue
DEPARTMENTS = sorted(CAT.departments)
CATEGORIES = sorted(CAT.categories)
UNITS = sorted(CAT.units)

FINITE = {
    "request": REQUESTS,
    "channel": CHANNELS,
    "form": FORMS,
    "risk": RISKS,
    "category": tuple(CATEGORIES),
    "street": tuple(UNITS),
    "referred_by": (None, *DEPARTMENTS),
    "petition": (True, False),
    "litigation_pending": (True, False),
    "criminal": (True, False),
    "party_refuses": (True, False),
    "in_district": (True, False),
}


@st.composite
def cases(draw):
    referred_by = draw(st.sampled_from(FINITE["referred_by"]))
    return Case(
        form=draw(st.sampled_from(FORMS)),
        category=draw(st.sampled_from(CATEGORIES)),
        street=draw(st.sampled_from(UNITS)),
        summary=draw(st.sampled_from(["邻居漏水", "欠薪讨薪", "物業(yè)費", "其他"])),
        received_at=datetime(2020, 6, 1),
        request=draw(st.sampled_from(REQUESTS)),
        channel="referral" if referred_by else draw(st.sampled_from(CHANNELS[:-1])),
        referred_by=referred_by,
        community=draw(st.sampled_from([None, "曙光社区", "园林"])),
        parties=draw(st.integers(1, 40)),
        amount=Decimal(draw(st.sampled_from([0, 1, 4999, 5000, 499999, 500000, 10**6]))),
        petition=draw(st.booleans()),
        litigation_pending=draw(st.booleans()),
        criminal=draw(st.booleans()),
        party_refuses=draw(st.booleans()),
        risk=draw(st.sampled_from(RISKS)),
    )


def atoms():
    finite = st.sampled_from(sorted(FINITE)).flatmap(
        lambda f: st.one_of(
            st.sampled_from(FINITE[f]).map(lambda v: Cmp(f, "==", v)),
            st.sampled_from(FINITE[f]).map(lambda v: Cmp(f, "!=", v)),
            st.sets(st.sampled_from(FINITE[f]), min_size=1, max_size=4).map(
                lambda vs: Cmp(f, "in", frozenset(vs))),
            st.sets(st.sampled_from(FINITE[f]), min_size=1, max_size=4).map(
                lambda vs: Cmp(f, "not_in", frozenset(vs))),
        )
    )
    numeric = st.tuples(
        st.sampled_from(["parties", "amount"]),
        st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
        st.sampled_from([1, 2, 5, 10, 5000, 500000]),
    ).map(lambda t: Cmp(t[0], t[1], Decimal(t[2]) if t[0] == "amount" else t[2]))
    text = st.one_of(
        st.sets(st.sampled_from(["欠薪", "物业", "漏水"]), min_size=1).map(
            lambda ws: Cmp("summary", "contains_any", frozenset(ws))),
        st.sampled_from([None, "曙光社区"]).map(lambda v: Cmp("community", "==", v)),
    )
    return st.one_of(finite, finite, numeric, text)


conditions = st.recursive(
    atoms(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: AllOf(tuple(xs))),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: AnyOf(tuple(xs))),
        inner.map(NotOf),
    ),
    max_leaves=6,
)


def reference(conds, case):
    return next(i for i, c in enumerate(conds) if holds(c, case, CAT))


@pytest.mark.slow  # an equivalence proved on many generated examples
@examples("normal", suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(conditions, min_size=0, max_size=12), st.lists(cases(), min_size=1, max_size=20))
def test_compiled_rules_match_the_reference_semantics(conds, sample):
    conds = [*conds, None]  # the fallback
    compiled = compile_rules(conds, RULES.domains)
    for case in sample:
        assert compiled.fn(case) == reference(conds, case)


@examples("normal")
@given(cases())
def test_shipped_policies_compile_to_the_reference_semantics(case):
    period = RULES.period(case.received_at)
    review = [r.when for r in period.review_rules]
    routing = [r.when for r in period.routing_rules]
    assert period.review.fn(case) == reference(review, case)
    assert period.route.fn(case) == reference(routing, case)


@examples("normal")
@given(cases())
def test_explain_agrees_with_evaluate(case):
    review, decision = RULES.evaluate(case)
    explained = RULES.explain(case)
    assert explained.review == review and explained.decision == decision
    matched = [s for s in explained.steps if s.matched]
    assert [s.rule for s in matched] == [review.rule] + ([decision.rule] if decision else [])
    # every step before a match names the condition that failed
    assert all(s.failed for s in explained.steps if not s.matched)


def test_impossible_terms_are_dropped():
    cond = AllOf((Cmp("form", "==", "oral"), Cmp("form", "==", "written")))
    assert terms_of(0, cond, RULES.domains) == []


def test_generated_source_names_constants_not_values():
    compiled = compile_rules([Cmp("summary", "contains_any", frozenset({"'); import os; ('"})), None],
                             RULES.domains)
    assert "import os" not in compiled.source
    assert compiled.fn(Case(form="oral", category="other", street="xiangnan", summary="x",
                            received_at=datetime(2020, 1, 1))) == 1


def test_cost_does_not_grow_with_unrelated_rules():
    # 400 rules on distinct (category, street) pairs: a case only meets the few of its own pair
    conds = [AllOf((Cmp("category", "==", c), Cmp("street", "==", s), Cmp("parties", ">=", 3)))
             for c in CATEGORIES for s in UNITS][:400]
    compiled = compile_rules([*conds, None], RULES.domains)
    body = compiled.source
    # the tree dispatches on a field rather than testing 400 rules in a row
    assert ".get(c." in body
    case = Case(form="oral", category=CATEGORIES[3], street=UNITS[2], summary="x",
                received_at=datetime(2020, 1, 1), parties=5)
    assert compiled.fn(case) == reference([*conds, None], case)
