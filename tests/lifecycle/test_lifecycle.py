from __future__ import annotations

import copy
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediation import lifecycle
from mediation.errors import InputError, InvalidTransition, PermissionDenied, Refused
from mediation.lifecycle import (
    FINAL_STATES,
    OPEN_STATES,
    STATES,
    TRIGGERS,
    allowed_triggers,
    fire,
    fold,
    machine,
)
from mediation.lifecycle.table import moves_for
from tests.support import examples


@dataclass(slots=True)
class Case:
    state: str = "registered"
    destination: str | None = None
    transfers: int = 0
    extended: bool = False


def at(state: str, destination: str | None = "room.medical", **kw) -> Case:
    return Case(state=state, destination=destination, **kw)


def refused(model: Case, trigger: str, error: type[Exception], **context) -> str:
    """Fire, expect ``error``, check the model did not move, and return the message."""
    before = copy.copy(model)
    with pytest.raises(error) as caught:
        fire(model, trigger, **context)
    assert model == before
    return str(caught.value)


# The spec's lifecycle, written out independently of lifecycle.TABLE.
SPEC = {
    ("registered", "review"): "under_review",
    ("under_review", "reject"): "rejected",
    ("under_review", "refer_out"): "referred_out",
    ("under_review", "divert"): "diverted",
    ("diverted", "take"): "in_progress",
    ("in_progress", "settle"): "settled",
    ("in_progress", "fail"): "unsettled",
    ("in_progress", "serve"): "served",
    ("diverted", "transfer"): "diverted",
    ("in_progress", "transfer"): "diverted",
    ("in_progress", "extend"): "in_progress",
    ("registered", "withdraw"): "withdrawn",
    ("under_review", "withdraw"): "withdrawn",
    ("diverted", "withdraw"): "withdrawn",
    ("in_progress", "withdraw"): "withdrawn",
    ("settled", "close"): "closed",
    ("unsettled", "close"): "closed",
    ("served", "close"): "closed",
}

# Context that satisfies each trigger's guards.
GOOD = {
    "divert": {"destination": "room.labor"},
    "settle": {"agreement_form": "written"},
    "fail": {"routes": ["arbitration", "litigation"]},
    "transfer": {"to": "room.general", "reason": "needs joint mediation"},
    "extend": {"days": 15, "consent": True},
}


def test_states_and_triggers():
    assert set(STATES) == {
        "registered", "under_review", "rejected", "referred_out", "diverted", "in_progress",
        "settled", "unsettled", "served", "withdrawn", "closed",
    }  # fmt: skip
    assert set(FINAL_STATES) == {"rejected", "referred_out", "withdrawn", "closed"}
    assert set(OPEN_STATES) == set(STATES) - set(FINAL_STATES)
    assert set(TRIGGERS) == {trigger for _, trigger in SPEC}


def test_table_is_the_spec():
    steps = {
        (source, name): t.dest
        for name, event in machine().events.items()
        for source, ts in event.transitions.items()
        for t in ts
    }
    assert steps == SPEC


@pytest.mark.parametrize(("source", "trigger"), sorted(SPEC))
def test_every_row_fires(source, trigger):
    destination = "window.consult" if trigger == "serve" else "room.medical"
    model = at(source, destination)
    assert fire(model, trigger, **GOOD.get(trigger, {})) == SPEC[(source, trigger)]
    assert model.state == SPEC[(source, trigger)]


@pytest.mark.parametrize("state", STATES)
def test_allowed_triggers_match_the_spec(state):
    assert set(allowed_triggers(state)) == {t for (s, t) in SPEC if s == state}
    assert (allowed_triggers(state) == ()) == (state in FINAL_STATES)


def test_allowed_triggers_unknown_state():
    with pytest.raises(InputError, match="unknown state 'lost'"):
        allowed_triggers("lost")


