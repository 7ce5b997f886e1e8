"""The shipped review and routing policy, rule by rule (docs/design.md §3)."""

from __future__ import annotations

import pytest

from tests.support import make_case, shipped_rules


def evaluate(**fields):
    rules = shipped_rules()
    return rules.evaluate(make_case(rules, **fields))


# ---------------------------------------------------------------- review


@pytest.mark.parametrize("street", ["duji", "lieshan", "suixi", "elsewhere"])
@pytest.mark.parametrize("request_", ["mediation", "petition"])
def test_outside_the_district_is_referred_to_that_unit(street, request_):
    review, decision = evaluate(street=street, request=request_)
    assert (review.outcome, review.rule, review.to) == ("referred_out", "outside_district", street)
    assert decision is None


@pytest.mark.parametrize("request_", ["consultation", "legal_aid", "legal_service", "filing", "reconsideration"])
def test_public_legal_services_are_accepted_whoever_asks(request_):
    # 无差别受理: even from outside the district, criminal, pending or refusing
    review, decision = evaluate(request=request_, street="duji", criminal=True,
                                litigation_pending=True, party_refuses=True)
    assert review.outcome == "accepted"
    assert decision.unit == "duji"
    assert decision.judicial_office is None  # outside: no judicial office of ours


def test_criminal_is_referred_to_police():
    review, _ = evaluate(criminal=True)
    assert (review.outcome, review.rule, review.to) == ("referred_out", "criminal", "police")


def test_outside_wins_over_criminal():
    review, _ = evaluate(criminal=True, street="suixi")
    assert review.rule == "outside_district"


def test_litigation_pending_is_rejected():
    review, decision = evaluate(litigation_pending=True)
    assert (review.outcome, review.rule, review.to) == ("rejected", "litigation_pending", None)
    assert decision is None


def test_litigation_pending_referred_by_the_court_is_accepted():
    review, decision = evaluate(litigation_pending=True, channel="referral", referred_by="court")
    assert review.outcome == "accepted"
    assert decision.destination == "room.court"


def test_litigation_pending_referred_by_another_body_is_rejected():
    review, _ = evaluate(litigation_pending=True, referred_by="police")
    assert review.rule == "litigation_pending"


def test_party_refusing_mediation_is_rejected():
    review, _ = evaluate(party_refuses=True)
    assert (review.outcome, review.rule) == ("rejected", "party_refuses")
    assert "人民调解法" in review.reason


def test_party_refusing_does_not_reject_a_petition():
    review, decision = evaluate(party_refuses=True, request="petition")
    assert review.outcome == "accepted"
    assert decision.destination == "window.petition"


def test_plain_case_is_accepted():
    review, _ = evaluate()
    assert (review.outcome, review.rule, review.to) == ("accepted", "accept", None)


# ---------------------------------------------------------------- routing


