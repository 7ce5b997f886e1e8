"""What a historical row says happened, checked against the lifecycle (pure: ``now`` is given).

A replayed case went: registered, reviewed, then diverted (or rejected, or
referred out) at ``received_at``; taken up at ``taken_at``; settled, failed,
served or withdrawn, then closed, at ``closed_at``. Where it went
(``actual_destination``) wins over where today's rules send it. Every
distinct *shape* of history (where it went, which outcome, which columns
are given, what the rules decided) is checked once by the lifecycle machine
itself (:func:`mediation.lifecycle.fire`) and its events must fold to the
state reached (:func:`mediation.lifecycle.folding`); the times are checked per
row (in order, none in the future).

The dry run counts the rows whose history is impossible as *refused*, and
the persisted replay refuses to store exactly those rows, with the same
reason (:mod:`mediation.replay.plan` writes the others).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from mediation.domain import Case, Decision, Review
from mediation.errors import MediationError
from mediation.lifecycle import CaseModel, fire, fold

#: When an event happened: at received_at, taken_at or closed_at.
RECEIVED, TAKEN, CLOSED = 0, 1, 2

OUTCOME_TRIGGERS = {"settled": "settle", "unsettled": "fail", "served": "serve", "withdrawn": "withdraw"}
#: The routes recorded for a failed mediation, by category (the file does not say which).
ASSUMED_ROUTES = {"labor": ("arbitration",), "administrative": ("administrative",)}
DEFAULT_ROUTES = ("litigation",)
#: Distinct shapes remembered (there are a few hundred in practice).
MAX_SHAPES = 100_000
_NO_HISTORY = (None,) * 5


@dataclass(frozen=True, slots=True)
class Shape:
    """The events one shape of history gets after ``register``, checked by the lifecycle.

    ``steps`` are (trigger, when: RECEIVED/TAKEN/CLOSED, from state, to state);
    ``routed`` is where the rules send the case (a destination, ``rejected`` or
    ``referred_out:<to>``), ``historical`` whether history says otherwise, ``to``
    where a referral went.
    """

    steps: tuple[tuple[str, int, str, str], ...]
    state: str
    destination: str | None
    outcome: str | None
    agreement_form: str | None
    routed: str
    historical: bool
    to: str | None
    routes: tuple[str, ...]


class Histories:
    """Checks rows' histories for one run; remembers each shape's verdict."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._shapes: dict[tuple, Shape | str] = {}

    def shape(self, review: Review, decision: Decision | None, history: Any, category: str) -> Shape | str:
        """The checked shape of a row's history, or why it is impossible."""
        actual, taken, outcome, agreement, closed = history if history is not None else _NO_HISTORY
        # only what _build reads: a Review or Decision carries the rule's reasons, which vary
        # (problem() builds the same key inline)
        key = (actual, taken is not None, outcome, agreement, closed is not None, review.outcome, review.to,
               decision.destination if decision is not None else None,
               category if outcome == "unsettled" else None)
        found = self._shapes.get(key)
        if found is None:
            found = _build(*key)
            if len(self._shapes) < MAX_SHAPES:
                self._shapes[key] = found
        return found

    def problem(self, case: Case, review: Review, decision: Decision | None, history: Any) -> str | None:
        """Why this row's history cannot be recorded, or None."""
        received, now = case.received_at, self.now
        if received > now:
            return f"received_at {received.isoformat()} lies in the future"
        if history is None:
            return None
        actual, taken, outcome, agreement, closed = history
        # self.shape(), inline: this runs for every row of a replay
        shape = self._shapes.get((actual, taken is not None, outcome, agreement, closed is not None,
                                  review.outcome, review.to,
                                  decision.destination if decision is not None else None,
                                  case.category if outcome == "unsettled" else None))
        if shape is None:
            shape = self.shape(review, decision, history, case.category)
        if shape.__class__ is str:
            return shape
        # the common case inline: times in order, none in the future
        last = received if taken is None else taken
        if (taken is None or received <= taken <= now) and (closed is None or last <= closed <= now):
            return None
        return times_problem(received, taken, closed, now)


