"""Case numbers ``XS-{year}-{seq:05d}``: one counter row per year, moved by the desk only.

The promise (docs/guarantees.md): the numbers the desk issues in a year are
consecutive, except that a number already taken by a paper record (or a
replayed history: any case that brings its own number) is skipped. A given
number never moves nor blocks the counter: ``XS-2020-99999`` entered from paper
leaves the desk's next number where it was.

A number is taken by one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``
statement on the year's counter row: on PostgreSQL the row lock serialises
concurrent registrations, on SQLite the write transaction does, so two desks
never get the same number. If the number it gives is taken, the first free one
after it is found with one ordered index scan and the counter set to it. A
paper record stored by another desk at the same moment (not yet visible) is
the caller's to retry (:func:`mediation.desk.registration.register` does, in a
savepoint). The last number of a year is :data:`MAX_SEQ`; past it, desk
registration is refused with :class:`NumbersUsedUp` (exit 2), never an
internal error.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from mediation.domain import CASE_NO
from mediation.errors import CaseError, Refused
from mediation.store.schema import case_numbers, cases
from mediation.text import quoted

PREFIX = "XS"
MAX_SEQ = 99_999
#: A paper number more than this far beyond the desk's counter is probably a typo
#: (00500 for 00050): the CLI asks at a terminal and warns otherwise.
FAR_AHEAD = 100


class NumbersUsedUp(Refused):
    """Every number of a year (up to ``XS-YYYY-99999``) is issued or taken."""


def format_case_no(year: int, seq: int) -> str:
    return f"{PREFIX}-{year}-{seq:05d}"


def parse_case_no(case_no: str) -> tuple[int, int]:
    """(year, seq) of a case number; :class:`CaseError` if it is not one."""
    m = CASE_NO.match(case_no)
    if not m:
        raise CaseError(f"case_no {quoted(case_no)} is not of the form XS-YYYY-NNNNN", field="case_no")
    return int(m.group(1)), int(m.group(2))


# The WHERE keeps the counter within its CHECK (0..99999): at the end no row comes back.
_NEXT = text(
    "INSERT INTO case_numbers (year, last) VALUES (:year, 1) "
    "ON CONFLICT (year) DO UPDATE SET last = case_numbers.last + 1 "
    f"WHERE case_numbers.last < {MAX_SEQ} "
    "RETURNING last"
)


def _used_up(year: int) -> NumbersUsedUp:
    return NumbersUsedUp(f"case numbers of {year} are used up: every number up to "
                         f"{format_case_no(year, MAX_SEQ)} is issued or taken by a paper record",
                         hint="a case of that year can still be registered with its own number (--case-no)")


def _taken(conn: Connection, case_no: str) -> bool:
    return conn.execute(select(cases.c.case_no).where(cases.c.case_no == case_no)).first() is not None


def next_case_no(conn: Connection, year: int) -> str:
    """Take the next free number of ``year`` (inside the caller's write transaction).

    Numbers already stored (paper records, replayed histories) are skipped; the
    counter ends on the number returned. :class:`NumbersUsedUp` when none is left.
    """
    seq = conn.execute(_NEXT, {"year": year}).scalar()
    if seq is None:
        raise _used_up(year)
    case_no = format_case_no(year, seq)
    if not _taken(conn, case_no):
        return case_no
    # The stored numbers from here on, in order (the primary key's index): the first gap is free.
    stored = conn.execute(
        select(cases.c.case_no)
        .where(cases.c.case_no >= case_no, cases.c.case_no <= format_case_no(year, MAX_SEQ))
        .order_by(cases.c.case_no)
    ).scalars()
    free = seq
    for no in stored:
        if no != format_case_no(year, free):
            break
        free += 1
    if free > MAX_SEQ:
        raise _used_up(year)
    conn.execute(case_numbers.update().where(case_numbers.c.year == year).values(last=free))
    return format_case_no(year, free)


def counter(conn: Connection, year: int) -> int:
    """The last number the desk issued in ``year`` (0 before the first)."""
    last = conn.execute(select(case_numbers.c.last).where(case_numbers.c.year == year)).scalar()
    return last or 0


def highest(conn: Connection, year: int) -> int:
    """The highest number of ``year`` so far: issued by the desk or stored (0 before any)."""
    top = conn.execute(select(func.max(cases.c.case_no)).where(
        cases.c.case_no >= format_case_no(year, 0), cases.c.case_no <= format_case_no(year, MAX_SEQ))).scalar()
    return max(counter(conn, year), parse_case_no(top)[1] if top else 0)


def beyond_known(conn: Connection, case_no: str) -> int:
    """How far a given number lies beyond the highest of its year so far (0 if not beyond it).

    More than :data:`FAR_AHEAD` is worth a second look: such a number is kept,
    but it is likely a typo (00500 for 00050). The highest so far is the desk's
    counter or the highest number stored, so that a year's paper records
    entered one after another (a past year the desk never numbered) are not
    flagged each time.
    """
    year, seq = parse_case_no(case_no)
    return max(0, seq - highest(conn, year))
