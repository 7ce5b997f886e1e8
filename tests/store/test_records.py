"""Rows <-> cases, and whole cases inserted in a batch (what a persisted replay calls)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from mediation import desk
from mediation.cases import parse_case
from mediation.lifecycle import fold
from mediation.store.bulk import CaseInsert, insert_cases
from mediation.store.records import case_from_row, case_row, event_row, party_rows

AT = datetime(2020, 3, 2, 9, 0)


def history(rules, n: int) -> CaseInsert:
    """A closed historical case with its whole timeline."""
    case = parse_case({"case_no": f"XS-2020-{n:05d}", "received_at": AT, "form": "口头", "category": "邻里",
                       "street": "东街道", "summary": "历史（合成示例）", "amount": "1234.5",
                       "applicant_name": "王五"}, rules)
    at = [AT + timedelta(hours=h) for h in range(6)]
    steps = [("register", None, "registered"), ("review", "registered", "under_review"),
             ("divert", "under_review", "diverted"), ("take", "diverted", "in_progress"),
             ("settle", "in_progress", "settled"), ("close", "settled", "closed")]
    events = [event_row(t, f, to, at=a, operator="replay", rules_digest=rules.digest,
                        destination=None if t in ("register", "review") else "window.mediation")
              for (t, f, to), a in zip(steps, at, strict=True)]
    row = case_row(case, case_no=case.case_no, at=AT, rules_digest=rules.digest, state="closed",
                   destination="window.mediation", outcome="settled", agreement_form="oral",
                   stage_at=at[-1])
    return CaseInsert(row, party_rows(case, case.case_no), events)


def test_a_row_gives_back_the_case(db, rules):
    case = parse_case({"form": "书面", "category": "医疗", "street": "相南街道", "summary": "s",
                       "amount": 86000.5, "petition": "是", "applicant_name": "张三",
                       "respondents": [{"name": "李四", "phone": "13812345678"}]}, rules, now=AT)
    rec = desk.register(db, rules, {"form": "书面", "category": "医疗", "street": "相南街道",
                                       "summary": "s", "amount": 86000.5, "petition": "是",
                                       "applicant_name": "张三",
                                       "respondents": [{"name": "李四", "phone": "13812345678"}]},
                           operator="clerk01", at=AT)
    back = rec.case()
    case.case_no = rec.case_no
    assert back == case and back.amount == Decimal("86000.5")
    assert case_from_row(rec.row).applicants == ()


def test_whole_cases_in_one_batch_and_again_exactly_once(db, rules):
    batch = [history(rules, n) for n in (7, 8, 9)]
    with db.write() as conn:
        assert insert_cases(conn, batch) == 3
    with db.write() as conn:
        assert insert_cases(conn, batch + [history(rules, 10)], skip_existing=True) == 1
    for n in (7, 10):
        rec = desk.show(db, f"XS-2020-{n:05d}")
        assert rec.state == fold(rec.events) == "closed" and rec.version == 6
        assert rec.parties[0]["name"] == "王五" and rec.row["amount"] == Decimal("1234.50")
    # the given numbers left the desk's counter alone (it skips them when it gets there)
    assert desk.register(db, rules, {"form": "口头", "category": "邻里", "street": "东街道",
                                        "summary": "s"}, operator="clerk01", at=AT).case_no == "XS-2020-00001"
    with pytest.raises(IntegrityError), db.write() as conn:
        insert_cases(conn, [history(rules, 7)])