def test_full_room_path_keeps_the_case_consistent():
    model = Case()
    fire(model, "review")
    fire(model, "divert", destination="room.medical")
    assert model.destination == "room.medical"
    fire(model, "take")
    fire(model, "extend", days=30, consent=True)
    assert model.extended
    fire(model, "transfer", to="room.general", reason="major case", operator="u1")
    assert (model.state, model.destination, model.transfers) == ("diverted", "room.general", 1)
    fire(model, "take")
    fire(model, "fail", routes=("litigation",))
    assert fire(model, "close") == "closed"


def test_window_path_with_a_plain_object():
    model = SimpleNamespace(state="registered", destination=None, transfers=0, extended=False)
    for trigger, context in [
        ("review", {}),
        ("divert", {"destination": "window.consult"}),
        ("take", {}),
        ("serve", {}),
        ("close", {}),
    ]:
        fire(model, trigger, **context)
    assert model.state == "closed"
    assert not hasattr(model, "trigger") and not hasattr(model, "may_close")


def test_trigger_not_allowed_names_state_and_allowed():
    message = refused(at("diverted"), "settle", InvalidTransition, agreement_form="oral")
    assert (
        message
        == "cannot settle a case that is diverted: allowed from diverted: take, transfer, withdraw"
    )


def test_a_refusal_carries_the_moves_that_apply_to_the_case():
    with pytest.raises(InvalidTransition) as refused_move:
        fire(at("under_review"), "review")
    err = refused_move.value
    assert (err.state, err.trigger, err.moves) == ("under_review", "review", ("divert", "withdraw"))
    with pytest.raises(InvalidTransition) as misplaced:  # a guard on the place refuses too
        fire(at("in_progress", "room.family"), "serve")
    assert misplaced.value.destination == "room.family"
    assert misplaced.value.moves == ("settle", "fail", "transfer", "extend", "withdraw")


@pytest.mark.parametrize(("state", "destination", "extended", "moves"), [
    ("registered", None, False, ("review", "withdraw")),
    ("under_review", None, False, ("divert", "withdraw")),  # reject, refer_out follow from review
    ("in_progress", "window.consult", False, ("serve", "transfer", "extend", "withdraw")),
    ("in_progress", "room.family", True, ("settle", "fail", "transfer", "withdraw")),
    ("settled", "room.family", False, ("close",)),
    ("closed", "room.family", False, ()),
])
def test_moves_for_a_case(state, destination, extended, moves):
    assert moves_for(state, destination, extended) == moves


def test_trigger_from_final_state():
    message = refused(at("closed"), "withdraw", InvalidTransition)
    assert (
        message
        == "cannot withdraw a case that is closed: allowed from closed: nothing (closed is final)"
    )


def test_unknown_trigger_suggests_the_nearest():
    message = refused(at("in_progress"), "setle", InvalidTransition)
    assert message.startswith("unknown trigger 'setle' (did you mean settle?)")
    assert "allowed from in_progress: settle, fail, serve, transfer, extend, withdraw" in message
    assert "\n" not in message


def test_unknown_model_state():
    assert "unknown state 'lost'" in refused(at("lost"), "review", InvalidTransition)


def test_invalid_transition_is_a_refusal_with_exit_code_2():
    assert issubclass(InvalidTransition, Refused)
    assert InvalidTransition("x").exit_code == 2


def test_third_transfer_needs_a_supervisor():
    model = at("in_progress", transfers=1)
    fire(model, "transfer", to="room.lawyer", reason="complex")
    fire(model, "take")
    message = refused(model, "transfer", PermissionDenied, to="room.general", reason="again")
    assert message == "a third transfer needs a supervisor (case has been transferred 2 times)"
    refused(model, "transfer", PermissionDenied, to="room.general", reason="again", role="clerk")
    assert (
        fire(model, "transfer", to="room.general", reason="again", role="supervisor") == "diverted"
    )
    assert model.transfers == 3
    assert "a fourth transfer" in refused(
        model, "transfer", PermissionDenied, to="room.court", reason="r"
    )


