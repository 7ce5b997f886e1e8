"""登记: registering a new case, in one transaction with its first event."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mediation.cases import parse_case
from mediation.desk.read import CaseRecord, load_record
from mediation.desk.roles import authorise
from mediation.desk.transaction import when
from mediation.errors import CaseError, Refused
from mediation.store.numbers import beyond_known, next_case_no
from mediation.store.records import case_row, event_row, insert_case, party_rows
from mediation.store.schema import cases


def register(db, rules, data: Mapping[str, Any] | Any, *, operator: str,
             at: datetime | None = None) -> CaseRecord:
    """登记: store a new case (a mapping for :func:`parse_case`, or a parsed ``Case``).

    The case gets the next free number of the registration year unless it brings
    its own (a paper record's), which must be new and leaves the year's counter
    alone (:mod:`mediation.store.numbers`). ``received_at`` defaults to ``at``
    and may not lie after it.
    """
    op = authorise(rules, operator, "register")
    at = when(at)
    case = parse_case(data, rules, now=at) if isinstance(data, Mapping) else data
    if case.received_at > at:
        raise CaseError(f"received_at {case.received_at.isoformat()} lies after the registration "
                        f"({at.isoformat()})", field="received_at")
    with db.write() as conn:
        if case.case_no:
            case_no = case.case_no
            if _stored(conn, case_no):
                raise Refused(f"case {case_no} already exists")
            try:
                _insert(conn, case, case_no, at, op.id, rules.digest)
            except IntegrityError:  # another desk stored the same given number just now
                raise Refused(f"case {case_no} already exists") from None
        else:
            while True:
                case_no = next_case_no(conn, at.year)
                try:
                    _insert(conn, case, case_no, at, op.id, rules.digest)
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
    its year so far (the desk's counter, or a number stored); 0 for a case without one. Above :data:`FAR_AHEAD` it is likely a typo
    (00500 for 00050): ``mediation case register`` asks at a terminal and warns otherwise.
    Such a number is accepted all the same and never moves the desk's numbers."""
    if not case.case_no:
        return 0
    with db.read() as conn:
        return beyond_known(conn, case.case_no)


def _stored(conn, case_no: str) -> bool:
    return conn.execute(select(cases.c.case_no).where(cases.c.case_no == case_no)).first() is not None


def _insert(conn, case, case_no: str, at: datetime, operator: str, digest: str) -> None:
    """Insert the case and its first event in a savepoint (a refused number leaves the transaction usable)."""
    row = case_row(case, case_no=case_no, at=at, rules_digest=digest)
    first = event_row("register", None, "registered", at=at, operator=operator, rules_digest=digest)
    with conn.begin_nested():
        insert_case(conn, row, party_rows(case, case_no), [first])
