"""A case's review and routing as JSON: the shape of ``mediation route --json`` (docs/design.md §7).

The same object is a line of ``mediation replay --out`` (with ``line``) and
the answer of the HTTP decision API.
"""

from __future__ import annotations

from datetime import date, datetime

from mediation.domain import Case
from mediation.rules.engine import RuleSet


def route_result(case: Case, rules: RuleSet, *, as_of: date | datetime | None = None,
                 explain: bool = False) -> dict:
    """The JSON shape of docs/design.md §7 for one case (with ``trace`` when explaining)."""
    if explain:
        ex = rules.explain(case, as_of=as_of)
        out = {"case_no": case.case_no, "review": ex.review.as_dict(),
               "decision": ex.decision.as_dict() if ex.decision else None}
        out["trace"] = [s.as_dict() for s in ex.steps]
        return out
    review, decision = rules.evaluate(case, as_of=as_of)
    return {"case_no": case.case_no, "review": review.as_dict(),
            "decision": decision.as_dict() if decision else None}
