"""登记: registering a new case, in one transaction with its first event."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mediation.cases import parse_case
from mediation.desk.read import CaseRecord, load_record
from mediation.desk.roles import authorise, entering
from mediation.desk.transaction import when
from mediation.errors import CaseError, Refused
from mediation.store.numbers import claim_case_nos, next_case_no
from mediation.store.records import case_row, event_row, insert_case, party_rows
from mediation.store.schema import cases


def register(db, rules, data: Mapping[str, Any] | Any, *, operator: str,
             at: datetime | None = None, entered_by: str | None = None) -> CaseRecord:
    """登记: store a new case (a mapping for :func:`parse_case`, or a parsed ``Case``).

    The case gets the next number of the registration year unless it brings its
    own (a paper record's), which must be new. ``received_at`` defaults to ``at``
    and may not lie after it. ``entered_by``: the supervisor entering it for ``operator``.
    """
    at = when(at)
    case = parse_case(data, rules, now=at) if isinstance(data, Mapping) else data
    if case.received_at > at:
        raise CaseError(f"received_at {case.received_at.isoformat()} lies after the registration "
                        f"({at.isoformat()})", field="received_at")
    with db.write() as conn:
        entering(conn, entered_by, operator)
        op = authorise(conn, operator, "register")
        if case.case_no:
            taken = conn.execute(select(cases.c.case_no).where(cases.c.case_no == case.case_no)).first()
            if taken:
                raise Refused(f"case {case.case_no} already exists")
            claim_case_nos(conn, [case.case_no])
            case_no = case.case_no
        else:
            case_no = next_case_no(conn, at.year)
        row = case_row(case, case_no=case_no, at=at, rules_digest=rules.digest)
        first = event_row("register", None, "registered", at=at, operator=op.id,
                          rules_digest=rules.digest, entered_by=entered_by)
        try:
            insert_case(conn, row, party_rows(case, case_no), [first])
        except IntegrityError:  # another desk stored the same given number just now
            if not case.case_no:
                raise
            raise Refused(f"case {case_no} already exists") from None
        record = load_record(conn, case_no)
        record.written = 1
        return record
