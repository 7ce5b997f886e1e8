"""登记: registering a new case, in one transaction with its first event.

A registration may carry a request key (an HTTP ``Idempotency-Key``, a script's
``--request-id``): the key is stored with the case and the first answer in
``requests``, in the same transaction, under a unique constraint on
(requester, key). A retry with the same key gets the first answer back and
registers nothing; when two retries race, the loser's transaction fails on the
constraint, rolls back whole (its case number included) and reads the winner's
answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from mediation.cases import parse_case, parser_for
from mediation.desk.partners import Partner, still_active
from mediation.desk.read import CaseRecord, load_record
from mediation.desk.roles import authorise, entering
from mediation.desk.transaction import when
from mediation.desk.views import case_view
from mediation.errors import CaseError, InputError, Refused
from mediation.store.database import json_dumps
from mediation.store.numbers import beyond_known, next_case_no
from mediation.store.records import case_row, event_row, insert_case, party_rows
from mediation.store.schema import cases, requests

#: What a request key may be: 1 to 100 visible ASCII characters (a UUID fits).
REQUEST_KEY = re.compile(r"[\x21-\x7e]{1,100}")


def register(db, rules, data: Mapping[str, Any] | Any, *, operator: str,
             at: datetime | None = None, entered_by: str | None = None,
             request_key: str | None = None) -> CaseRecord:
    """登记: store a new case (a mapping for :func:`parse_case`, or a parsed ``Case``).

    The case gets the next free number of the registration year unless it brings
    its own (a paper record's), which must be new and leaves the year's counter
    alone (:mod:`mediation.store.numbers`). ``received_at`` defaults to ``at``
    and may not lie after it. ``entered_by``: the supervisor entering it for
    ``operator``. With ``request_key``, a second call with the same
    operator and key registers nothing and returns the first call's case, with
    ``replayed`` set and ``answer`` holding the first answer.
    """
    at = when(at)
    case = parse_case(data, rules, now=at) if isinstance(data, Mapping) else data
    return _store(db, rules, case, operator=operator, at=at, request_key=request_key, entered_by=entered_by)


def entrust(db, rules, data: Mapping[str, Any], *, partner: Partner,
            request_key: str | None = None) -> CaseRecord:
    """委托: a partner's submission of an entrusted case, registered now.

    ``channel`` is ``referral`` and ``referred_by`` the partner's department,
    whatever ``data`` says; the centre gives the case number (``case_no`` in
    ``data`` is refused). The event's operator is ``partner:ID``. The partner
    must still be active when the case is written.
    """
    data = entrusted(data, rules, partner)
    at = when(None)
    case = parse_case(data, rules, now=at)
    return _store(db, rules, case, operator=partner.operator, at=at, request_key=request_key,
                  partner=partner)


def entrusted(data: Mapping[str, Any], rules, partner: Partner) -> dict:
    """A partner's case as it is registered: ``channel`` ``referral`` and ``referred_by`` the
    partner's department, replacing what ``data`` says under any name (id or Chinese heading);
    a ``case_no`` is refused (the centre gives it)."""
    if not isinstance(data, Mapping):
        raise CaseError(f"a case is an object of fields, not {type(data).__name__}")
    parser = parser_for(rules)
    out: dict[str, Any] = {}
    for key, value in data.items():
        field = parser.field_of(key) if isinstance(key, str) else None
        if field == "case_no" and value not in (None, ""):
            raise CaseError("case_no is given by the centre, not by a partner", field="case_no")
        if field not in ("channel", "referred_by", "case_no"):
            out[key] = value
    out.update(channel="referral", referred_by=partner.department)
    return out


def _check_key(request_key: str | None) -> None:
    if request_key is not None and not REQUEST_KEY.fullmatch(request_key):
        raise InputError("a request key is 1 to 100 visible ASCII characters (a UUID fits)", why="request_key",
                         option="--request-id")


def _answered(conn, operator: str, request_key: str) -> CaseRecord | None:
    """The case a keyed request already registered, with the first answer, or None."""
    found = conn.execute(select(requests.c.case_no, requests.c.answer).where(
        requests.c.requester == operator, requests.c.request_key == request_key)).first()
    if found is None:
        return None
    record = load_record(conn, found.case_no)
    record.replayed, record.answer = True, found.answer
    return record


def answered(db, requester: str, request_key: str) -> dict | None:
    """The first answer to the keyed request of ``requester`` (an operator, ``partner:ID``), or None."""
    _check_key(request_key)
    with db.read() as conn:
        found = conn.execute(select(requests.c.answer).where(
            requests.c.requester == requester, requests.c.request_key == request_key)).first()
    return None if found is None else found.answer


def _store(db, rules, case, *, operator: str, at: datetime, request_key: str | None,
           partner: Partner | None = None, entered_by: str | None = None) -> CaseRecord:
    if case.received_at > at:
        raise CaseError(f"received_at {case.received_at.isoformat()} lies after the registration "
                        f"({at.isoformat()})", field="received_at", why="received_after", value=case.received_at,
                        bound=at)
    _check_key(request_key)
    try:
        with db.write() as conn:
            if partner is not None:
                still_active(conn, partner.id)
            else:  # a member of staff: roles from the database (docs/design.md §8)
                entering(conn, entered_by, operator)
                operator = authorise(conn, operator, "register").id
            if request_key is not None:
                earlier = _answered(conn, operator, request_key)
                if earlier is not None:
                    return earlier
            record = _insert(conn, rules, case, operator=operator, at=at, request_key=request_key,
                             entered_by=entered_by)
            if request_key is not None:
                # as JSON gives it back: the first answer and a replay's are equal
                record.answer = json.loads(json_dumps(case_view(record, rules)))
                conn.execute(insert(requests).values(requester=operator, request_key=request_key,
                                                     case_no=record.case_no, at=at,
                                                     answer=record.answer))
            return record
    except IntegrityError:
        if request_key is None:
            raise
        # A racing retry with the same key committed first: this transaction is
        # rolled back whole; answer as the winner did.
        with db.read() as conn:
            earlier = _answered(conn, operator, request_key)
        if earlier is None:
            raise
        return earlier


def _insert(conn, rules, case, *, operator: str, at: datetime, request_key: str | None,
            entered_by: str | None = None) -> CaseRecord:
    details = {"request_key": request_key} if request_key else None
    if case.case_no:
        case_no = case.case_no
        if _stored(conn, case_no):
            raise Refused(f"case {case_no} already exists", why="case_exists", value=case_no)
        try:
            _insert_rows(conn, rules, case, case_no, at, operator, details, entered_by)
        except IntegrityError:  # another desk stored the same given number just now
            raise Refused(f"case {case_no} already exists", why="case_exists", value=case_no) from None
    else:
        while True:
            case_no = next_case_no(conn, at.year)
            try:
                _insert_rows(conn, rules, case, case_no, at, operator, details, entered_by)
                break
            except IntegrityError:
                # A paper record with this number, committed by another desk after
                # next_case_no looked: take the next one. Anything else is a real error.
                if not _stored(conn, case_no):
                    raise
    record = load_record(conn, case_no)
    record.written = 1
    return record


def number_ahead(db, case) -> int:
    """How far the number a case brings (a paper record's) lies beyond the highest number of
    its year so far (the desk's counter, or a number stored); 0 for a case without one.

    Above :data:`~mediation.store.numbers.FAR_AHEAD` it is likely a typo (00500 for
    00050): ``mediation case register`` asks at a terminal and warns otherwise.
    Such a number is accepted all the same and never moves the desk's numbers."""
    if not case.case_no:
        return 0
    with db.read() as conn:
        return beyond_known(conn, case.case_no)


def _stored(conn, case_no: str) -> bool:
    return conn.execute(select(cases.c.case_no).where(cases.c.case_no == case_no)).first() is not None


def _insert_rows(conn, rules, case, case_no: str, at: datetime, operator: str, details,
                 entered_by: str | None) -> None:
    """Insert the case and its first event in a savepoint (a refused number leaves the transaction usable)."""
    row = case_row(case, case_no=case_no, at=at, rules_digest=rules.digest)
    first = event_row("register", None, "registered", at=at, operator=operator, rules_digest=rules.digest,
                      details=details, entered_by=entered_by)
    with conn.begin_nested():
        insert_case(conn, row, party_rows(case, case_no), [first])
