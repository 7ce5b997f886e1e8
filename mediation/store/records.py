"""Rows in and out: a :class:`~mediation.domain.Case` as a row and back, events, batches.

Everything here runs inside a transaction the caller holds (``db.write()`` or
``db.read()``); nothing commits on its own.

- :func:`case_from_row` rebuilds the domain ``Case`` from a ``cases`` row (and
  its parties), so the rules can review and route a stored case.
- :func:`append` is the one way a stored case changes: it updates the row
  ``WHERE version = <read version>`` (else :class:`ConcurrentUpdate`) and
  appends the events with the next sequence numbers, so ``version`` always
  equals the number of events.
- :func:`insert_case` inserts one case with its parties and events (a desk's
  registration); bulk loads have :mod:`mediation.store.bulk`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from mediation.domain import CASE_FIELDS, CASE_NO, STORED_FIELDS, Case, Party
from mediation.errors import ConcurrentUpdate, NotFound
from mediation.store.schema import cases, events, parties
from mediation.text import quoted

#: The fields of a case stored as columns of ``cases`` (parties live in their own table), from
#: their definition (:class:`mediation.domain.Case`).
CASE_COLUMNS = STORED_FIELDS
EVENT_COLUMNS = (
    "at", "operator", "trigger", "from_state", "to_state", "destination", "rule",
    "rules_digest", "reason", "details",
)

__all__ = [
    "CASE_COLUMNS", "EVENT_COLUMNS", "append", "case_from_row", "case_row", "event_row", "get_case",
    "get_events", "get_parties", "insert_case", "party_rows",
]


def case_row(case: Case, *, case_no: str, at: datetime, rules_digest: str, **lifecycle: Any) -> dict:
    """The ``cases`` row of a newly registered case (state ``registered``, version 1).

    ``lifecycle`` overrides the lifecycle columns (``state``, ``destination``, ...)
    for a case loaded in a later state, e.g. by a replay.
    """
    row = {name: getattr(case, name) for name in CASE_COLUMNS}
    row.update(
        case_no=case_no, state="registered", destination=None, transfers=0, extended=False,
        extension_days=0, agreement_form=None, outcome=None, escalation=0,
        registered_at=at, stage_at=at, updated_at=at, rules_digest=rules_digest, version=1,
    )
    row.update(lifecycle)
    return row


def party_rows(case: Case, case_no: str) -> list[dict]:
    """The ``parties`` rows of a case: applicants then respondents, numbered from 1 per role."""
    rows = []
    for role, people in (("applicant", case.applicants), ("respondent", case.respondents)):
        for position, p in enumerate(people, 1):
            rows.append({"case_no": case_no, "role": role, "position": position,
                         "name": p.name, "id_number": p.id_number, "phone": p.phone})
    return rows


def event_row(trigger: str, from_state: str | None, to_state: str, *, at: datetime,
              operator: str, destination: str | None = None, rule: str | None = None,
              rules_digest: str | None = None, reason: str | None = None,
              details: Mapping[str, Any] | None = None, entered_by: str | None = None) -> dict:
    """An ``events`` row without ``case_no``/``seq`` (:func:`append` and the inserts fill them).

    ``entered_by``: the supervisor who entered the record for ``operator`` (else None).
    """
    return {"at": at, "operator": operator, "trigger": trigger, "from_state": from_state,
            "to_state": to_state, "destination": destination, "rule": rule,
            "rules_digest": rules_digest, "reason": reason,
            "details": dict(details) if details else None, "entered_by": entered_by}


def case_from_row(row: Mapping[str, Any], party_list: Iterable[Mapping[str, Any]] = ()) -> Case:
    """The domain :class:`Case` of a stored row (with its parties, if given)."""
    people: dict[str, list[Party]] = {"applicant": [], "respondent": []}
    for p in sorted(party_list, key=lambda p: (p["role"], p["position"])):
        people[p["role"]].append(Party(name=p["name"], id_number=p["id_number"], phone=p["phone"]))
    values = {name: _FROM_COLUMN.get(CASE_FIELDS[name].kind, _same)(row[name]) for name in CASE_COLUMNS}
    return Case(case_no=row["case_no"], applicants=tuple(people["applicant"]),
                respondents=tuple(people["respondent"]), **values)


def _same(value: Any) -> Any:
    return value


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


#: How a stored value of each kind becomes the case's (SQLite gives 0/1 for booleans, floats for amounts).
_FROM_COLUMN = {"flag": bool, "money": _decimal}


# --------------------------------------------------------------------- reading


def get_case(conn: Connection, case_no: str) -> RowMapping:
    """The ``cases`` row of ``case_no``; :class:`NotFound` if there is none."""
    if not isinstance(case_no, str) or not CASE_NO.match(case_no):
        # never sent to the database: PostgreSQL refuses some text (a NUL) with an error of its own
        raise NotFound(f"no case {quoted(case_no)}", what="case", key=case_no,
                       hint="case numbers look like XS-2020-00001")
    row = conn.execute(select(cases).where(cases.c.case_no == case_no)).mappings().first()
    if row is None:
        raise NotFound(f"no case {case_no}", what="case", key=case_no)
    return row


def get_parties(conn: Connection, case_no: str) -> list[RowMapping]:
    stmt = select(parties).where(parties.c.case_no == case_no).order_by(
        parties.c.role, parties.c.position)
    return list(conn.execute(stmt).mappings())


def get_events(conn: Connection, case_no: str) -> list[RowMapping]:
    """A case's events, oldest first."""
    stmt = select(events).where(events.c.case_no == case_no).order_by(events.c.seq)
    return list(conn.execute(stmt).mappings())


