"""The rules engine: load -> validate -> compile -> evaluate / explain.

    from mediation.rules import explain, load_rules, review, route
    rules = load_rules("rules")
    review(case, rules)                 # Review
    route(case, rules)                  # Decision
    explain(case, rules)                # Explanation: review, decision and every rule tried

The engine never touches a database, the clock or a terminal.
"""

from __future__ import annotations

from datetime import date, datetime

from mediation.domain import Case, Decision, Review
from mediation.rules.engine import Explanation, RuleSet, Step
from mediation.rules.load import load_rules

__all__ = ["Explanation", "RuleSet", "Step", "explain", "load_rules", "review", "route"]


def review(case: Case, rules: RuleSet, *, as_of: date | datetime | None = None) -> Review:
    """受理审查 of ``case`` under ``rules`` (by the rules in force on ``as_of`` or its date)."""
    return rules.review(case, as_of=as_of)


def route(
    case: Case, rules: RuleSet, *, as_of: date | datetime | None = None, explain: bool = False
) -> Decision | Explanation:
    """分流 of ``case``; with ``explain=True`` the review and routing with their trace."""
    if explain:
        return rules.explain(case, as_of=as_of)
    return rules.route(case, as_of=as_of)


def explain(case: Case, rules: RuleSet, *, as_of: date | datetime | None = None) -> Explanation:
    """The review and routing of ``case`` with every rule tried: which matched, and why the others did not."""
    return rules.explain(case, as_of=as_of)