@pytest.mark.parametrize(
    ("fields", "destination", "rule"),
    [
        ({"request": "consultation"}, "window.consult", "consultation"),
        ({"request": "legal_aid"}, "window.legal_aid", "legal_aid"),
        ({"request": "legal_service"}, "window.legal_service", "legal_service"),
        ({"request": "reconsideration"}, "window.reconsideration", "reconsideration"),
        ({"category": "administrative"}, "window.reconsideration", "reconsideration"),
        ({"request": "petition"}, "window.petition", "petition_request"),
        ({"request": "filing"}, "window.litigation", "filing"),
        ({"referred_by": "court"}, "room.court", "court_referral"),
        ({"petition": True, "parties": 5}, "room.lawyer", "petition_lawyer"),
        ({"petition": True, "risk": "high"}, "room.lawyer", "petition_lawyer"),
        ({"petition": True, "parties": 4}, "room.petition", "petition"),
        ({"parties": 10}, "room.general", "major"),
        ({"risk": "high"}, "room.general", "major"),
        ({"parties": 9, "risk": "medium"}, "room.general", "fallback"),
        ({"category": "medical"}, "room.medical", "medical"),
        ({"category": "property"}, "room.property", "property"),
        ({"category": "labor"}, "room.labor", "labor"),
        ({"category": "marriage_family"}, "room.family", "family"),
        ({"category": "traffic"}, "room.traffic", "traffic"),
        ({"category": "consumer"}, "room.consumer", "consumer"),
        ({"category": "housing_land"}, "room.land", "land"),
        ({"category": "forest_land"}, "room.land", "land"),
        ({"category": "demolition"}, "room.land", "land"),
        ({"category": "contract", "amount": 500000}, "room.lawyer", "large_amount"),
        ({"category": "business", "amount": 800000}, "room.lawyer", "large_amount"),
        ({"category": "damages", "amount": "500000.00"}, "room.lawyer", "large_amount"),
        ({"category": "contract", "amount": "499999.99"}, "room.general", "fallback"),
        ({"category": "environment", "amount": 900000}, "room.general", "fallback"),
        ({"form": "oral", "category": "neighbor", "amount": 4999, "parties": 2}, "window.mediation", "small_oral"),
        ({"form": "oral", "category": "other", "amount": 0, "parties": 1}, "window.mediation", "small_oral"),
        ({"form": "oral", "category": "damages", "amount": 5000}, "room.general", "fallback"),
        ({"form": "oral", "category": "contract", "parties": 3}, "room.general", "fallback"),
        ({"form": "written", "category": "neighbor"}, "room.general", "fallback"),
        ({"form": "oral", "category": "environment"}, "room.general", "fallback"),
    ],
)
def test_routing_rule(fields, destination, rule):
    review, decision = evaluate(**fields)
    assert review.outcome == "accepted"
    assert (decision.destination, decision.rule) == (destination, rule)


def test_first_match_wins_in_the_documented_order():
    # a court referral of a petition with high risk about a medical dispute: the court comes first
    _, d = evaluate(referred_by="court", petition=True, risk="high", category="medical")
    assert d.rule == "court_referral"
    # a consultation about a mass dispute is still a consultation
    _, d = evaluate(request="consultation", parties=50)
    assert d.destination == "window.consult"
    # a mass labour dispute is major before it is labour
    _, d = evaluate(category="labor", parties=30)
    assert d.rule == "major"


# ---------------------------------------------------------------- what a decision carries


def test_room_decision_names_the_competent_department_of_the_category():
    _, d = evaluate(category="labor")
    assert (d.destination, d.department, d.mediation_type) == ("room.labor", "human_resources", "people")
    _, d = evaluate(category="neighbor", parties=12)  # room.general for a neighbour dispute: justice
    assert d.department == "justice"
    _, d = evaluate(category="demolition", parties=12)  # room.general, but 谁主管: housing_construction
    assert d.department == "housing_construction"


def test_court_room_answers_to_the_court():
    _, d = evaluate(category="medical", referred_by="court")
    assert (d.department, d.mediation_type) == ("court", "judicial")


def test_window_decision_names_the_host():
    _, d = evaluate(request="petition", category="medical")
    assert (d.destination, d.department, d.mediation_type) == ("window.petition", "petition_bureau", "none")
    _, d = evaluate(category="administrative")
    assert d.department == "justice"


def test_traffic_and_consumer_rooms_are_administrative_mediation():
    assert evaluate(category="traffic")[1].mediation_type == "administrative"
    assert evaluate(category="consumer")[1].mediation_type == "administrative"


def test_decision_carries_unit_judicial_office_and_digest():
    rules = shipped_rules()
    _, d = evaluate(street="渠沟镇")
    assert (d.unit, d.judicial_office) == ("qugou", "渠沟司法所")
    assert d.rules_digest == rules.digest and d.rules_digest.startswith("sha256:")


def test_every_destination_has_the_design_mediation_type():
    cat = shipped_rules().catalogue
    assert len([d for d in cat.destinations if d.startswith("room.")]) == 11
    assert len([d for d in cat.destinations if d.startswith("window.")]) == 7
    assert cat.destinations["room.court"].mediation_type == "judicial"
    assert {d.mediation_type for d in cat.destinations.values() if d.kind == "window"} == {"none", "people"}