# --------------------------------------------------------------------- writing


def insert_case(conn: Connection, row: Mapping[str, Any], party_list: Sequence[Mapping[str, Any]],
                event_list: Sequence[Mapping[str, Any]]) -> None:
    """Insert one case with its parties and events (numbered 1, 2, ...), through SQLAlchemy's
    own statements (a desk's registration; bulk loads use :func:`mediation.store.bulk.insert_cases`)."""
    case_no = row["case_no"]
    if not event_list:
        raise ValueError(f"{case_no}: a case is inserted with at least its registration event")
    conn.execute(insert(cases), [dict(row, version=len(event_list), updated_at=event_list[-1]["at"])])
    if party_list:
        conn.execute(insert(parties), [dict(p, case_no=case_no) for p in party_list])
    conn.execute(insert(events), [dict(e, case_no=case_no, seq=n) for n, e in enumerate(event_list, 1)])


def append(conn: Connection, case_no: str, read_version: int, changes: Mapping[str, Any],
           new_events: Sequence[Mapping[str, Any]]) -> int:
    """Apply ``changes`` to the case and append ``new_events``; return the new version.

    The update holds only if the row is still at ``read_version``; otherwise nothing
    is written and :class:`ConcurrentUpdate` says so. ``updated_at`` becomes the
    last event's time.
    """
    if not new_events:
        raise ValueError("append needs at least one event")
    version = read_version + len(new_events)
    values = dict(changes, version=version, updated_at=new_events[-1]["at"])
    result = conn.execute(
        update(cases).where(cases.c.case_no == case_no, cases.c.version == read_version).values(values)
    )
    if result.rowcount != 1:
        current = conn.execute(select(cases.c.version).where(cases.c.case_no == case_no)).scalar()
        if current is None:
            raise NotFound(f"no case {case_no}", what="case", key=case_no)
        raise ConcurrentUpdate(
            f"{case_no} was changed by someone else while you acted on it "
            f"(version {read_version}, now {current})",
            hint=f"look at it again (mediation case show {case_no}) and retry",
            why="raced", case_no=case_no, seen=read_version, current=current,
        )
    conn.execute(insert(events), [
        dict(e, case_no=case_no, seq=read_version + n) for n, e in enumerate(new_events, 1)
    ])
    return version
