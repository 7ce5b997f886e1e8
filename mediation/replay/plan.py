"""A replayed case as the rows a live case would have: its row, parties and events, or why not.

:class:`Planner` turns one replayed row (the case, the rules' review and
decision, its :class:`~mediation.replay.values.History`) into prepared tuples
for :func:`mediation.store.bulk.insert_rows`, or into the reason it cannot
be stored. What the events say, and when (see also :mod:`mediation.replay.persisted`):

- ``register``, ``review`` and the review's result (``divert``, ``reject`` or
  ``refer_out``) all at ``received_at``: the centre registers, reviews and
  diverts at the desk, and a window may take a case up the minute it arrives,
  so nothing later than ``received_at`` is safe for these.
- ``take`` at ``taken_at``; the outcome (``settle``, ``fail``, ``serve`` or
  ``withdraw``) and ``close`` at ``closed_at`` (the file gives no other time
  for the outcome; a withdrawn case is not closed: ``closed_at`` is when it
  was withdrawn).
- Trigger names, states, destination, rule id, reason and details as
  :mod:`mediation.desk.moves` writes them, every event with the rule set's
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
- The register event's details name the source and a keyed digest of the
  row's content (``{"replay": {"file", "line", "content"}}``): a rerun
  compares it to tell the same case from a different one with the same
  number; the key is the database's secret (:mod:`mediation.store.keys`), so
  the digest gives nothing of the personal data it covers away.

Every path is checked by :mod:`mediation.replay.history` (the lifecycle
machine itself, once per shape of history); a row it refuses is refused here
with the same reason, so a dry run counts exactly the rows a persisted
replay refuses for their history.
"""

from __future__ import annotations

from hashlib import blake2b
from operator import attrgetter
from typing import Any

from mediation.domain import CASE_FIELDS, DEFAULTS, Case, Decision, Review
from mediation.replay.history import RECEIVED, Histories, Shape
from mediation.store.bulk import CASE_ROW, BulkFormat
from mediation.store.database import json_dumps
from mediation.store.keys import KEYED, ReplayKeys
from mediation.store.records import CASE_COLUMNS

HISTORICAL = "历史记录 (historical record)"
NO_CASE_NO = ("a persisted replay needs case_no: a rerun recognises a case by its number "
              "(give every row its XS-YYYY-NNNNN)")
_NO_HISTORY = (None,) * 5


def content_digest(case: Case, history: Any, key: bytes) -> str:
    """A keyed digest of what a replayed row says (its case fields, parties and history columns).

    Keyed BLAKE2b (a MAC, like HMAC) with the database's secret key
    (:mod:`mediation.store.keys`): the row holds names, ID numbers and phones,
    and an unkeyed digest of them could be guessed back from their masked
    forms. Marked ``KEYED`` so that views tell it from a digest stored before
    the key existed.
    """
    return KEYED + blake2b(_content(case, history), key=key, digest_size=16).hexdigest()


def unkeyed_digest(case: Case, history: Any) -> str:
    """The digest replays stored before migration 0004 (unkeyed): only compared, never stored."""
    return blake2b(_content(case, history), digest_size=16).hexdigest()


def _content(case: Case, history: Any) -> bytes:
    """What a digest of a row covers.

    Each field whose value is not its default is named with its value, in the
    definition's order, so the digest of a row does not change when a field is
    added to :class:`~mediation.domain.Case`, nor between CSV and JSON Lines.
    (Control characters never pass :func:`~mediation.cases.parse_case`, so the
    separators below cannot occur in a value.)
    """
    parts = []
    for name in _DIGESTED:
        value = getattr(case, name)
        if value != DEFAULTS.get(name, _UNSET):
            parts.append(f"{name}\x1d{value.isoformat() if name == 'received_at' else value}")
    people = "\x1e".join([f"{p.name}\x1d{p.id_number}\x1d{p.phone}" for p in case.applicants]
                         + ["\x1c"] + [f"{p.name}\x1d{p.id_number}\x1d{p.phone}" for p in case.respondents])
    text = "\x1f".join(parts) + "\x1f" + people
    if history is not None and history != _NO_HISTORY:
        text += "\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}".format(*history)
    return text.encode("utf-8", "surrogatepass")
