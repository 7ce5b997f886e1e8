"""Reading cases: one case with its timeline, filtered lists, a destination's queue.

Personal data leaves this module masked unless a record was read through
:func:`mediation.desk.moves.reveal` (which records the reveal as an event).
What ``mediation case show --json`` prints of a record (docs/design.md §7) is
:func:`mediation.desk.views.case_view`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection

from mediation import clock
from mediation.deadlines.overdue import DEADLINE_STATES, lateness
from mediation.errors import InputError
from mediation.lifecycle.table import STATES
from mediation.store.records import case_from_row, get_case, get_events, get_parties
from mediation.store.schema import cases
from mediation.text import quoted

#: Open states in which a case sits at a destination (its queue).
QUEUE_STATES = ("diverted", "in_progress", "settled", "unsettled", "served")
#: What a listing sorts by: the columns ``case list`` shows (and ``updated_at``). States sort in
#: lifecycle order; streets, categories and destinations in the rule set's order (by id without
#: it); ``deadline`` and ``overdue`` are computed per case (every matching case is read).
SORTS = ("received_at", "case_no", "updated_at", "state", "destination", "category", "street",
         "escalation", "deadline", "overdue")
COMPUTED_SORTS = ("deadline", "overdue")
MAX_PAGE = 1000


@dataclass(slots=True)
class CaseRecord:
    """A stored case as read: its row, parties and events (oldest first)."""

    row: dict
    parties: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    revealed: bool = False
    #: How many events the call that returned this record wrote (the last ones).
    written: int = 0
    #: A keyed registration that had been answered before: nothing was written now.
    replayed: bool = False
    #: A keyed registration's first answer (the ``case show --json`` object of then).
    answer: dict | None = None

    @property
    def case_no(self) -> str:
        return self.row["case_no"]

    @property
    def state(self) -> str:
        return self.row["state"]

    @property
    def version(self) -> int:
        return self.row["version"]

    def case(self):
        """The domain :class:`~mediation.domain.Case` (for the rules)."""
        return case_from_row(self.row, self.parties)


def load_record(conn: Connection, case_no: str, *, revealed: bool = False) -> CaseRecord:
    """The case with its parties and events, inside the caller's transaction."""
    row = dict(get_case(conn, case_no))
    return CaseRecord(row, [dict(p) for p in get_parties(conn, case_no)],
                      [dict(e) for e in get_events(conn, case_no)], revealed)


