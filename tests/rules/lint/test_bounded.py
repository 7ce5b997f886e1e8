"""The bounded analysis: what lint does when a policy is too entangled for the exact one (issue 11).

Generated policies whose rules all overlap (each with words of its own and an
``any`` of thresholds) cut the cases into exponentially many first-match
pieces; past ``policy.MAX_WORK`` the lint checks rule against rule instead and
says what it could not prove. Its speed is measured by benchmarks/lint.py
(``generate_thresholds``), not here.
"""

from __future__ import annotations

import random

import pytest

from mediation.rules import load_rules
from mediation.rules.lint import policy
from mediation.rules.lint.findings import lint
from mediation.rules.lint.policy import bounded_walk, walk
from mediation.rules.lint.space import Space
from tests.support import ROOT, shipped_rules

SETS = ROOT / "tests" / "rules" / "lint_sets"
WORDS = ["欠薪", "噪音", "漏水", "停车", "装修", "借款", "彩礼", "押金"]


def entangled(n: int, seed: int = 7) -> str:
    """``n`` routing rules, each with two words of its own and an any of an amount and a parties threshold."""
    rnd = random.Random(seed)
    lines = ["routing:"]
    for i in range(n - 1):
        when = (f"{{summary: {{contains_any: [{rnd.choice(WORDS)}{i}甲, {rnd.choice(WORDS)}{i}乙]}}, any: "
                f"[{{amount: {{'>=': {rnd.randrange(1000, 100000, 500)}}}}}, {{parties: {{'>=': {rnd.randrange(2, 30)}}}}}]}}")
        lines.append(f"  - {{id: r{i:03d}, when: {when}, to: room.general}}")
    lines.append("  - {id: fallback, to: room.general}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def entangled_set(tmp_path):
    (tmp_path / "set.yaml").write_text(f"extends: {ROOT / 'rules'}\n", encoding="utf-8")
    (tmp_path / "routing.yaml").write_text(entangled(40), encoding="utf-8")
    # a copy of an earlier rule: inside one earlier rule, so proven dead even rule against rule
    text = (tmp_path / "routing.yaml").read_text(encoding="utf-8").splitlines()
    copy = text[3].replace("id: r002,", "id: again,")
    (tmp_path / "routing.yaml").write_text("\n".join([*text[:-1], copy, text[-1]]) + "\n", encoding="utf-8")
    return load_rules(tmp_path)


def test_past_the_budget_the_walk_is_bounded_and_says_what_it_could_not_prove(entangled_set, monkeypatch):
    exact = lint(entangled_set)
    assert not any(f.code == "bounded-analysis" for f in exact.findings)
    monkeypatch.setattr(policy, "MAX_WORK", 1000)
    bounded = lint(entangled_set)
    (note,) = [f for f in bounded.findings if f.code == "bounded-analysis"]
    assert note.severity == "info" and note.policy == "routing" and note.rule == "fallback"
    assert "Not proven: rules shadowed only by several earlier rules together" in note.message
    assert "gaps" in note.message and not [f for f in bounded.findings if f.code == "gap" and f.policy == "routing"]
    # the copy of r002 is found dead either way; rule against rule it says so, approximately
    dead = {f.rule for f in exact.findings if f.code in ("redundant", "shadowed")}
    assert dead == {"again"}
    (again,) = [f for f in bounded.findings if f.rule == "again" and f.code in ("redundant", "shadowed")]
    assert again.bounded and again.approximate and "bounded analysis, rule against rule" in str(again)
    assert again.as_dict()["bounded"] is True
    # the review policy, small, stays exact
    assert not any(f.bounded for f in bounded.findings if f.policy == "review")


@pytest.mark.parametrize("name", ["shadowed", "redundant", "overlap", "gap", "never_matches", "text", "dated"])
def test_the_bounded_walk_never_claims_more_than_the_exact_one(name):
    """Rule against rule: a dead rule is dead, and every earlier rule that really takes cases is found."""
    rules = load_rules(SETS / name)
    space = Space(rules)
    for stage, items in (("review", rules.review_rules), ("routing", rules.routing_rules)):
        exact, bounded = walk(space, stage, items), bounded_walk(space, stage, items)
        assert not exact.bounded and bounded.bounded
        for e, b in zip(exact.verdicts, bounded.verdicts, strict=True):
            assert not b.dead or e.dead, (name, stage, e.rule.id)
            assert set(e.takers) <= set(b.takers), (name, stage, e.rule.id)


def test_the_shipped_set_stays_exact():
    assert not any(f.bounded or f.code == "bounded-analysis" for f in lint(shipped_rules()).findings)