_UNSET = object()
_DIGESTED = tuple(n for n, s in CASE_FIELDS.items() if s.kind != "parties")
#: The lifecycle columns of CASE_ROW, after the case's own: what the planner fills from the shape.
_LIFECYCLE = ("state", "destination", "transfers", "extended", "extension_days", "agreement_form", "outcome",
              "escalation", "registered_at", "stage_at", "updated_at", "rules_digest", "version")
if ("case_no", *CASE_COLUMNS, *_LIFECYCLE) != CASE_ROW:  # pragma: no cover - guards an edit of store.bulk
    raise ImportError("mediation.store.bulk.CASE_ROW changed: update mediation.replay.plan")


class Planner:
    """Replayed rows -> prepared rows (see the module docstring); one per run."""

    def __init__(self, rules, operator: str, fmt: BulkFormat, histories: Histories, *, source: str,
                 keys: ReplayKeys) -> None:
        self.rules, self.operator, self.fmt, self.histories = rules, operator, fmt, histories
        self._key, self._unkeyed = keys.key, keys.unkeyed_before
        self.digest = rules.digest
        self._tails: dict[int, tuple] = {}
        # the register event's columns after ``at`` (details last, per case)
        self._register = (operator, "register", None, "registered", None, None, self.digest, None)
        self._source = json_dumps(source)
        # the case's columns as the dialect stores them: moments stamped, amounts formatted
        self._columns = attrgetter(*CASE_COLUMNS)
        self._formats = [(i, {"moment": fmt.datetime, "money": fmt.amount}[CASE_FIELDS[n].kind])
                         for i, n in enumerate(CASE_COLUMNS) if CASE_FIELDS[n].kind in ("moment", "money")]

    def plan(self, line: int, case: Case, review: Review, decision: Decision | None,
             history: Any) -> tuple[tuple, list[tuple], list[tuple], str] | str:
        """(case row, party rows, event rows, content digests), or the reason the row is not stored.

        The content digests are the keyed one (stored) and, when the database holds
        replays from before its key existed, the unkeyed one (compared with those), else None.

        A row whose history :class:`~mediation.replay.history.Histories` refuses has been
        counted and rejected by the replay already; here only a missing ``case_no`` is new.
        """
        no = case.case_no
        if no is None:
            return NO_CASE_NO
        shape = self.histories.shape(review, decision, history, case.category)
        if shape.__class__ is str:  # pragma: no cover - the replay refuses such a row before planning
            return shape
        tails = self._tails.get(id(shape))
        if tails is None:
            tails = self._tails[id(shape)] = (shape, tuple(
                (slot, self._tail(trigger, before, after, shape, review, decision))
                for trigger, slot, before, after in shape.steps))
        tails = tails[1]
        stamp = self.fmt.datetime
        received = case.received_at
        taken = closed = None
        if history is not None:
            taken, closed = history[1], history[4]
        times = (stamp(received), None if taken is None else stamp(taken), None if closed is None else stamp(closed))
        last = closed or taken or received
        content = content_digest(case, history, self._key)
        unkeyed = unkeyed_digest(case, history) if self._unkeyed else None
        # json_dumps({"replay": {"file": ..., "line": ..., "content": ...}}), written directly
        details = f'{{"replay":{{"file":{self._source},"line":{line},"content":"{content}"}}}}'
        r = times[RECEIVED]
        events = [(no, 1, r) + self._register + (details,)]
        events += [(no, seq, times[slot]) + tail for seq, (slot, tail) in enumerate(tails, 2)]
        u = stamp(last)
        values = list(self._columns(case))
        for i, stored_as in self._formats:
            values[i] = stored_as(values[i])
        row = (no, *values, shape.state, shape.destination, 0, False, 0, shape.agreement_form, shape.outcome, 0,
               r, u, u, self.digest, len(events))
        parties = [(no, "applicant", n, p.name, p.id_number, p.phone) for n, p in enumerate(case.applicants, 1)]
        if case.respondents:
            parties += [(no, "respondent", n, p.name, p.id_number, p.phone)
                        for n, p in enumerate(case.respondents, 1)]
        return row, parties, events, (content, unkeyed)

    def _tail(self, trigger: str, before: str, after: str, shape: Shape, review: Review,
              decision: Decision | None) -> tuple:
        """An event's columns after ``at``, as :mod:`mediation.desk.moves` writes them."""
        destination, to, historical, routed = shape.destination, shape.to, shape.historical, shape.routed
        agreement, routes = shape.agreement_form, shape.routes
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
