"""Property: whatever commands a desk throws at a case, folding its events gives its stored state."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, event, given
from hypothesis import strategies as st

from mediation import desk
from mediation.errors import MediationError
from mediation.lifecycle import fold
from tests.support import AGREEMENT, examples

CASES = [
    {"form": "书面", "category": "医疗", "street": "相南街道", "summary": "医疗（合成）"},
    {"form": "口头", "category": "邻里", "street": "东街道", "summary": "噪音（合成）", "request": "咨询"},
    {"form": "口头", "category": "劳动争议", "street": "曲阳街道", "summary": "欠薪（合成）"},
    {"form": "口头", "category": "邻里", "street": "西街道", "summary": "漏水（合成）", "amount": 800},
    {"form": "书面", "category": "合同", "street": "相南街道", "summary": "已起诉（合成）",
     "litigation_pending": True},
    {"form": "书面", "category": "合同", "street": "杜集区", "summary": "区外（合成）"},
]
ACTIONS = ("review", "divert", "override", "take", "settle", "fail", "serve", "transfer", "extend",
           "withdraw", "close", "reveal", "stale")
WHO = ("clerk01", "sup01", "own", "other")
DESTINATIONS = ("room.general", "room.medical", "room.labor", "window.mediation", "window.consult")

#: "next": the natural next step for the case's state, by the right person (so that
#: sequences get past the first states as often as they are refused).
NEXT = {"registered": ("review", "clerk01"), "under_review": ("divert", "clerk01"),
        "diverted": ("take", "own"), "settled": ("close", "clerk01"), "unsettled": ("close", "clerk01"),
        "served": ("close", "clerk01")}

step = st.tuples(st.sampled_from(ACTIONS + ("next",) * 8), st.sampled_from(WHO), st.sampled_from(DESTINATIONS),
                 st.integers(1, 40))


def operator_for(rules, who: str, destination: str | None) -> str:
    mediators = [op for op in rules.staff.values() if op.role == "mediator"]
    if who == "own":
        return next((op.id for op in mediators if destination in op.destinations), "med_general")
    if who == "other":
        return next(op.id for op in mediators if destination not in op.destinations)
    return who


def run(db, rules, no: str, action: str, operator: str, dest: str, n: int, at: datetime):
    kw = {"operator": operator, "at": at}
    if action == "override":
        return desk.divert(db, rules, no, to=dest, reason="改派（测试）", **kw)
    if action == "stale":
        return desk.take(db, rules, no, expect_version=0, **kw)
    if action == "settle":
        kw["agreement_form"] = ("oral", "written")[n % 2]
        kw["agreement"] = AGREEMENT if kw["agreement_form"] == "written" else None
    elif action == "fail":
        kw["routes"] = ["litigation"]
    elif action == "transfer":
        kw.update(to=dest, reason="转办（测试）")
    elif action == "extend":
        kw.update(days=n, consent=True)
    return getattr(desk, action)(db, rules, no, **kw)


@examples("few", suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(CASES), steps=st.lists(step, max_size=14))
def test_fold_of_a_cases_events_is_its_stored_state(db, rules, case, steps):
    at = datetime(2020, 6, 15, 9, 0)
    no = desk.register(db, rules, case, operator="clerk01", at=at).case_no
    after = desk.show(db, no)
    for minute, (action, who, dest, n) in enumerate(steps, 1):
        before = desk.show(db, no)
        if action == "next":
            action, who = NEXT.get(before.state, ("close", "clerk01"))
            if before.state == "in_progress":
                action = "serve" if before.row["destination"].startswith("window.") else "settle"
                who = "own"
        operator = operator_for(rules, who, before.row["destination"])
        try:
            after = run(db, rules, no, action, operator, dest, n, at + timedelta(minutes=minute))
        except MediationError:
            after = desk.show(db, no)
            assert after.version == before.version  # a refusal writes nothing
            assert after.row == before.row
        else:
            assert after.version > before.version
        assert fold(after.events) == after.state
        assert after.version == len(after.events)
        assert [e["seq"] for e in after.events] == list(range(1, after.version + 1))
        assert [e["at"] for e in after.events] == sorted(e["at"] for e in after.events)
    event(f"ends {after.state}")
