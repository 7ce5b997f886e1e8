"""Partners (tokens stored hashed, supervisor only, recorded) and keyed, idempotent registration."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from mediation import desk
from mediation.desk.partners import token_digest
from mediation.errors import (
    CaseError,
    InputError,
    NotFound,
    PermissionDenied,
    Refused,
    Unauthenticated,
)
from mediation.store.schema import cases, partners, requests

CASE = {"form": "书面", "category": "合同", "street": "相南街道", "summary": "借款纠纷（委托示例）",
        "applicant_name": "张三", "applicant_phone": "13800138000", "respondent_name": "李四"}


def test_a_partner_is_added_by_a_supervisor_with_a_token_stored_only_hashed(db, rules):
    with pytest.raises(PermissionDenied, match="clerk01 \\(clerk\\) may not manage partners"):
        desk.add_partner(db, rules, "court1", "court", operator="clerk01")
    with pytest.raises(NotFound, match="unknown department 'courts'"):
        desk.add_partner(db, rules, "court1", "courts", operator="sup01")
    with pytest.raises(InputError, match="partner id 'Court 1' is not valid"):
        desk.add_partner(db, rules, "Court 1", "court", operator="sup01")
    partner, token = desk.add_partner(db, rules, "court1", "court", operator="sup01")
    assert partner.operator == "partner:court1" and partner.department == "court"
    with db.read() as conn:
        row = conn.execute(select(partners)).mappings().one()
        dump = repr(dict(row))
    assert token not in dump and row["token_sha256"] == token_digest(token)
    assert desk.authenticate(db, token).id == "court1"
    with pytest.raises(Refused, match="partner court1 already exists"):
        desk.add_partner(db, rules, "court1", "court", operator="sup01")
    desk.revoke_partner(db, rules, "court1", operator="sup01")
    with pytest.raises(Unauthenticated, match="token of partner court1 was revoked"):
        desk.authenticate(db, token)
    with pytest.raises(Unauthenticated, match="not valid"):
        desk.authenticate(db, token + "x")
    assert [(c["action"], c["operator"]) for c in desk.partner_history(db, "court1")] == [
        ("add", "sup01"), ("revoke", "sup01")]
    assert [p.active for p in desk.list_partners(db)] == [False]


def test_an_entrusted_case_is_a_referral_by_the_partners_department(db, rules):
    partner, _ = desk.add_partner(db, rules, "police1", "police", operator="sup01")
    record = desk.entrust(db, rules, {**CASE, "channel": "walk_in", "referred_by": "court"}, partner=partner)
    assert (record.row["channel"], record.row["referred_by"]) == ("referral", "police")
    assert record.events[0]["operator"] == "partner:police1"
    headed = desk.entrust(db, rules, {**CASE, "来源渠道": "来访", "委托移送单位": "法院"}, partner=partner)
    assert (headed.row["channel"], headed.row["referred_by"]) == ("referral", "police")
    with pytest.raises(CaseError, match="case_no is given by the centre"):
        desk.entrust(db, rules, {**CASE, "case_no": "XS-2020-00001"}, partner=partner)
    with pytest.raises(CaseError, match="case_no is given by the centre"):
        desk.entrust(db, rules, {**CASE, "案件编号": "XS-2020-00001"}, partner=partner)
    desk.revoke_partner(db, rules, "police1", operator="sup01")
    with pytest.raises(Unauthenticated):
        desk.entrust(db, rules, CASE, partner=partner)


def test_a_keyed_registration_is_answered_once(db, rules):
    first = desk.register(db, rules, CASE, operator="clerk01", request_key="k-1")
    again = desk.register(db, rules, {**CASE, "summary": "changed"}, operator="clerk01", request_key="k-1")
    assert again.replayed and not first.replayed
    assert again.case_no == first.case_no and again.answer == first.answer
    other = desk.register(db, rules, CASE, operator="clerk02", request_key="k-1")  # another requester
    assert other.case_no != first.case_no
    with pytest.raises(InputError, match="request key"):
        desk.register(db, rules, CASE, operator="clerk01", request_key="with space")
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(cases)).scalar_one() == 2
        assert conn.execute(select(func.count()).select_from(requests)).scalar_one() == 2


@pytest.mark.slow
def test_racing_retries_register_one_case(db, rules):
    partner, _ = desk.add_partner(db, rules, "hotline", "petition_bureau", operator="sup01")
    barrier = threading.Barrier(8)
    got, errors = [], []

    def submit():
        barrier.wait()
        try:
            got.append(desk.entrust(db, rules, CASE, partner=partner, request_key="race-1"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({r.case_no for r in got}) == 1
    assert len({repr(r.answer) for r in got}) == 1
    assert sum(not r.replayed for r in got) == 1
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(cases)).scalar_one() == 1