def test_first_two_transfers_need_no_supervisor():
    model = at("diverted")
    fire(model, "transfer", to="room.general", reason="a")
    fire(model, "transfer", to="room.lawyer", reason="b")
    assert model.transfers == 2


@pytest.mark.parametrize(
    ("context", "needle"),
    [
        ({"reason": "r"}, "transfer needs to"),
        ({"to": "room.general"}, "transfer needs reason"),
        ({"to": "room.general", "reason": "  "}, "transfer needs reason"),
        ({"to": "general", "reason": "r"}, "'general' is not a destination id"),
        ({"to": "room.medical", "reason": "r"}, "already at room.medical"),
    ],
)
def test_transfer_needs_a_new_destination_and_a_reason(context, needle):
    assert needle in refused(at("in_progress"), "transfer", Refused, **context)


def test_extend_once_only():
    model = at("in_progress")
    assert fire(model, "extend", days=10, consent=True) == "in_progress"
    assert model.extended
    message = refused(model, "extend", Refused, days=5, consent=True)
    assert message == "the case was already extended once"


@pytest.mark.parametrize(
    ("context", "needle"),
    [
        ({"consent": True}, "extend needs days"),
        ({"days": 0, "consent": True}, "days must be a whole number from 1 to 30, not 0"),
        ({"days": 31, "consent": True}, "not 31"),
        ({"days": "10", "consent": True}, "not '10'"),
        ({"days": True, "consent": True}, "not True"),
        ({"days": 10}, "extend needs consent"),
        ({"days": 10, "consent": False}, "extend needs both parties' consent"),
    ],
)
def test_extend_needs_days_and_consent(context, needle):
    assert needle in refused(at("in_progress"), "extend", Refused, **context)


@pytest.mark.parametrize("trigger", ["settle", "fail"])
def test_settle_and_fail_only_in_rooms(trigger):
    message = refused(at("in_progress", "window.consult"), trigger, Refused, **GOOD[trigger])
    assert message == f"{trigger} is for mediation rooms; window.consult is a window: use serve"
    assert "no destination" in refused(at("in_progress", None), trigger, Refused, **GOOD[trigger])


def test_serve_only_at_windows():
    message = refused(at("in_progress", "room.family"), "serve", Refused)
    assert message == "serve is for windows; room.family is a mediation room: use settle or fail"


@pytest.mark.parametrize(
    ("trigger", "context", "needle"),
    [
        ("settle", {}, "settle needs agreement_form"),
        ("settle", {"agreement_form": "typed"}, "agreement_form must be oral or written"),
        ("fail", {}, "fail needs routes"),
        ("fail", {"routes": []}, "fail needs routes"),
        ("fail", {"routes": "litigation"}, "routes must be a list"),
        ("fail", {"routes": ["court"]}, "unknown route 'court'"),
    ],
)
def test_settle_and_fail_need_their_context(trigger, context, needle):
    assert needle in refused(at("in_progress"), trigger, Refused, **context)


@pytest.mark.parametrize(
    ("context", "needle"),
    [({}, "divert needs destination"), ({"destination": "medical"}, "not a destination id")],
)
def test_divert_needs_a_destination(context, needle):
    model = at("under_review", None)
    assert needle in refused(model, "divert", Refused, **context)


@pytest.mark.parametrize("state", ["registered", "under_review", "diverted", "in_progress"])
def test_withdraw_from_each_open_state_before_an_outcome(state):
    assert fire(at(state), "withdraw") == "withdrawn"


@pytest.mark.parametrize("state", ["settled", "unsettled", "served", *FINAL_STATES])
def test_no_withdraw_after_an_outcome_or_from_a_final_state(state):
    assert f"cannot withdraw a case that is {state}" in refused(
        at(state), "withdraw", InvalidTransition
    )


def test_driving_many_cases_attaches_no_model():
    assert machine() is machine()
    before = len(machine().models)
    for i in range(2000):
        model = Case()
        fire(model, "review")
        fire(model, "divert", destination=f"room.r{i % 11}")
    assert len(machine().models) == before == 0


