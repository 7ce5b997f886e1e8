"""Use cases: one function per thing a desk does, each one database transaction.

Every state-changing function takes the database (:func:`open_db`), the rule
set, the operator id and ``at`` (a naive local datetime; default now). ``at``
may not lie in the future nor before the case's last event. The operator must
be allowed the action (:mod:`mediation.service_roles`). A function reads the
case, moves it with :func:`mediation.lifecycle.fire`, then writes the row
``WHERE version = <read version>`` together with its events
(:func:`mediation.store.records.append`): a concurrent change is a
:class:`~mediation.errors.ConcurrentUpdate`, never a lost update. Passing
``expect_version`` (what the operator last saw) refuses to act on a stale view.

Each returns the case as it is afterwards (a
:class:`~mediation.service_read.CaseRecord`); :func:`case_view` makes the JSON
shape of DESIGN §7 from it.

Routing override: a supervisor diverts with ``to=`` and a ``reason``. Two
events are written: ``override`` (from and to ``under_review``; destination:
the one chosen; rule: the routing rule overridden; details: where the rules
sent it), then ``divert`` to the chosen destination, whose details hold the
rules' decision and explanation as for any divert.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from mediation.errors import CaseError, ConcurrentUpdate, InputError, Refused
from mediation.service_read import (
    CaseRecord,
    Page,
    case_view,
    list_cases,
    load_record,
    queue,
    show,
    summary_view,
)
from mediation.service_roles import authorise

__all__ = [
    "CaseRecord", "Page", "case_view", "close", "divert", "extend", "fail", "list_cases",
    "now", "open_db", "queue", "register", "reveal", "review", "serve", "settle", "show",
    "summary_view", "take", "transfer", "withdraw",
]


def open_db(db: str | None = None):
    """The database at ``db`` (path or URL; default ``$MEDIATION_DB`` or ``./mediation.db``),
    checked to be at this program's schema revision."""
    from mediation.store.database import open_database

    return open_database(db)


def now() -> datetime:
    """The local time, to the second."""
    return datetime.now().replace(microsecond=0)


def _time(at: datetime | None, last: datetime | None = None) -> datetime:
    current = now()
    if at is None:
        at = current
    elif at.tzinfo is not None:
        from mediation.cases import parse_datetime

        at = parse_datetime(at)
    if at > current:
        raise Refused(f"--at {at.isoformat()} lies in the future")
    if last is not None and at < last:
        raise Refused(f"--at {at.isoformat()} lies before the case's last event ({last.isoformat()})")
    return at


class _Model:
    """What the lifecycle machine moves: the four lifecycle columns of a row."""

    __slots__ = ("state", "destination", "transfers", "extended")

    def __init__(self, row: Mapping[str, Any]) -> None:
        self.state = row["state"]
        self.destination = row["destination"]
        self.transfers = row["transfers"]
        self.extended = bool(row["extended"])

    def columns(self) -> dict:
        return {"state": self.state, "destination": self.destination,
                "transfers": self.transfers, "extended": self.extended}


# --------------------------------------------------------------------- register


def register(db, rules, data: Mapping[str, Any] | Any, *, operator: str,
             at: datetime | None = None) -> CaseRecord:
    """登记: store a new case (a mapping for :func:`parse_case`, or a parsed ``Case``).

    The case gets the next number of the registration year unless it brings its
    own (a paper record's), which must be new. ``received_at`` defaults to ``at``
    and may not lie after it.
    """
    from sqlalchemy.exc import IntegrityError

    from mediation.cases import parse_case
    from mediation.store.numbers import claim_case_nos, next_case_no
    from mediation.store.records import case_row, event_row, insert_case, party_rows
    from mediation.store.schema import cases

    op = authorise(rules, operator, "register")
    at = _time(at)
    case = parse_case(data, rules, now=at) if isinstance(data, Mapping) else data
    if case.received_at > at:
        raise CaseError(f"received_at {case.received_at.isoformat()} lies after the registration "
                        f"({at.isoformat()})", field="received_at")
    with db.write() as conn:
        if case.case_no:
            from sqlalchemy import select

            taken = conn.execute(select(cases.c.case_no).where(cases.c.case_no == case.case_no)).first()
            if taken:
                raise Refused(f"case {case.case_no} already exists")
            claim_case_nos(conn, [case.case_no])
            case_no = case.case_no
        else:
            case_no = next_case_no(conn, at.year)
        row = case_row(case, case_no=case_no, at=at, rules_digest=rules.digest)
        first = event_row("register", None, "registered", at=at, operator=op.id,
                          rules_digest=rules.digest)
        try:
            insert_case(conn, row, party_rows(case, case_no), [first])
        except IntegrityError:  # another desk stored the same given number just now
            if not case.case_no:
                raise
            raise Refused(f"case {case_no} already exists") from None
        record = load_record(conn, case_no)
        record.written = 1
        return record


# --------------------------------------------------------------------- transitions

Build = Callable[[Any, dict, Any, datetime], tuple[dict, list[dict]]]


