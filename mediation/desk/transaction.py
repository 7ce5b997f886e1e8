"""How a desk's use case changes a case: one transaction, one version check, its events.

Every state-changing use case reads the case, checks who acts and when,
builds the changes and events (``build``), and writes them with
:func:`mediation.store.records.append`: ``WHERE version = <read version>``,
so a concurrent change is a :class:`~mediation.errors.ConcurrentUpdate`,
never a lost update. Passing ``expect_version`` (what the operator last saw)
refuses to act on a stale view.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from mediation.cases import CaseParser
from mediation.clock import now, to_centre
from mediation.desk.read import CaseRecord, load_record
from mediation.desk.roles import authorise, entering
from mediation.domain import CASE_FIELDS
from mediation.errors import ConcurrentUpdate, InvalidTransition, PermissionDenied, Refused
from mediation.lifecycle import CaseModel, fire
from mediation.store.records import append, event_row, get_case

#: Builds a use case's changes and events: (conn, row, operator, at) -> (changes, events).
Build = Callable[[Any, dict, Any, datetime], tuple[dict, list[dict]]]


def when(at: datetime | None, last: datetime | None = None) -> datetime:
    """The moment an act is recorded at: ``at`` (in the centre's time) or now.

    Never in the future, never before the case's last event (``last``).
    """
    current = now()
    at = current if at is None else to_centre(at)
    if at > current:
        raise Refused(f"--at {at.isoformat()} lies in the future", why="future", option="--at", value=at,
                      bound=current)
    if last is not None and at < last:
        raise Refused(f"--at {at.isoformat()} lies before the case's last event ({last.isoformat()})",
                      why="before_last", option="--at", value=at, bound=last)
    return at


def act(db, rules, case_no: str, action: str, build: Build, *, operator: str,
        at: datetime | None, expect_version: int | None, reveal: bool = False,
        entered_by: str | None = None) -> CaseRecord:
    """Read the case, check role and time, ``build`` its changes and events, write them.

    Roles are the database's (:func:`~mediation.desk.roles.authorise`); ``entered_by``, a
    supervisor entering the act for ``operator``, is recorded on every event written.
    """
    with db.write() as conn:
        entering(conn, entered_by, operator)
        row = dict(get_case(conn, case_no))
        if expect_version is not None and row["version"] != expect_version:
            raise ConcurrentUpdate(
                f"{case_no} has changed since you looked at it (version {expect_version}, "
                f"now {row['version']})", hint=f"look at it again (mediation case show {case_no})",
                why="changed", case_no=case_no, seen=expect_version, current=row["version"])
        op = authorise(conn, operator, action, destination=row["destination"], case_no=case_no)
        moment = when(at, row["updated_at"])
        try:
            changes, new_events = build(conn, row, op, moment)
        except (InvalidTransition, PermissionDenied) as exc:
            # the lifecycle knows the case's columns, not its number nor who acts: said here
            raise exc.located(case_no=case_no, who=op.id, role=op.role, places=op.destinations,
                              place=row["destination"]) from None
        # 督办 levels belong to a deadline: a new stage (or an extension) sets a new
        # one, so the level starts again at 0 (the escalate events keep the history).
        if "stage_at" in changes or "extension_days" in changes:
            changes.setdefault("escalation", 0)
        for ev in new_events:
            ev["entered_by"] = entered_by
        append(conn, case_no, row["version"], changes, new_events)
        record = load_record(conn, case_no, revealed=reveal)
        record.written = len(new_events)
        return record


#: The longest reason an event holds (as long as a case's summary).
REASON_LIMIT = CASE_FIELDS["summary"].width


def reason_text(reason: str | None) -> str | None:
    """A reason (``--reason``) checked as a summary is: text, at most :data:`REASON_LIMIT`
    characters, no control or bidirectional formatting character; stripped, None if blank."""
    if reason is None:
        return None
    value = CaseParser.text(reason, "--reason", REASON_LIMIT)
    return value or None


def event(trigger: str, row: dict, to_state: str, op, at: datetime, rules, **kw: Any) -> dict:
    """An event of the case in ``row`` moving to ``to_state`` (destination: the case's, unless given);
    its reason checked by :func:`reason_text`."""
    kw.setdefault("destination", row["destination"])
    if "reason" in kw:
        kw["reason"] = reason_text(kw["reason"])
    return event_row(trigger, row["state"], to_state, at=at, operator=op.id,
                     rules_digest=rules.digest, **kw)


def step(rules, trigger: str, *, stage: bool = True, reason: str | None = None,
         details: Callable[[dict], dict | None] | None = None, extra: dict | None = None,
         **context: Any) -> Build:
    """A builder for a plain lifecycle step: fire ``trigger``, record one event.

    ``stage``: the step starts a new stage (its deadline counts from now);
    ``extra``: more columns to change; ``context``: what the lifecycle's guards read.
    """

    def build(conn, row: dict, op, at: datetime):
        model = CaseModel.of_row(row)
        fire(model, trigger, role=op.role, reason=reason, **context)
        changes = model.columns()
        if stage:
            changes["stage_at"] = at
        changes.update(extra or {})
        ev = event(trigger, row, model.state, op, at, rules, destination=model.destination,
                   reason=reason, details=details(row) if details else None)
        return changes, [ev]

    return build