def show(db, case_no: str) -> CaseRecord:
    """The case ``case_no`` with its timeline (personal data masked in views)."""
    with db.read() as conn:
        return load_record(conn, case_no)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing: the rows and how many match in all."""

    rows: list[dict]
    total: int
    offset: int
    limit: int
    #: With an overdue filter: the open cases whose deadline could not be computed
    #: (``case_no``, ``state``, ``deadline_error``), left out of ``rows``.
    unknown: list[dict] = field(default_factory=list)

    @property
    def pages(self) -> int:
        """How many pages of ``limit`` cases the matching cases fill (0 when none match)."""
        return -(-self.total // self.limit)


def _as_tuple(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def list_cases(db, *, state: str | Iterable[str] | None = None,
               destination: str | Iterable[str] | None = None,
               street: str | Iterable[str] | None = None,
               category: str | Iterable[str] | None = None,
               received_from: date | None = None, received_to: date | None = None,
               sort: str = "received_at", descending: bool = False,
               limit: int = 50, offset: int = 0, overdue_on: date | None = None,
               rules=None, as_of: date | None = None) -> Page:
    """Cases matching every filter given (each filter: one id or several), sorted and paged.

    ``received_from``/``received_to`` are inclusive days of ``received_at``. Ties in
    the sort are broken by case number, so pages never overlap. With
    ``overdue_on`` (and ``rules``), only the open cases overdue on that day
    (:func:`mediation.deadlines.overdue.lateness`); cases whose deadline the calendar
    cannot compute are left out of the page and listed in ``Page.unknown``.
    Sorting by ``deadline`` or ``overdue`` (see :data:`SORTS`) needs ``rules`` and
    judges lateness on ``as_of`` (default today); unknown deadlines sort last.
    """
    if sort not in SORTS:
        raise InputError(f"cannot sort by {quoted(sort)}", hint=f"sort by one of {', '.join(SORTS)}")
    if not 1 <= limit <= MAX_PAGE:
        raise InputError(f"a page holds 1 to {MAX_PAGE} cases, not {limit}")
    if offset < 0:
        raise InputError(f"offset must be 0 or more, not {offset}")
    c = cases.c
    where = []
    for column, values in ((c.state, state), (c.destination, destination), (c.street, street),
                           (c.category, category)):
        values = _as_tuple(values)
        if values:
            where.append(column.in_(values))
    if received_from is not None:
        where.append(c.received_at >= datetime.combine(received_from, time.min))
    if received_to is not None:
        where.append(c.received_at < datetime.combine(received_to + timedelta(days=1), time.min))
    if sort in COMPUTED_SORTS:
        if rules is None:
            raise TypeError(f"sorting by {sort} needs the rule set (rules=)")
        order = [c.case_no.desc()] if descending else [c.case_no]
    else:
        key = _sort_key(sort, rules)
        order = [key.desc(), c.case_no.desc()] if descending else [key, c.case_no]
    if overdue_on is not None or sort in COMPUTED_SORTS:
        day = overdue_on or as_of or clock.today()
        return _computed_page(db, rules, where, order, day, limit, offset, only_overdue=overdue_on is not None,
                              sort=sort if sort in COMPUTED_SORTS else None, descending=descending)
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(cases).where(*where)).scalar_one()
        rows = conn.execute(select(cases).where(*where).order_by(*order).limit(limit).offset(offset))
        return Page([dict(r) for r in rows.mappings()], total, offset, limit)


def _sort_key(sort: str, rules):
    """The SQL expression a stored column sorts by (lifecycle or catalogue order where it has one)."""
    column = cases.c[sort]
    if sort == "state":
        return case({s: n for n, s in enumerate(STATES)}, value=column, else_=len(STATES))
    catalogue = getattr(rules, "catalogue", None)
    known = {"street": "units", "category": "categories", "destination": "destinations"}
    if sort in known and catalogue is not None:
        ids = list(getattr(catalogue, known[sort]))
        return case({id_: n for n, id_ in enumerate(ids)}, value=column, else_=len(ids))
    return column


def _computed_page(db, rules, where: list, order: list, day: date, limit: int, offset: int, *,
                   only_overdue: bool, sort: str | None, descending: bool) -> Page:
    """A page computed case by case: the overdue cases among ``where`` (``only_overdue``) and/or
    every case sorted by its deadline or lateness on ``day``.

    Deadlines are computed per case (the working-day calendar is not in the
    database), so every candidate is read; open cases are few.
    """
    if rules is None:
        raise TypeError("listing overdue cases needs the rule set (rules=)")
    c = cases.c
    if only_overdue:
        # A deadline never falls before its stage began, so only earlier stages can be overdue.
        where = [*where, c.state.in_(DEADLINE_STATES), c.stage_at < datetime.combine(day, time.min)]
    rows, keys, unknown = [], [], []
    with db.read() as conn:
        for r in conn.execute(select(cases).where(*where).order_by(*order)).mappings():
            late = lateness(r, rules, day)
            if only_overdue and late.level is None:
                unknown.append({"case_no": r["case_no"], "state": r["state"], "deadline_error": late.error})
            elif not only_overdue or late.level:
                rows.append(dict(r))
                keys.append(_computed_key(sort, late))
    if sort is not None:  # stable: ties keep the case-number order; unknown last either way
        ranked = sorted(range(len(rows)), key=lambda n: keys[n][1], reverse=descending)
        ranked.sort(key=lambda n: keys[n][0])
        rows = [rows[n] for n in ranked]
    return Page(rows[offset:offset + limit], len(rows), offset, limit, unknown)


def _computed_key(sort: str | None, late) -> tuple[int, Any]:
    """(0 known / 1 unknown, value) of a case for a computed sort."""
    if sort == "deadline":
        return (0, late.deadline.due) if late.deadline is not None else (1, date.min)
    if sort == "overdue":
        return (0, late.days if late.level else 0) if late.level is not None else (1, 0)
    return (0, 0)


def queue(db, destination: str, *, limit: int = MAX_PAGE) -> list[dict]:
    """A room's or window's open cases, oldest (by ``received_at``) first."""
    c = cases.c
    stmt = (select(cases).where(c.destination == destination, c.state.in_(QUEUE_STATES))
            .order_by(c.received_at, c.case_no).limit(limit))
    with db.read() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]