def times_problem(received: datetime, taken: datetime | None, closed: datetime | None,
                  now: datetime) -> str | None:
    """Why the history's times are impossible (out of order, in the future), or None."""
    last = received
    if taken is not None:
        if taken < received:
            return (f"impossible history: taken_at {taken.isoformat()} lies before received_at "
                    f"{received.isoformat()}")
        if taken > now:
            return f"taken_at {taken.isoformat()} lies in the future"
        last = taken
    if closed is not None:
        if closed < last:
            before = "taken_at" if taken is not None else "received_at"
            return f"impossible history: closed_at {closed.isoformat()} lies before {before} {last.isoformat()}"
        if closed > now:
            return f"closed_at {closed.isoformat()} lies in the future"
    return None


def _build(actual: str | None, taken: bool, outcome: str | None, agreement: str | None, closed: bool,
           review_outcome: str, review_to: str | None, destination: str | None,
           category: str | None) -> Shape | str:
    routed = destination if destination is not None else (
        f"referred_out:{review_to}" if review_outcome == "referred_out" else review_outcome)
    place = actual or routed
    historical = actual is not None and not (
        actual == routed or (actual == "referred_out" and review_outcome == "referred_out"))
    if place == "rejected":
        step, to = "reject", None
    elif place.startswith("referred_out"):
        step, to = "refer_out", place.partition(":")[2] or (review_to if not historical else None)
    else:
        step, to = "divert", place
    problem = _columns_problem(step, taken, outcome, agreement, closed)
    if problem:
        return f"impossible history: {problem}"
    routes = ASSUMED_ROUTES.get(category or "", DEFAULT_ROUTES)
    walked = _walk(step, to, taken, outcome, agreement, routes)
    if walked.__class__ is str:
        return walked
    steps, state, where = walked
    return Shape(steps, state, where, outcome, agreement, routed, historical, to, routes)


@lru_cache(maxsize=4096)
def _walk(step: str, to: str | None, taken: bool, outcome: str | None, agreement: str | None,
          routes: tuple[str, ...]) -> tuple[tuple[tuple[str, int, str, str], ...], str, str | None] | str:
    """The lifecycle machine's walk through one history: (steps, state, destination) or why not.

    Many shapes share one walk (where the rules would have sent the case does not change
    it), and the machine is the costly part: each walk is taken once.
    """
    plan: list[tuple[str, int, dict]] = [("review", RECEIVED, {}),
                                         (step, RECEIVED, {"destination": to} if step == "divert" else {})]
    if taken:
        plan.append(("take", TAKEN, {}))
    if outcome:
        plan.append((OUTCOME_TRIGGERS[outcome], CLOSED, {"agreement_form": agreement, "routes": list(routes)}))
        if outcome != "withdrawn":
            plan.append(("close", CLOSED, {}))
    model = CaseModel()
    steps = []
    try:
        for trigger, slot, context in plan:
            before = model.state
            fire(model, trigger, **context)
            steps.append((trigger, slot, before, model.state))
    except MediationError as exc:
        return f"impossible history: {exc}"
    moves = [{"trigger": "register", "from": None, "to": "registered"}]
    moves += [{"trigger": t, "from": f, "to": s} for t, _slot, f, s in steps]
    if fold(moves) != model.state:  # pragma: no cover - the machine and fold read the same table
        raise AssertionError(f"replay: the events of {moves} do not fold to {model.state}")
    return tuple(steps), model.state, model.destination


def _columns_problem(step: str, taken: bool, outcome: str | None, agreement: str | None,
                     closed: bool) -> str | None:
    """What is wrong with a history's columns before the machine is asked, if anything."""
    if step != "divert":
        given = [name for name, there in (("taken_at", taken), ("outcome", outcome), ("agreement_form", agreement),
                                          ("closed_at", closed)) if there]
        if given:
            what = "rejected" if step == "reject" else "referred out"
            return f"{', '.join(given)} given for a case {what} at review"
        return None
    if closed and not outcome:
        return "closed_at given without an outcome"
    if outcome and not closed:
        return f"outcome {outcome} given without closed_at (when it happened)"
    if agreement and outcome != "settled":
        return f"agreement_form {agreement} given for a case not settled (outcome {outcome or 'none'})"
    return None