def _act(db, rules, case_no: str, action: str, build: Build, *, operator: str,
         at: datetime | None, expect_version: int | None, reveal: bool = False) -> CaseRecord:
    """Read the case, check role and time, ``build`` its changes and events, write them."""
    from mediation.store.records import append, get_case

    with db.write() as conn:
        row = dict(get_case(conn, case_no))
        if expect_version is not None and row["version"] != expect_version:
            raise ConcurrentUpdate(
                f"{case_no} has changed since you looked at it (version {expect_version}, "
                f"now {row['version']})", hint=f"look at it again (mediation case show {case_no})")
        op = authorise(rules, operator, action, destination=row["destination"], case_no=case_no)
        when = _time(at, row["updated_at"])
        changes, new_events = build(conn, row, op, when)
        # 督办 levels belong to a deadline: a new stage (or an extension) sets a new
        # one, so the level starts again at 0 (mediation.escalation; the escalate
        # events keep the history).
        if "stage_at" in changes or "extension_days" in changes:
            changes.setdefault("escalation", 0)
        append(conn, case_no, row["version"], changes, new_events)
        record = load_record(conn, case_no, revealed=reveal)
        record.written = len(new_events)
        return record


def _event(trigger: str, row: dict, to_state: str, op, at: datetime, rules, **kw: Any) -> dict:
    from mediation.store.records import event_row

    kw.setdefault("destination", row["destination"])
    return event_row(trigger, row["state"], to_state, at=at, operator=op.id,
                     rules_digest=rules.digest, **kw)


def _move(rules, trigger: str, *, stage: bool = True, reason: str | None = None,
          details: Callable[[dict], dict | None] | None = None, extra: dict | None = None,
          **context: Any) -> Build:
    """A builder for a plain lifecycle step: fire ``trigger``, record one event."""
    from mediation.lifecycle import fire

    def build(conn, row: dict, op, at: datetime):
        model = _Model(row)
        fire(model, trigger, role=op.role, reason=reason, **context)
        changes = model.columns()
        if stage:
            changes["stage_at"] = at
        changes.update(extra or {})
        ev = _event(trigger, row, model.state, op, at, rules, destination=model.destination,
                    reason=reason, details=details(row) if details else None)
        return changes, [ev]

    return build


def review(db, rules, case_no: str, *, operator: str, at: datetime | None = None,
           expect_version: int | None = None) -> CaseRecord:
    """受理审查 by the rules: registered -> under_review, then on to rejected or referred_out
    if the review says so (rule id, reason and where it is referred in the events).
    An accepted case stays under_review until it is diverted."""
    from mediation.lifecycle import fire
    from mediation.store.records import case_from_row

    def build(conn, row, op, at):
        verdict = rules.review(case_from_row(row))
        model = _Model(row)
        fire(model, "review")
        details = {"outcome": verdict.outcome, "to": verdict.to}
        evs = [_event("review", row, model.state, op, at, rules, rule=verdict.rule,
                      reason=verdict.reason, details=details)]
        if verdict.outcome != "accepted":
            trigger = "reject" if verdict.outcome == "rejected" else "refer_out"
            before = dict(row, state=model.state)
            fire(model, trigger)
            evs.append(_event(trigger, before, model.state, op, at, rules, rule=verdict.rule,
                              reason=verdict.reason, details={"to": verdict.to}))
        return dict(model.columns(), rules_digest=rules.digest), evs

    return _act(db, rules, case_no, "review", build, operator=operator, at=at,
                expect_version=expect_version)


def destination_id(rules, text: str, *, option: str = "destination") -> str:
    """A destination id from an id or Chinese label; :class:`InputError` naming the nearest."""
    if text in rules.catalogue.destinations:
        return text
    return rules.catalogue.resolve("destination", text, field=option)


def divert(db, rules, case_no: str, *, operator: str, at: datetime | None = None,
           to: str | None = None, reason: str | None = None,
           expect_version: int | None = None) -> CaseRecord:
    """分流 by the routing rules: under_review -> diverted, storing the decision and its explanation.

    With ``to`` (and a ``reason``), a supervisor overrides the rules' destination;
    see the module docstring for the events written.
    """
    from mediation.lifecycle import fire
    from mediation.service_roles import authorise as allow
    from mediation.store.records import case_from_row

    chosen = destination_id(rules, to, option="to") if to else None
    if chosen and not (reason and reason.strip()):
        raise InputError("overriding the routing needs a reason (--reason)")

    def build(conn, row, op, at):
        case = case_from_row(row)
        decision = rules.route(case)
        explanation = rules.explain(case).as_dict()
        evs = []
        model = _Model(row)
        target = decision.destination
        if chosen:
            allow(rules, op.id, "override", destination=row["destination"], case_no=case_no)
            if chosen == decision.destination:
                raise Refused(f"the rules already send {case_no} to {chosen}: divert it without --to")
            evs.append(_event("override", row, row["state"], op, at, rules, destination=chosen,
                              rule=decision.rule, reason=reason,
                              details={"routed": decision.destination}))
            target = chosen
        fire(model, "divert", destination=target)
        details = {"decision": decision.as_dict(), "explanation": explanation}
        if chosen:
            details["override"] = {"destination": chosen, "routed": decision.destination}
        evs.append(_event("divert", row, model.state, op, at, rules, destination=target,
                          rule=decision.rule, reason=reason if chosen else None, details=details))
        return dict(model.columns(), stage_at=at, rules_digest=rules.digest), evs

    return _act(db, rules, case_no, "divert", build, operator=operator, at=at,
                expect_version=expect_version)


