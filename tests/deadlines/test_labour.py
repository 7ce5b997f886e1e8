"""Issue 12, point 1: the labour limit (劳动争议调解仲裁法 art. 14, 2007).

"自劳动争议调解组织收到调解申请之日起十五日内未达成调解协议的，当事人可以依法申请仲裁":
15 days from the day the application was received (the case's registration),
whatever happened since, with no extension; after it the parties may go to
arbitration. docs/design.md §3 (corrected) and ``rules/sla.yaml``.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from click.testing import CliRunner

from mediation import desk
from mediation.cases import parse_case
from mediation.cli import cli
from mediation.deadlines import current_deadline, deadline_of, mediation_terms, next_routes
from mediation.errors import Refused
from mediation.store.records import case_row, event_row, insert_case

ART_14 = "劳动争议调解仲裁法 第十四条"
LABOUR = {"form": "书面", "category": "劳动争议", "street": "相南街道", "summary": "拖欠工资（合成示例）"}


def labour_case(db, rules, *, take_at: datetime) -> str:
    """Received Monday 15 June 2020; reviewed and diverted on the last day review allows
    (18 June); taken up at ``take_at``."""
    no = desk.register(db, rules, LABOUR, operator="clerk01", at=datetime(2020, 6, 15, 9)).case_no
    desk.review(db, rules, no, operator="clerk01", at=datetime(2020, 6, 18, 16))
    desk.divert(db, rules, no, operator="clerk01", at=datetime(2020, 6, 18, 17))
    desk.take(db, rules, no, operator="med_labor", at=take_at)
    return no


def test_the_labour_limit_runs_15_days_from_receipt_art_14(db, rules):
    """Issue 12's example: diverted 18 June and taken up on the last day allowed (22 June: the 2nd
    working day after 18 June), the limit still ends on 30 June 2020 (15 June + 15), not on
    7 July (22 June + 15) as when it was counted from taking up."""
    no = labour_case(db, rules, take_at=datetime(2020, 6, 22, 17))
    view = desk.case_view(desk.show(db, no), rules)
    assert (view["state"], view["stage"], view["deadline"]) == ("in_progress", "mediation", "2020-06-30")
    d = deadline_of(desk.show(db, no).row, rules)
    assert (d.start, d.due, d.counted_from, d.limit) == (date(2020, 6, 15), date(2020, 6, 30), "registration", 15)
    assert ART_14 in d.basis and d.then == "arbitration"
    # the same day whenever it is taken up
    assert current_deadline(rules, state="in_progress", stage_at=date(2020, 6, 29), category="labor",
                            registered_at=datetime(2020, 6, 15, 9)).due == date(2020, 6, 30)
    # other categories still count 30 days from taking up (人民调解工作若干规定 art. 33)
    assert current_deadline(rules, state="in_progress", stage_at=date(2020, 6, 22), category="medical",
                            registered_at=datetime(2020, 6, 15, 9)).due == date(2020, 7, 22)


def test_extend_is_refused_for_a_labour_case_naming_art_14(db, rules):
    no = labour_case(db, rules, take_at=datetime(2020, 6, 19, 9))
    before = desk.show(db, no)
    with pytest.raises(Refused) as info:
        desk.extend(db, rules, no, days=10, consent=True, operator="med_labor", at=datetime(2020, 6, 29, 9))
    message = str(info.value)
    assert message.startswith(f"{no} cannot be extended: a 劳动争议 case's mediation limit is 15 days from "
                              "receipt (registration), with no extension")
    assert ART_14 in message and "apply for arbitration (仲裁)" in message
    after = desk.show(db, no)
    assert (after.version, after.row["extended"], after.row["extension_days"]) == (before.version, False, 0)
    # the lifecycle's own checks come first: a labour case not yet taken up is refused as before
    other = desk.register(db, rules, LABOUR, operator="clerk01", at=datetime(2020, 6, 20, 9)).case_no
    with pytest.raises(Refused, match="extend is not allowed from registered|cannot extend"):
        desk.extend(db, rules, other, days=10, consent=True, operator="sup01", at=datetime(2020, 6, 29, 9))


def test_extend_refused_through_the_cli_in_one_line(db, rules):
    no = labour_case(db, rules, take_at=datetime(2020, 6, 19, 9))
    result = CliRunner().invoke(cli, ["case", "extend", no, "--days", "10", "--consent", "--at",
                                      "2020-06-29T09:00"],
                                env={"MEDIATION_DB": db.url, "MEDIATION_ON_BEHALF_OF": "med_labor"})
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and ART_14 in result.stderr


def test_other_cases_are_still_extended_once(db, rules):
    data = dict(LABOUR, category="医疗")
    no = desk.register(db, rules, data, operator="clerk01", at=datetime(2020, 6, 15, 9)).case_no
    desk.review(db, rules, no, operator="clerk01", at=datetime(2020, 6, 15, 10))
    desk.divert(db, rules, no, operator="clerk01", at=datetime(2020, 6, 15, 11))
    desk.take(db, rules, no, operator="med_medical", at=datetime(2020, 6, 16, 9))
    rec = desk.extend(db, rules, no, days=15, consent=True, operator="med_medical", at=datetime(2020, 7, 10, 9))
    assert desk.case_view(rec, rules)["deadline"] == "2020-07-31"
    with pytest.raises(Refused, match="at most 30 days"):
        desk.extend(db, rules, no, days=31, consent=True, operator="med_medical", at=datetime(2020, 7, 10, 9))


def test_a_labour_case_stored_under_the_old_rule_is_recomputed_not_rewritten(db, rules):
    """A case taken up and extended by 30 days before the correction: its deadline is derived from
    the row (registered_at), never stored, so the new rule applies at once; its events stay as written."""
    received = datetime(2020, 9, 1, 9)
    case = parse_case({**LABOUR, "received_at": received.isoformat()}, rules, now=received)
    no = "XS-2020-00042"
    at = [datetime(2020, 9, d, 9) for d in (1, 2, 2, 3, 10)]
    evs = [event_row("register", None, "registered", at=at[0], operator="clerk01"),
           event_row("review", "registered", "under_review", at=at[1], operator="clerk01"),
           event_row("divert", "under_review", "diverted", at=at[2], operator="clerk01", destination="room.labor"),
           event_row("take", "diverted", "in_progress", at=at[3], operator="med_labor", destination="room.labor"),
           event_row("extend", "in_progress", "in_progress", at=at[4], operator="med_labor",
                     destination="room.labor", details={"days": 30, "consent": True})]
    row = case_row(case, case_no=no, at=received, rules_digest=rules.digest, state="in_progress",
                   destination="room.labor", extended=True, extension_days=30, stage_at=at[3])
    with db.write() as conn:
        insert_case(conn, row, [], evs)
    view = desk.case_view(desk.show(db, no), rules)
    # old rule: 3 September + 15 + 30 = 18 October; the law: 1 September + 15 = 16 September
    assert view["deadline"] == "2020-09-16"
    assert [e["details"] for e in view["events"]][-1] == {"days": 30, "consent": True}
    run = desk.escalate(db, rules, operator="sup01", as_of=date(2020, 9, 17), at=datetime(2020, 9, 17, 18))
    assert [(r.case_no, r.deadline, r.level) for r in run.raised] == [(no, date(2020, 9, 16), 1)]


def test_after_the_labour_limit_the_next_route_is_arbitration(rules):
    """What the failure notice (调解终止告知书, issue 14) needs: arbitration for a labour dispute."""
    assert next_routes(rules, "labor") == ("arbitration",)
    assert next_routes(rules, "medical") == ()
    terms = mediation_terms(rules, "labor")
    assert (terms.limit, terms.counted_from, terms.extendable, terms.then) == (15, "registration", False,
                                                                              "arbitration")
    assert ART_14 in terms.basis
    assert rules.catalogue.label("route", "arbitration") == "仲裁"


def test_show_says_the_limit_counts_from_receipt(db, rules):
    no = labour_case(db, rules, take_at=datetime(2020, 6, 19, 9))
    env = {"MEDIATION_DB": db.url, "MEDIATION_ON_BEHALF_OF": "clerk01"}
    out = " ".join(CliRunner().invoke(cli, ["case", "show", no], env=env).stdout.split())
    assert "2020-06-30（调解，自登记（收到申请）起15日，不得延期）" in out
    data = json.loads(CliRunner().invoke(cli, ["case", "show", no, "--json"], env=env).stdout)
    assert (data["deadline"], data["deadline_provisional"]) == ("2020-06-30", False)