def event(trigger, source, dest):
    return {"trigger": trigger, "from": source, "to": dest}


HISTORY = [
    event("register", None, "registered"),
    event("review", "registered", "under_review"),
    event("divert", "under_review", "diverted"),
    event("escalate", "diverted", "diverted"),
    event("take", "diverted", "in_progress"),
    event("transfer", "in_progress", "diverted"),
    event("take", "diverted", "in_progress"),
    event("extend", "in_progress", "in_progress"),
    event("settle", "in_progress", "settled"),
    event("reveal", "settled", "settled"),
    event("close", "settled", "closed"),
]


def test_fold_a_valid_history():
    assert fold(HISTORY) == "closed"
    assert fold(HISTORY[:5]) == "in_progress"
    assert fold(iter(HISTORY[:1])) == "registered"


def test_fold_accepts_attributes_and_either_key_style():
    objects = [
        SimpleNamespace(trigger=e["trigger"], from_state=e["from"], to_state=e["to"])
        for e in HISTORY
    ]
    assert fold(objects) == "closed"
    keyed = [
        {"trigger": e["trigger"], "from_state": e["from"], "to_state": e["to"]} for e in HISTORY
    ]
    assert fold(keyed) == "closed"


@pytest.mark.parametrize(
    ("events", "needle"),
    [
        ([], "there are none"),
        ([event("review", None, "registered")], "event 1 must be register"),
        (
            HISTORY[:2] + [event("settle", "under_review", "settled")],
            "event 3: cannot settle a case that is under_review",
        ),
        (
            HISTORY[:2] + [event("divert", "registered", "diverted")],
            "event 3 (divert) starts from registered but the case was under_review",
        ),
        (
            HISTORY[:2] + [event("reject", "under_review", "withdrawn")],
            "reject from under_review leads to rejected, not withdrawn",
        ),
        (
            HISTORY[:2] + [event("override", "under_review", "closed")],
            "override is not a lifecycle trigger",
        ),
        (
            HISTORY[:1] + [event("register", None, "registered")],
            "starts from None but the case was registered",
        ),
        (HISTORY + [event("withdraw", "closed", "withdrawn")], "allowed from closed: nothing"),
    ],
)
def test_fold_rejects_an_illegal_history(events, needle):
    with pytest.raises(InvalidTransition) as caught:
        fold(events)
    assert needle in str(caught.value)


def test_fold_names_a_malformed_event():
    with pytest.raises(InputError, match="event 2 has no to_state or to"):
        fold([HISTORY[0], {"trigger": "review", "from": "registered"}])


CONTEXTS = st.sampled_from(
    [
        {},
        {"destination": "room.medical"},
        {"destination": "window.consult"},
        {"agreement_form": "oral"},
        {"routes": ["litigation"]},
        {"to": "room.general", "reason": "r"},
        {"to": "window.legal_aid", "reason": "r", "role": "supervisor"},
        {"to": "room.lawyer", "reason": "r"},
        {"days": 7, "consent": True},
        {"days": 99, "consent": True},
    ]
)
ATTEMPTS = st.lists(
    st.tuples(st.sampled_from((*TRIGGERS, "escalate", "setle")), CONTEXTS), max_size=40
)


@examples("normal")
@given(ATTEMPTS)
def test_state_is_always_the_fold_of_the_successful_events(attempts):
    models_before = len(machine().models)
    model = Case()
    events = [event("register", None, "registered")]
    for trigger, context in attempts:
        before = copy.copy(model)
        try:
            dest = fire(model, trigger, **context)
        except Refused:
            assert model == before
            continue
        events.append(event(trigger, before.state, dest))
        assert model.state in lifecycle.STATES
        assert model.destination is None or model.destination.startswith(("room.", "window."))
    assert fold(events) == model.state
    assert model.transfers == sum(e["trigger"] == "transfer" for e in events)
    assert model.extended == any(e["trigger"] == "extend" for e in events)
    assert len(machine().models) == models_before
