"""A replayed case as the rows a live case would have: its row, parties and events, or why not.

:class:`Planner` turns one replayed row (the case, the rules' review and
decision, its :class:`~mediation.replay_values.History`) into prepared tuples
for :func:`mediation.store.bulk.insert_rows`, or into the reason it cannot
be stored. What the events say, and when (see also :mod:`mediation.replay_persist`):

- ``register``, ``review`` and the review's result (``divert``, ``reject`` or
  ``refer_out``) all at ``received_at``: the centre registers, reviews and
  diverts at the desk, and a window may take a case up the minute it arrives,
  so nothing later than ``received_at`` is safe for these.
- ``take`` at ``taken_at``; the outcome (``settle``, ``fail``, ``serve`` or
  ``withdraw``) and ``close`` at ``closed_at`` (the file gives no other time
  for the outcome; a withdrawn case is not closed: ``closed_at`` is when it
  was withdrawn).
- Trigger names, states, destination, rule id, reason and details as
  :mod:`mediation.service` writes them, every event with the rule set's
  digest and the importing operator. The divert event's details hold the
  decision (``{"decision": {...}}``) without the explanation the desk stores
  (several kilobytes a case; ``mediation route --explain`` gives it again).
- Where the case went (``actual_destination``) wins over the rules: the
  database holds what happened. When the two differ, the event moving the
  case (``divert`` to the historical destination, ``reject`` or
  ``refer_out``) says so: reason ``历史记录 (historical record) ...`` and
  ``details.historical = {"routed": <where the rules send it>}``; its rule is
  the rules' own (the divert keeps the routing rule, as an override does).
- A failed mediation records the routes the parties are usually told of
  (arbitration for labour disputes, an administrative route for
  administrative ones, litigation otherwise) with ``routes_assumed: true``:
  the file does not say.
- The register event's details name the source and a digest of the row's
  content (``{"replay": {"file", "line", "content"}}``): a rerun compares it
  to tell the same case from a different one with the same number.

Every path is checked by the lifecycle machine itself (:func:`mediation.lifecycle.fire`)
once per shape (where the case went, which outcome, which columns are given)
and the events of that shape fold to the state stored (:func:`~mediation.lifecycle.fold`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from hashlib import blake2b
from typing import Any

from mediation.domain import Case, Decision, Review
from mediation.errors import MediationError
from mediation.lifecycle import fire, fold
from mediation.replay import NO_DATE
from mediation.store.bulk import BulkFormat
from mediation.store.database import json_dumps

#: When an event happened: at received_at, taken_at or closed_at.
RECEIVED, TAKEN, CLOSED = 0, 1, 2

OUTCOME_TRIGGERS = {"settled": "settle", "unsettled": "fail", "served": "serve", "withdrawn": "withdraw"}
#: The routes recorded for a failed mediation, by category (the file does not say which).
ASSUMED_ROUTES = {"labor": ("arbitration",), "administrative": ("administrative",)}
DEFAULT_ROUTES = ("litigation",)
HISTORICAL = "历史记录 (historical record)"
NO_CASE_NO = ("a persisted replay needs case_no: a rerun recognises a case by its number "
              "(give every row its XS-YYYY-NNNNN)")
NO_RECEIVED = "a persisted replay needs received_at: the day the case came in"
#: Distinct shapes remembered (there are a few hundred in practice).
MAX_RECIPES = 100_000


@dataclass(frozen=True, slots=True)
class Recipe:
    """What every case of one shape gets after its register event, and its lifecycle columns."""

    tails: tuple[tuple[int, tuple], ...]  # (RECEIVED|TAKEN|CLOSED, the event's columns after ``at``)
    state: str
    destination: str | None
    outcome: str | None
    agreement_form: str | None


class _Scratch:
    """A case model for the lifecycle machine (see :func:`mediation.lifecycle.fire`)."""

    __slots__ = ("state", "destination", "transfers", "extended")

    def __init__(self) -> None:
        self.state, self.destination, self.transfers, self.extended = "registered", None, 0, False


def content_digest(case: Case, history: Any) -> str:
    """A digest of what a replayed row says (its case fields, parties and history columns).

    Named fields in a fixed order, so the digest does not change when a field is
    added to :class:`~mediation.domain.Case`, nor between CSV and JSON Lines.
    (Control characters never pass :func:`~mediation.cases.parse_case`, so the
    separators below cannot occur in a value.)
    """
    c = case
    people = "\x1e".join([f"{p.name}\x1d{p.id_number}\x1d{p.phone}" for p in c.applicants]
                         + ["\x1c"] + [f"{p.name}\x1d{p.id_number}\x1d{p.phone}" for p in c.respondents])
    text = (f"{c.case_no}\x1f{c.received_at.isoformat()}\x1f{c.request}\x1f{c.channel}\x1f{c.referred_by}\x1f"
            f"{c.form}\x1f{c.category}\x1f{c.street}\x1f{c.community}\x1f{c.summary}\x1f{c.parties}\x1f{c.amount}"
            f"\x1f{c.petition:d}{c.litigation_pending:d}{c.criminal:d}{c.party_refuses:d}\x1f{c.risk}\x1f{people}")
    if history is not None and history != _NO_HISTORY:
        text += "\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}".format(*history)
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


_NO_HISTORY = (None,) * 5


class Planner:
    """Replayed rows -> prepared rows (see the module docstring); one per run."""

    def __init__(self, rules, operator: str, fmt: BulkFormat, *, source: str, now: datetime) -> None:
        self.rules, self.operator, self.fmt, self.now = rules, operator, fmt, now
        self.digest = rules.digest
        self._recipes: dict[tuple, Recipe | str] = {}
        # the register event's columns after ``at`` (details last, per case)
        self._register = (operator, "register", None, "registered", None, None, self.digest, None)
        self._source = json_dumps(source)

    def plan(self, line: int, case: Case, review: Review, decision: Decision | None,
             history: Any) -> tuple[tuple, list[tuple], list[tuple], str] | str:
        """(case row, party rows, event rows, content digest), or the reason the row is refused."""
        no = case.case_no
        if no is None:
            return NO_CASE_NO
        received = case.received_at
        if received == NO_DATE:
            return NO_RECEIVED
        now = self.now
        if received > now:
            return f"received_at {received.isoformat()} lies in the future"
        if history is None:
            actual = taken = outcome = agreement = closed = None
        else:
            actual, taken, outcome, agreement, closed = history
        key = (actual, taken is not None, outcome, agreement, closed is not None, review, decision,
               case.category if outcome == "unsettled" else None)
        recipe = self._recipes.get(key)
        if recipe is None:
            recipe = self._recipe(key)
        if recipe.__class__ is str:
            return recipe
        stamp = self.fmt.datetime
        r = stamp(received)
        t = c = None
        last = received
        if taken is not None:
            if taken < received:
                return f"impossible history: taken_at {taken.isoformat()} lies before received_at {received.isoformat()}"
            if taken > now:
                return f"taken_at {taken.isoformat()} lies in the future"
            t, last = stamp(taken), taken
        if closed is not None:
            if closed < last:
                before = "taken_at" if taken is not None else "received_at"
                return (f"impossible history: closed_at {closed.isoformat()} lies before {before} "
                        f"{last.isoformat()}")
            if closed > now:
                return f"closed_at {closed.isoformat()} lies in the future"
            c, last = stamp(closed), closed
        times = (r, t, c)
        content = content_digest(case, history)
        # json_dumps({"replay": {"file": ..., "line": ..., "content": ...}}), written directly
        details = f'{{"replay":{{"file":{self._source},"line":{line},"content":"{content}"}}}}'
        events = [(no, 1, r) + self._register + (details,)]
        events += [(no, seq, times[slot]) + tail for seq, (slot, tail) in enumerate(recipe.tails, 2)]
        u = stamp(last)
        row = (no, r, case.request, case.channel, case.referred_by, case.form, case.category, case.street,
               case.community, case.summary, case.parties, self.fmt.amount(case.amount), case.petition,
               case.litigation_pending, case.criminal, case.party_refuses, case.risk, recipe.state,
               recipe.destination, 0, False, 0, recipe.agreement_form, recipe.outcome, 0, r, u, u, self.digest,
               len(events))
        parties = [(no, "applicant", n, p.name, p.id_number, p.phone) for n, p in enumerate(case.applicants, 1)]
        if case.respondents:
            parties += [(no, "respondent", n, p.name, p.id_number, p.phone)
                        for n, p in enumerate(case.respondents, 1)]
        return row, parties, events, content

    # ------------------------------------------------------------ shapes

    def _recipe(self, key: tuple) -> Recipe | str:
        found = self._build(*key)
        if len(self._recipes) < MAX_RECIPES:
            self._recipes[key] = found
        return found

    def _build(self, actual: str | None, taken: bool, outcome: str | None, agreement: str | None, closed: bool,
               review: Review, decision: Decision | None, category: str | None) -> Recipe | str:
        routed = decision.destination if decision is not None else (
            f"referred_out:{review.to}" if review.outcome == "referred_out" else review.outcome)
        place = actual or routed
        historical = actual is not None and not (
            actual == routed or (actual == "referred_out" and review.outcome == "referred_out"))
        if place == "rejected":
            step, to = "reject", None
        elif place.startswith("referred_out"):
            step, to = "refer_out", place.partition(":")[2] or (review.to if not historical else None)
        else:
            step, to = "divert", place
        problem = _history_problem(step, taken, outcome, agreement, closed)
        if problem:
            return f"impossible history: {problem}"
        # the triggers and their context, checked by the machine itself
        plan: list[tuple[str, int, dict]] = [("review", RECEIVED, {}),
                                             (step, RECEIVED, {"destination": to} if step == "divert" else {})]
        routes = ASSUMED_ROUTES.get(category or "", DEFAULT_ROUTES)
        if taken:
            plan.append(("take", TAKEN, {}))
        if outcome:
            plan.append((OUTCOME_TRIGGERS[outcome], CLOSED, {"agreement_form": agreement, "routes": list(routes)}))
            if outcome != "withdrawn":
                plan.append(("close", CLOSED, {}))
        model = _Scratch()
        moves = [("register", None, "registered")]
        try:
            for trigger, _slot, context in plan:
                before = model.state
                fire(model, trigger, **context)
                moves.append((trigger, before, model.state))
        except MediationError as exc:
            return f"impossible history: {exc}"
        if fold({"trigger": t, "from": f, "to": s} for t, f, s in moves) != model.state:  # pragma: no cover
            raise AssertionError(f"replay: the events of {moves} do not fold to {model.state}")
        tails = []
        for (trigger, slot, _context), (_t, before, after) in zip(plan, moves[1:], strict=True):
            tails.append((slot, self._tail(trigger, before, after, model.destination, review, decision, to,
                                           historical, routed, agreement, routes)))
        return Recipe(tuple(tails), model.state, model.destination, outcome, agreement)

    def _tail(self, trigger: str, before: str, after: str, destination: str | None, review: Review,
              decision: Decision | None, to: str | None, historical: bool, routed: str, agreement: str | None,
              routes: tuple[str, ...]) -> tuple:
        """An event's columns after ``at``, as :mod:`mediation.service` writes them."""
        rule = reason = details = None
        where = None  # review, reject and refer_out happen before the case has a destination
        if trigger == "review":
            rule, reason, details = review.rule, review.reason, {"outcome": review.outcome, "to": review.to}
        elif trigger in ("reject", "refer_out"):
            if historical:
                what = "rejected" if trigger == "reject" else f"referred out{f' to {to}' if to else ''}"
                reason, details = f"{HISTORICAL}: {what}; the rules: {routed}", {"to": to,
                                                                                  "historical": {"routed": routed}}
            else:
                rule, reason, details = review.rule, review.reason, {"to": review.to}
        elif trigger == "divert":
            where = destination
            rule = decision.rule if decision is not None else None
            details = {"decision": decision.as_dict() if decision is not None else None}
            if historical:
                reason = f"{HISTORICAL}: diverted to {destination}; the rules: {routed}"
                details["historical"] = {"routed": routed}
        else:
            where = destination
            if trigger == "settle":
                details = {"agreement_form": agreement}
            elif trigger == "fail":
                details = {"routes": list(routes), "routes_assumed": True}
        return (self.operator, trigger, before, after, where, rule, self.digest, reason,
                None if details is None else json_dumps(details))


def _history_problem(step: str, taken: bool, outcome: str | None, agreement: str | None,
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
