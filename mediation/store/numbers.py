"""Case numbers ``XS-{year}-{seq:05d}``: one counter row per year.

A number is taken by one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``
statement on the year's counter row: on PostgreSQL the row lock serialises
concurrent registrations, on SQLite the write transaction does, so two desks
never get the same number. A case that arrives with its number (replay, a
paper record) raises the counter past it, so later numbers do not collide.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.engine import Connection

from mediation.domain import CASE_NO
from mediation.errors import CaseError, Refused
from mediation.text import quoted

PREFIX = "XS"
MAX_SEQ = 99_999


def format_case_no(year: int, seq: int) -> str:
    return f"{PREFIX}-{year}-{seq:05d}"


def parse_case_no(case_no: str) -> tuple[int, int]:
    """(year, seq) of a case number; :class:`CaseError` if it is not one."""
    m = CASE_NO.match(case_no)
    if not m:
        raise CaseError(f"case_no {quoted(case_no)} is not of the form XS-YYYY-NNNNN", field="case_no")
    return int(m.group(1)), int(m.group(2))


_NEXT = text(
    "INSERT INTO case_numbers (year, last) VALUES (:year, 1) "
    "ON CONFLICT (year) DO UPDATE SET last = case_numbers.last + 1 "
    "RETURNING last"
)


def next_case_no(conn: Connection, year: int) -> str:
    """Take the next number of ``year`` (inside the caller's write transaction)."""
    seq = conn.execute(_NEXT, {"year": year}).scalar_one()
    if seq > MAX_SEQ:
        raise Refused(f"case numbers of {year} are used up (XS-{year}-{MAX_SEQ})")
    return format_case_no(year, seq)


def claim_case_nos(conn: Connection, case_nos: Iterable[str]) -> None:
    """Raise each year's counter to at least the highest of ``case_nos`` (given numbers)."""
    top: dict[int, int] = {}
    for case_no in case_nos:
        year, seq = parse_case_no(case_no)
        if seq > top.get(year, 0):
            top[year] = seq
    if not top:
        return
    greatest = "max" if conn.dialect.name == "sqlite" else "GREATEST"
    stmt = text(
        "INSERT INTO case_numbers (year, last) VALUES (:year, :seq) "
        f"ON CONFLICT (year) DO UPDATE SET last = {greatest}(case_numbers.last, excluded.last)"
    )
    conn.execute(stmt, [{"year": y, "seq": s} for y, s in sorted(top.items())])
