"""The desk's lifecycle use cases: review, divert, take, settle, ... each one transaction.

Every function takes the database, the rule set, the operator id (and
``entered_by``, the supervisor entering a paper record for them, if any) and ``at``
(when it happened; default now, never in the future nor before the case's
last event); the operator must be allowed the action (:mod:`.roles`). Each
returns the case as it is afterwards (a :class:`~mediation.desk.read.CaseRecord`).
How the transaction runs: :mod:`.transaction`.

Routing override: a supervisor diverts with ``to=`` and a ``reason``. Two
events are written: ``override`` (from and to ``under_review``; destination:
the one chosen; rule: the routing rule overridden; details: where the rules
sent it), then ``divert`` to the chosen destination, whose details hold the
rules' decision and explanation as for any divert.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from mediation.deadlines.limits import mediation_terms
from mediation.desk.agreement import parse_agreement
from mediation.desk.read import CaseRecord
from mediation.desk.roles import authorise
from mediation.desk.transaction import act, event, step
from mediation.errors import InputError, Refused
from mediation.lifecycle import CaseModel, fire
from mediation.store.records import case_from_row, get_parties


def review(db, rules, case_no: str, *, operator: str, entered_by: str | None = None, at: datetime | None = None,
           expect_version: int | None = None) -> CaseRecord:
    """受理审查 by the rules: registered -> under_review, then on to rejected or referred_out
    if the review says so (rule id, reason and where it is referred in the events).
    An accepted case stays under_review until it is diverted."""
    def build(conn, row, op, at):
        verdict = rules.review(case_from_row(row))
        model = CaseModel.of_row(row)
        fire(model, "review")
        details = {"outcome": verdict.outcome, "to": verdict.to}
        evs = [event("review", row, model.state, op, at, rules, rule=verdict.rule,
                      reason=verdict.reason, details=details)]
        if verdict.outcome != "accepted":
            trigger = "reject" if verdict.outcome == "rejected" else "refer_out"
            before = dict(row, state=model.state)
            fire(model, trigger)
            evs.append(event(trigger, before, model.state, op, at, rules, rule=verdict.rule,
                              reason=verdict.reason, details={"to": verdict.to}))
        return dict(model.columns(), rules_digest=rules.digest), evs

    return act(db, rules, case_no, "review", build, operator=operator, entered_by=entered_by, at=at,
                expect_version=expect_version)


def destination_id(rules, text: str, *, option: str = "destination") -> str:
    """A destination id from an id, a Chinese label or a part of one only it has (物业);
    :class:`InputError` naming the nearest, :class:`AmbiguousLabel` listing the candidates."""
    if text in rules.catalogue.destinations:
        return text
    return rules.catalogue.resolve("destination", text, field=option, partial=True)


def divert(db, rules, case_no: str, *, operator: str, entered_by: str | None = None, at: datetime | None = None,
           to: str | None = None, reason: str | None = None,
           expect_version: int | None = None) -> CaseRecord:
    """分流 by the routing rules: under_review -> diverted, storing the decision and its explanation.

    With ``to`` (and a ``reason``), a supervisor overrides the rules' destination;
    see the module docstring for the events written.
    """
    chosen = destination_id(rules, to, option="to") if to else None
    if chosen and not (reason and reason.strip()):
        raise InputError("overriding the routing needs a reason (--reason)", why="needs_reason", option="--reason")

    def build(conn, row, op, at):
        case = case_from_row(row)
        decision = rules.route(case)
        explanation = rules.explain(case).as_dict()
        evs = []
        model = CaseModel.of_row(row)
        target = decision.destination
        if chosen:
            authorise(conn, op.id, "override", destination=row["destination"], case_no=case_no)
            if chosen == decision.destination:
                raise Refused(f"the rules already send {case_no} to {chosen}: divert it without --to",
                              why="already_routed", option="--to", value=chosen, bound=case_no)
            evs.append(event("override", row, row["state"], op, at, rules, destination=chosen,
                              rule=decision.rule, reason=reason,
                              details={"routed": decision.destination}))
            target = chosen
        fire(model, "divert", destination=target)
        details = {"decision": decision.as_dict(), "explanation": explanation}
        if chosen:
            details["override"] = {"destination": chosen, "routed": decision.destination}
        evs.append(event("divert", row, model.state, op, at, rules, destination=target,
                          rule=decision.rule, reason=reason if chosen else None, details=details))
        return dict(model.columns(), stage_at=at, rules_digest=rules.digest), evs

    return act(db, rules, case_no, "divert", build, operator=operator, entered_by=entered_by, at=at,
                expect_version=expect_version)


def take(db, rules, case_no: str, *, operator: str, entered_by: str | None = None, at: datetime | None = None,
         expect_version: int | None = None) -> CaseRecord:
    """承办: a mediator (or supervisor) takes the case up: diverted -> in_progress."""
    return act(db, rules, case_no, "take", step(rules, "take"), operator=operator, entered_by=entered_by, at=at,
                expect_version=expect_version)


def settle(db, rules, case_no: str, *, agreement_form: str, operator: str, entered_by: str | None = None,
           at: datetime | None = None, reason: str | None = None,
           agreement: Mapping[str, Any] | None = None,
           expect_version: int | None = None) -> CaseRecord:
    """调解成功 (rooms): in_progress -> settled, with the agreement's form (oral or written).

    A written agreement needs its contents (``agreement``: facts, terms,
    performance, copies, amount; :mod:`.agreement`), stored in the settle
    event's details; an oral one may have them.
    """
    if agreement is None and agreement_form == "written":
        raise InputError("a written agreement needs its contents: --facts, --terms and --performance "
                         "(or --from-json FILE)", why="agreement_contents", option="--agreement", value="written")

    def build(conn, row, op, at):
        details: dict[str, Any] = {"agreement_form": agreement_form}
        if agreement is not None:
            named = len(get_parties(conn, case_no))
            details["agreement"] = parse_agreement(agreement, named_parties=named)
        return step(rules, "settle", agreement_form=agreement_form, reason=reason,
                    details=lambda row: details,
                    extra={"agreement_form": agreement_form, "outcome": "settled"})(conn, row, op, at)

    return act(db, rules, case_no, "settle", build, operator=operator, entered_by=entered_by, at=at,
                expect_version=expect_version)


def fail(db, rules, case_no: str, *, routes: Iterable[str], operator: str, entered_by: str | None = None,
         at: datetime | None = None, reason: str | None = None,
         expect_version: int | None = None) -> CaseRecord:
    """调解不成 (rooms): in_progress -> unsettled, with the routes the parties were told of."""
    routes = list(routes)
    build = step(rules, "fail", routes=routes, reason=reason,
                  details=lambda row: {"routes": routes}, extra={"outcome": "unsettled"})
    return act(db, rules, case_no, "fail", build, operator=operator, entered_by=entered_by, at=at,
                expect_version=expect_version)


def serve(db, rules, case_no: str, *, operator: str, entered_by: str | None = None, at: datetime | None = None,
          reason: str | None = None, expect_version: int | None = None) -> CaseRecord:
    """办结 (windows): in_progress -> served."""
    build = step(rules, "serve", reason=reason, extra={"outcome": "served"})
    return act(db, rules, case_no, "serve", build, operator=operator, entered_by=entered_by, at=at,
                expect_version=expect_version)


def transfer(db, rules, case_no: str, *, to: str, reason: str, operator: str, entered_by: str | None = None,
             at: datetime | None = None, expect_version: int | None = None) -> CaseRecord:
    """转办: diverted or in_progress -> diverted at another destination, with a reason.

    A third or later transfer needs a supervisor.
    """
    target = destination_id(rules, to, option="to")
    build = step(rules, "transfer", to=target, reason=reason,
                  details=lambda row: {"from": row["destination"]})
    return act(db, rules, case_no, "transfer", build, operator=operator, entered_by=entered_by, at=at,
                expect_version=expect_version)


def extend(db, rules, case_no: str, *, days: int, consent: bool, operator: str, entered_by: str | None = None,
           at: datetime | None = None, reason: str | None = None,
           expect_version: int | None = None) -> CaseRecord:
    """延期: once, with both parties' consent; adds ``days`` to the mediation limit.

    Refused where the case's mediation limit allows no extension: a labour
    dispute's 15 days run from receipt with no extension (劳动争议调解仲裁法
    art. 14); the message quotes the basis from ``rules/sla.yaml``.
    """

    def build(conn, row, op, at):
        terms = mediation_terms(rules, row["category"], row["destination"])
        refusal = None
        if terms is not None and not terms.extendable:
            refusal = _no_extension(rules, case_no, row, terms)
        elif terms is not None and isinstance(days, int) and days > terms.extension_days:
            raise Refused(f"an extension adds at most {terms.extension_days} days, not {days}",
                          why="extension_days", option="--days", value=days, bound=terms.extension_days)
        return step(rules, "extend", stage=False, days=days, consent=consent, reason=reason,
                    no_extension=refusal, details=lambda row: {"days": days, "consent": consent},
                    extra={"extension_days": days})(conn, row, op, at)

    return act(db, rules, case_no, "extend", build, operator=operator, entered_by=entered_by, at=at,
                expect_version=expect_version)


def _no_extension(rules, case_no: str, row, terms) -> Refused:
    """Why ``case_no`` cannot be extended, with the legal basis and what comes next (``bound``:
    the limit's days, what they count from, its basis and the route after it)."""
    kind = rules.catalogue.label("category", row["category"])
    since = "receipt (registration)" if terms.counted_from == "registration" else "the start of mediation"
    text = (f"{case_no} cannot be extended: a {kind} case's mediation limit is {terms.limit} days "
            f"from {since}, with no extension")
    if terms.basis:
        text += f" ({terms.basis})"
    if terms.then:
        text += f"; once it has passed the parties may apply for {terms.then} " \
                f"({rules.catalogue.label('route', terms.then)})"
    return Refused(text, why="no_extension", value=row["category"],
                   bound={"limit": terms.limit, "from": terms.counted_from, "basis": terms.basis, "then": terms.then})


def withdraw(db, rules, case_no: str, *, operator: str, entered_by: str | None = None, at: datetime | None = None,
             reason: str | None = None, expect_version: int | None = None) -> CaseRecord:
    """撤回: from any open state before an outcome -> withdrawn."""
    build = step(rules, "withdraw", reason=reason, extra={"outcome": "withdrawn"})
    return act(db, rules, case_no, "withdraw", build, operator=operator, entered_by=entered_by, at=at,
                expect_version=expect_version)


def close(db, rules, case_no: str, *, operator: str, entered_by: str | None = None, at: datetime | None = None,
          reason: str | None = None, expect_version: int | None = None) -> CaseRecord:
    """结案 after the follow-up visit: settled, unsettled or served -> closed."""
    build = step(rules, "close", reason=reason)
    return act(db, rules, case_no, "close", build, operator=operator, entered_by=entered_by, at=at,
                expect_version=expect_version)


def reveal(db, rules, case_no: str, *, operator: str, entered_by: str | None = None, at: datetime | None = None,
           reason: str | None = None) -> CaseRecord:
    """The case with personal data unmasked; the reveal is recorded as an event
    (trigger ``reveal``, from == to == the current state) in the same transaction."""

    def build(conn, row, op, at):
        return {}, [event("reveal", row, row["state"], op, at, rules, reason=reason)]

    return act(db, rules, case_no, "reveal", build, operator=operator, entered_by=entered_by, at=at,
                expect_version=None, reveal=True)
