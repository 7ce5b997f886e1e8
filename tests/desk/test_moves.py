"""The service layer: each use case, roles, time checks, conflicts, numbering, reveal."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from mediation import clock, desk
from mediation.errors import (
    CaseError,
    ConcurrentUpdate,
    InputError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    Refused,
)
from mediation.lifecycle import fold
from mediation.personal import id_check_char
from tests.support import AGREEMENT

T0 = datetime(2020, 6, 15, 9, 30)


def t(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def person_id(first17: str = "34060319900101123") -> str:
    return first17 + id_check_char(first17)


def data(**over) -> dict:
    d = {"form": "书面", "category": "医疗", "street": "相南街道", "summary": "术后赔偿争议（合成示例）",
         "parties": 3, "amount": 86000}
    d.update(over)
    return d


def registered(db, rules, at=T0, **over):
    return desk.register(db, rules, data(**over), operator="clerk01", at=at)


def diverted(db, rules, **over):
    no = registered(db, rules, **over).case_no
    desk.review(db, rules, no, operator="clerk01", at=t(1))
    return desk.divert(db, rules, no, operator="clerk01", at=t(2))


def triggers(record) -> list[str]:
    return [e["trigger"] for e in record.events]


def consistent(record) -> None:
    assert fold(record.events) == record.state
    assert record.version == len(record.events)
    assert [e["seq"] for e in record.events] == list(range(1, len(record.events) + 1))


# ----------------------------------------------------------------------- the lifecycle


def test_a_room_case_from_registration_to_closing(db, rules):
    rec = registered(db, rules, applicant_name="张三", applicant_phone="13812345678")
    assert rec.case_no == "XS-2020-00001" and rec.state == "registered" and rec.written == 1
    no = rec.case_no
    rec = desk.review(db, rules, no, operator="clerk01", at=t(1))
    assert rec.state == "under_review"
    review = rec.events[-1]
    assert (review["rule"], review["details"]["outcome"]) == ("accept", "accepted")
    rec = desk.divert(db, rules, no, operator="clerk01", at=t(2))
    assert (rec.state, rec.row["destination"]) == ("diverted", "room.medical")
    rec = desk.take(db, rules, no, operator="med_medical", at=t(60 * 24))
    rec = desk.settle(db, rules, no, agreement_form="written", agreement=AGREEMENT, operator="med_medical",
                      at=t(60 * 24 * 10))
    assert (rec.state, rec.row["outcome"], rec.row["agreement_form"]) == ("settled", "settled", "written")
    rec = desk.close(db, rules, no, operator="clerk01", at=t(60 * 24 * 20))
    assert rec.state == "closed"
    assert triggers(rec) == ["register", "review", "divert", "take", "settle", "close"]
    assert [e["operator"] for e in rec.events] == ["clerk01"] * 3 + ["med_medical"] * 2 + ["clerk01"]
    assert all(e["rules_digest"] == rules.digest for e in rec.events)
    consistent(rec)


def test_a_window_case_is_served(db, rules):
    no = registered(db, rules, request="法律咨询", form="口头").case_no
    desk.review(db, rules, no, operator="clerk01", at=t(1))
    rec = desk.divert(db, rules, no, operator="clerk01", at=t(2))
    assert rec.row["destination"] == "window.consult"
    desk.take(db, rules, no, operator="med_lawyer", at=t(3))
    with pytest.raises(Refused, match="settle is for mediation rooms"):
        desk.settle(db, rules, no, agreement_form="oral", operator="med_lawyer", at=t(4))
    rec = desk.serve(db, rules, no, operator="med_lawyer", at=t(4))
    assert (rec.state, rec.row["outcome"]) == ("served", "served")
    consistent(desk.close(db, rules, no, operator="clerk01", at=t(5)))


def test_review_rejects_and_refers_out_by_the_rules(db, rules):
    rec = registered(db, rules, litigation_pending=True)
    rec = desk.review(db, rules, rec.case_no, operator="clerk01", at=t(1))
    assert rec.state == "rejected" and rec.written == 2
    assert triggers(rec) == ["register", "review", "reject"]
    assert rec.events[-1]["rule"] == rec.events[-2]["rule"] and rec.events[-1]["reason"]
    consistent(rec)
    rec = registered(db, rules, street="杜集区")
    rec = desk.review(db, rules, rec.case_no, operator="clerk01", at=t(1))
    assert rec.state == "referred_out"
    assert rec.events[-1]["details"] == {"to": "duji"}
    consistent(rec)


def test_divert_stores_the_decision_and_its_explanation(db, rules):
    rec = diverted(db, rules)
    e = rec.events[-1]
    assert (e["trigger"], e["destination"], e["rule"]) == ("divert", "room.medical", "medical")
    assert e["details"]["decision"]["department"] == "health"
    trace = e["details"]["explanation"]["trace"]
    assert trace[-1] == {**trace[-1], "rule": "medical", "matched": True}
    assert rec.row["stage_at"] == t(2)


def test_invalid_trigger_names_the_state(db, rules):
    no = registered(db, rules).case_no
    with pytest.raises(InvalidTransition, match="cannot take a case that is registered: allowed from registered: review, withdraw"):
        desk.take(db, rules, no, operator="sup01", at=t(1))
    with pytest.raises(NotFound, match="no case XS-2020-00099"):
        desk.review(db, rules, "XS-2020-00099", operator="clerk01")


# ----------------------------------------------------------------------- override and roles


def test_only_a_supervisor_overrides_routing_with_a_reason(db, rules):
    no = registered(db, rules).case_no
    desk.review(db, rules, no, operator="clerk01", at=t(1))
    with pytest.raises(PermissionDenied, match=r"clerk01 \(clerk\) may not override XS-2020-00001: only supervisors may"):
        desk.divert(db, rules, no, operator="clerk01", at=t(2), to="room.lawyer", reason="疑难")
    with pytest.raises(InputError, match="needs a reason"):
        desk.divert(db, rules, no, operator="sup01", at=t(2), to="room.lawyer")
    with pytest.raises(Refused, match="already send XS-2020-00001 to room.medical"):
        desk.divert(db, rules, no, operator="sup01", at=t(2), to="医疗纠纷调解室", reason="x")
    rec = desk.divert(db, rules, no, operator="sup01", at=t(2), to="律师调解室", reason="涉法涉诉，疑难复杂")
    assert rec.row["destination"] == "room.lawyer" and rec.written == 2
    override, divert = rec.events[-2:]
    assert (override["trigger"], override["from_state"], override["to_state"]) == (
        "override", "under_review", "under_review")
    assert override["details"] == {"routed": "room.medical"} and override["reason"] == "涉法涉诉，疑难复杂"
    assert divert["destination"] == "room.lawyer"
    assert divert["details"]["decision"]["destination"] == "room.medical"
    assert divert["details"]["override"] == {"destination": "room.lawyer", "routed": "room.medical"}
    consistent(rec)


@pytest.mark.parametrize("action, operator, message", [
    ("register", "med_medical", r"med_medical \(mediator\) may not register: only clerks and supervisors may"),
    ("take", "clerk01", r"clerk01 \(clerk\) may not take XS-2020-00001: only supervisors and mediators"),
    ("take", "med_labor", r"med_labor \(mediator at room.labor\) may not take XS-2020-00001: it is at room.medical"),
])
def test_roles_refuse(db, rules, action, operator, message):
    rec = diverted(db, rules)
    with pytest.raises(PermissionDenied, match=message):
        if action == "register":
            desk.register(db, rules, data(), operator=operator, at=t(3))
        else:
            getattr(desk, action)(db, rules, rec.case_no, operator=operator, at=t(3))
    assert desk.show(db, rec.case_no).version == rec.version


def test_operator_is_required_and_known(db, rules):
    with pytest.raises(InputError, match="needs an operator"):
        desk.register(db, rules, data(), operator=None, at=T0)
    with pytest.raises(NotFound, match="unknown operator 'clerk1'.*did you mean 'clerk01'"):
        desk.register(db, rules, data(), operator="clerk1", at=T0)


def test_third_transfer_needs_a_supervisor(db, rules):
    no = diverted(db, rules).case_no
    desk.transfer(db, rules, no, to="room.general", reason="涉及多方", operator="med_medical", at=t(3))
    desk.transfer(db, rules, no, to="room.medical", reason="回到医调委", operator="med_general", at=t(4))
    with pytest.raises(PermissionDenied, match="third transfer needs a supervisor"):
        desk.transfer(db, rules, no, to="room.lawyer", reason="再转", operator="med_medical", at=t(5))
    rec = desk.transfer(db, rules, no, to="律师调解室", reason="疑难", operator="sup01", at=t(5))
    assert (rec.row["transfers"], rec.row["destination"], rec.state) == (3, "room.lawyer", "diverted")
    assert rec.events[-1]["details"] == {"from": "room.medical"}
    consistent(rec)


def test_extend_once_with_consent(db, rules):
    no = diverted(db, rules).case_no
    desk.take(db, rules, no, operator="med_medical", at=t(3))
    with pytest.raises(Refused, match="consent"):
        desk.extend(db, rules, no, days=10, consent=None, operator="med_medical", at=t(4))
    with pytest.raises(Refused, match="at most 30 days"):
        desk.extend(db, rules, no, days=31, consent=True, operator="med_medical", at=t(4))
    rec = desk.extend(db, rules, no, days=10, consent=True, operator="med_medical", at=t(4))
    assert (rec.row["extended"], rec.row["extension_days"], rec.state) == (True, 10, "in_progress")
    with pytest.raises(Refused, match="already extended once"):
        desk.extend(db, rules, no, days=5, consent=True, operator="med_medical", at=t(5))


def test_fail_records_the_routes_and_withdraw_any_open_case(db, rules):
    no = diverted(db, rules).case_no
    desk.take(db, rules, no, operator="med_medical", at=t(3))
    rec = desk.fail(db, rules, no, routes=["litigation", "arbitration"], operator="med_medical", at=t(4))
    assert (rec.state, rec.row["outcome"]) == ("unsettled", "unsettled")
    assert rec.events[-1]["details"] == {"routes": ["litigation", "arbitration"]}
    other = registered(db, rules).case_no
    rec = desk.withdraw(db, rules, other, operator="clerk01", at=t(1), reason="申请人撤回")
    assert (rec.state, rec.row["outcome"], rec.events[-1]["reason"]) == ("withdrawn", "withdrawn", "申请人撤回")


# ----------------------------------------------------------------------- time


def test_at_may_not_lie_in_the_future_nor_before_the_last_event(db, rules):
    with pytest.raises(Refused, match="lies in the future"):
        desk.register(db, rules, data(), operator="clerk01", at=clock.now() + timedelta(hours=1))
    no = registered(db, rules).case_no
    with pytest.raises(Refused, match=r"lies before the case's last event \(2020-06-15T09:30:00\)"):
        desk.review(db, rules, no, operator="clerk01", at=T0 - timedelta(seconds=1))
    assert desk.review(db, rules, no, operator="clerk01", at=T0).state == "under_review"
    with pytest.raises(CaseError, match="received_at .* lies after the registration"):
        desk.register(db, rules, data(received_at="2020-06-16"), operator="clerk01", at=T0)


def test_at_defaults_to_now(db, rules):
    before = clock.now()
    rec = desk.register(db, rules, data(), operator="clerk01")
    assert before <= rec.row["registered_at"] <= clock.now()
    assert rec.row["received_at"] == rec.row["registered_at"]
    assert rec.case_no.startswith(f"XS-{before.year}-")


# ----------------------------------------------------------------------- numbers


def test_case_numbers_run_per_year_and_respect_given_ones(db, rules):
    assert [registered(db, rules).case_no for _ in range(3)] == [
        "XS-2020-00001", "XS-2020-00002", "XS-2020-00003"]
    assert registered(db, rules, at=datetime(2021, 1, 4, 9)).case_no == "XS-2021-00001"
    assert registered(db, rules, case_no="XS-2020-00100").case_no == "XS-2020-00100"
    assert registered(db, rules).case_no == "XS-2020-00101"
    assert registered(db, rules, case_no="XS-2020-00050").case_no == "XS-2020-00050"
    assert registered(db, rules).case_no == "XS-2020-00102"
    with pytest.raises(Refused, match="case XS-2020-00050 already exists"):
        registered(db, rules, case_no="xs-2020-00050")


# ----------------------------------------------------------------------- conflicts


def test_a_stale_version_is_a_conflict_and_writes_nothing(db, rules):
    rec = registered(db, rules)
    desk.review(db, rules, rec.case_no, operator="clerk01", at=t(1), expect_version=1)
    with pytest.raises(ConcurrentUpdate, match="has changed since you looked at it"):
        desk.divert(db, rules, rec.case_no, operator="clerk01", at=t(2), expect_version=1)
    assert desk.show(db, rec.case_no).state == "under_review"


def test_append_checks_the_version(db, rules):
    from mediation.store.records import append, event_row

    rec = registered(db, rules)
    ev = event_row("review", "registered", "under_review", at=t(1), operator="clerk01")
    with pytest.raises(ConcurrentUpdate, match=r"changed by someone else .*\(version 0, now 1\)"), db.write() as conn:
        append(conn, rec.case_no, 0, {"state": "under_review"}, [ev])
    with db.write() as conn:
        assert append(conn, rec.case_no, 1, {"state": "under_review"}, [ev]) == 2
    consistent(desk.show(db, rec.case_no))


# ----------------------------------------------------------------------- personal data


def test_parties_are_masked_unless_revealed_and_a_reveal_is_an_event(db, rules):
    pid = person_id()
    rec = registered(db, rules, applicants=[{"name": "张三丰", "id_number": pid, "phone": "13812345678"}],
                     respondent_name="李四")
    view = desk.case_view(desk.show(db, rec.case_no), rules)
    assert view["applicants"] == [{"name": "张**", "id_number": pid[:6] + "********" + pid[-4:],
                                   "phone": "138****5678"}]
    assert view["respondents"][0]["name"] == "李*" and view["revealed"] is False
    text = repr(view)
    assert "张三丰" not in text and pid not in text and "13812345678" not in text
    with pytest.raises(InputError, match="needs an operator"):
        desk.reveal(db, rules, rec.case_no, operator=None)
    rec = desk.reveal(db, rules, rec.case_no, operator="clerk01", at=t(1), reason="回访联系")
    view = desk.case_view(rec, rules)
    assert view["applicants"][0] == {"name": "张三丰", "id_number": pid, "phone": "13812345678"}
    last = rec.events[-1]
    assert (last["trigger"], last["from_state"], last["to_state"], last["operator"]) == (
        "reveal", "registered", "registered", "clerk01")
    consistent(rec)


def test_a_mediator_reveals_only_at_their_own_destination(db, rules):
    no = diverted(db, rules).case_no
    with pytest.raises(PermissionDenied):
        desk.reveal(db, rules, no, operator="med_labor", at=t(3))
    assert desk.reveal(db, rules, no, operator="med_medical", at=t(3)).revealed


# ----------------------------------------------------------------------- reading


def test_list_filters_sorts_and_pages(db, rules):
    for n, (category, street) in enumerate([("医疗", "相南街道"), ("邻里", "东街道"), ("医疗", "东街道"),
                                            ("劳动争议", "曲阳街道")]):
        registered(db, rules, at=datetime(2020, 3 + n, 1, 9), category=category, street=street,
                   form="口头", amount=0)
    page = desk.list_cases(db)
    assert page.total == 4 and [r["case_no"][-1] for r in page.rows] == ["1", "2", "3", "4"]
    assert desk.list_cases(db, category="medical").total == 2
    assert desk.list_cases(db, category="medical", street="dongjie").total == 1
    assert desk.list_cases(db, street=["dongjie", "quyang"]).total == 3
    assert desk.list_cases(db, state="diverted").total == 0
    dated = desk.list_cases(db, received_from=datetime(2020, 4, 1).date(),
                               received_to=datetime(2020, 5, 1).date())
    assert [r["case_no"] for r in dated.rows] == ["XS-2020-00002", "XS-2020-00003"]
    second = desk.list_cases(db, limit=3, offset=3, sort="case_no", descending=True)
    assert (second.total, [r["case_no"] for r in second.rows]) == (4, ["XS-2020-00001"])
    with pytest.raises(InputError, match="cannot sort by 'summary'"):
        desk.list_cases(db, sort="summary")
    assert (second.pages, desk.list_cases(db, limit=4).pages, desk.list_cases(db, state="closed").pages) == (2, 1, 0)


def test_list_sorts_by_place_in_the_rule_sets_order_and_by_deadline(db, rules):
    for n, category in enumerate(("劳动争议", "医疗", "邻里")):
        no = registered(db, rules, at=datetime(2020, 3, 2 + n, 9), category=category, form="口头",
                        amount=0).case_no
        desk.review(db, rules, no, operator="clerk01", at=datetime(2020, 3, 2 + n, 10))
        desk.divert(db, rules, no, operator="clerk01", at=datetime(2020, 3, 2 + n, 11))
    order = list(rules.catalogue.destinations)
    rows = desk.list_cases(db, sort="destination", rules=rules).rows
    assert [order.index(r["destination"]) for r in rows] == sorted(order.index(r["destination"]) for r in rows)
    by_deadline = desk.list_cases(db, sort="deadline", rules=rules, as_of=datetime(2020, 3, 4).date()).rows
    assert [r["case_no"][-1] for r in by_deadline] == ["1", "2", "3"]
    with pytest.raises(TypeError, match="needs the rule set"):
        desk.list_cases(db, sort="overdue")


def test_queue_holds_a_destinations_open_cases_oldest_first(db, rules):
    first = diverted(db, rules).case_no
    second = diverted(db, rules).case_no
    desk.take(db, rules, first, operator="med_medical", at=t(3))
    other = diverted(db, rules, category="劳动争议").case_no
    assert [r["case_no"] for r in desk.queue(db, "room.medical")] == [first, second]
    assert [r["case_no"] for r in desk.queue(db, "room.labor")] == [other]
    desk.withdraw(db, rules, second, operator="clerk01", at=t(4))
    assert [r["case_no"] for r in desk.queue(db, "room.medical")] == [first]


def test_case_view_has_the_design_shape(db, rules):
    rec = diverted(db, rules)
    view = desk.case_view(rec, rules)
    assert {"case_no", "state", "destination", "deadline", "escalation", "events"} <= set(view)
    assert (view["state"], view["destination"], view["deadline"], view["escalation"]) == (
        "diverted", "room.medical", "2020-06-17", 0)
    assert [(e["trigger"], e["from"], e["to"], e["operator"]) for e in view["events"]] == [
        ("register", None, "registered", "clerk01"), ("review", "registered", "under_review", "clerk01"),
        ("divert", "under_review", "diverted", "clerk01")]
    assert view["events"][0]["at"] == T0