def take(db, rules, case_no: str, *, operator: str, at: datetime | None = None,
         expect_version: int | None = None) -> CaseRecord:
    """承办: a mediator (or supervisor) takes the case up: diverted -> in_progress."""
    return _act(db, rules, case_no, "take", _move(rules, "take"), operator=operator, at=at,
                expect_version=expect_version)


def settle(db, rules, case_no: str, *, agreement_form: str, operator: str,
           at: datetime | None = None, reason: str | None = None,
           expect_version: int | None = None) -> CaseRecord:
    """调解成功 (rooms): in_progress -> settled, with the agreement's form (oral or written)."""
    build = _move(rules, "settle", agreement_form=agreement_form, reason=reason,
                  details=lambda row: {"agreement_form": agreement_form},
                  extra={"agreement_form": agreement_form, "outcome": "settled"})
    return _act(db, rules, case_no, "settle", build, operator=operator, at=at,
                expect_version=expect_version)


def fail(db, rules, case_no: str, *, routes: Iterable[str], operator: str,
         at: datetime | None = None, reason: str | None = None,
         expect_version: int | None = None) -> CaseRecord:
    """调解不成 (rooms): in_progress -> unsettled, with the routes the parties were told of."""
    routes = list(routes)
    build = _move(rules, "fail", routes=routes, reason=reason,
                  details=lambda row: {"routes": routes}, extra={"outcome": "unsettled"})
    return _act(db, rules, case_no, "fail", build, operator=operator, at=at,
                expect_version=expect_version)


def serve(db, rules, case_no: str, *, operator: str, at: datetime | None = None,
          reason: str | None = None, expect_version: int | None = None) -> CaseRecord:
    """办结 (windows): in_progress -> served."""
    build = _move(rules, "serve", reason=reason, extra={"outcome": "served"})
    return _act(db, rules, case_no, "serve", build, operator=operator, at=at,
                expect_version=expect_version)


def transfer(db, rules, case_no: str, *, to: str, reason: str, operator: str,
             at: datetime | None = None, expect_version: int | None = None) -> CaseRecord:
    """转办: diverted or in_progress -> diverted at another destination, with a reason.

    A third or later transfer needs a supervisor.
    """
    target = destination_id(rules, to, option="to")
    build = _move(rules, "transfer", to=target, reason=reason,
                  details=lambda row: {"from": row["destination"]})
    return _act(db, rules, case_no, "transfer", build, operator=operator, at=at,
                expect_version=expect_version)


def extend(db, rules, case_no: str, *, days: int, consent: bool, operator: str,
           at: datetime | None = None, reason: str | None = None,
           expect_version: int | None = None) -> CaseRecord:
    """延期: once, with both parties' consent; adds ``days`` to the mediation limit."""
    limit = rules.time_limits.get("mediation")
    most = limit.extension_days if limit is not None and limit.extension_days else None
    if most is not None and isinstance(days, int) and days > most:
        raise Refused(f"an extension adds at most {most} days, not {days}")
    build = _move(rules, "extend", stage=False, days=days, consent=consent, reason=reason,
                  details=lambda row: {"days": days, "consent": consent},
                  extra={"extension_days": days})
    return _act(db, rules, case_no, "extend", build, operator=operator, at=at,
                expect_version=expect_version)


def withdraw(db, rules, case_no: str, *, operator: str, at: datetime | None = None,
             reason: str | None = None, expect_version: int | None = None) -> CaseRecord:
    """撤回: from any open state before an outcome -> withdrawn."""
    build = _move(rules, "withdraw", reason=reason, extra={"outcome": "withdrawn"})
    return _act(db, rules, case_no, "withdraw", build, operator=operator, at=at,
                expect_version=expect_version)


def close(db, rules, case_no: str, *, operator: str, at: datetime | None = None,
          reason: str | None = None, expect_version: int | None = None) -> CaseRecord:
    """结案 after the follow-up visit: settled, unsettled or served -> closed."""
    build = _move(rules, "close", reason=reason)
    return _act(db, rules, case_no, "close", build, operator=operator, at=at,
                expect_version=expect_version)


def reveal(db, rules, case_no: str, *, operator: str, at: datetime | None = None,
           reason: str | None = None) -> CaseRecord:
    """The case with personal data unmasked; the reveal is recorded as an event
    (trigger ``reveal``, from == to == the current state) in the same transaction."""

    def build(conn, row, op, at):
        return {}, [_event("reveal", row, row["state"], op, at, rules, reason=reason)]

    return _act(db, rules, case_no, "reveal", build, operator=operator, at=at,
                expect_version=None, reveal=True)
