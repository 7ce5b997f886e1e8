"""Bulk loads: whole cases as prepared rows, in few statements, on a connection tuned for it.

A persisted replay writes millions of rows; SQLAlchemy's per-row work
(type processing, parameter dicts) would cost more than the database's.
Here rows are plain tuples in the column orders :data:`CASE_ROW`,
:data:`PARTY_ROW` and :data:`EVENT_ROW`, with each value already as the
dialect stores it (:func:`bulk_format`: exactly what SQLAlchemy would bind),
and :func:`insert_rows` writes them with multi-row INSERT statements
(SQLite) or ``COPY`` (PostgreSQL). :func:`bulk_connection` is the connection
to do it on. ``tests/test_replay_persist.py`` checks that rows stored this way
equal rows stored through SQLAlchemy, byte for byte on SQLite.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import chain
from typing import Any

from sqlalchemy import CheckConstraint, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from mediation.store.database import json_dumps
from mediation.store.records import CASE_COLUMNS, EVENT_COLUMNS
from mediation.store.schema import cases, events, parties

#: The column order of the prepared tuples :func:`insert_rows` takes.
CASE_ROW = (
    "case_no", *CASE_COLUMNS, "state", "destination", "transfers", "extended", "extension_days",
    "agreement_form", "outcome", "escalation", "registered_at", "stage_at", "updated_at",
    "rules_digest", "version",
)
PARTY_ROW = ("case_no", "role", "position", "name", "id_number", "phone")
EVENT_ROW = ("case_no", "seq", *EVENT_COLUMNS)

__all__ = ["CASE_ROW", "EVENT_ROW", "PARTY_ROW", "BulkFormat", "CaseInsert", "bulk_connection", "bulk_format",
           "insert_cases", "insert_rows", "stored_case_nos"]


@dataclass(frozen=True, slots=True)
class BulkFormat:
    """How one dialect stores values, for prepared rows: exactly what SQLAlchemy would bind.

    SQLite: datetimes as ``YYYY-MM-DD HH:MM:SS.ffffff`` text, booleans as 0/1,
    amounts (``Numeric``) as floats; PostgreSQL: the Python values themselves.
    JSON is text as :func:`mediation.store.database.json_dumps` writes it (None
    is SQL NULL), on both.
    """

    dialect: str
    datetime: Callable[[datetime], Any]
    boolean: Callable[[bool], Any]
    amount: Callable[[Decimal], Any]
    json: Callable[[Any], Any]

    def case(self, row: Mapping[str, Any]) -> tuple:
        """A :data:`CASE_ROW` tuple of a ``cases`` row dict (see :func:`~mediation.store.records.case_row`)."""
        return tuple(self._value(name, row[name]) for name in CASE_ROW)

    def party(self, row: Mapping[str, Any]) -> tuple:
        return tuple(row[name] for name in PARTY_ROW)

    def event(self, row: Mapping[str, Any]) -> tuple:
        """An :data:`EVENT_ROW` tuple of an event dict (:func:`~mediation.store.records.event_row`
        with ``case_no`` and ``seq``)."""
        return tuple(self._value(name, row[name]) for name in EVENT_ROW)

    def _value(self, name: str, value: Any) -> Any:
        if value is None:
            return None
        if name in _DATETIMES:
            return self.datetime(value)
        if name in _BOOLEANS:
            return self.boolean(bool(value))
        if name == "amount":
            return self.amount(value if isinstance(value, Decimal) else Decimal(str(value)))
        if name == "details":
            return self.json(value)
        return value


_DATETIMES = frozenset({"received_at", "registered_at", "stage_at", "updated_at", "at"})
_BOOLEANS = frozenset({"petition", "litigation_pending", "criminal", "party_refuses", "extended"})


def _sqlite_datetime(value: datetime) -> str:
    # SQLAlchemy's SQLite DATETIME storage format (microseconds always written)
    return value.isoformat(" ", "microseconds")


def _identity(value: Any) -> Any:
    return value


def _json(value: Any) -> str | None:
    return None if value is None else json_dumps(value)


def bulk_format(conn_or_dialect: Connection | str) -> BulkFormat:
    """The :class:`BulkFormat` of a connection's dialect (or a dialect name)."""
    name = conn_or_dialect if isinstance(conn_or_dialect, str) else conn_or_dialect.dialect.name
    if name == "sqlite":
        return BulkFormat(name, _sqlite_datetime, int, float, _json)
    return BulkFormat(name, _identity, bool, _identity, _json)


#: Parameters per INSERT statement in :func:`insert_rows` (as many rows as fit): few,
#: long statements, because SQLite lets go of the GIL once per statement (under
#: its limit of 32,766).
PARAMETERS_PER_STATEMENT = 30_000
_INSERTS: dict[tuple[str, str, int], str] = {}


def _insert_sql(conn: Connection, table: str, columns: Sequence[str], rows: int = 1) -> str:
    key = (conn.dialect.paramstyle, table, rows)
    sql = _INSERTS.get(key)
    if sql is None:
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        names = ", ".join(f'"{c}"' for c in columns)
        one = f"({', '.join([mark] * len(columns))})"
        sql = _INSERTS[key] = f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * rows)}"
    return sql


def _insert(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """``rows`` in statements of as many rows as :data:`PARAMETERS_PER_STATEMENT` allows; on
    PostgreSQL with ``COPY`` (three times as fast as INSERT statements here).

    The rest is split into statements of 2**k rows: the driver keeps every
    statement it has prepared, and one of a new length for each batch's rest
    would keep a megabyte or so each time.
    """
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, columns, rows)
        return
    most = PARAMETERS_PER_STATEMENT // len(columns)
    done = 0
    while done < len(rows):
        left = len(rows) - done
        k = most if left >= most else 1 << (left.bit_length() - 1)
        chunks = (left // k) if k == most else 1
        flat = [tuple(chain.from_iterable(rows[i:i + k])) for i in range(done, done + chunks * k, k)]
        conn.exec_driver_sql(_insert_sql(conn, table, columns, k), flat)
        done += chunks * k


def _copy(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """``COPY table FROM STDIN`` on the connection's psycopg connection, inside its transaction.

    The driver's errors come back as SQLAlchemy's (an ``IntegrityError`` for a
    number already stored or a refused value), as from any statement.
    """
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f"COPY {table} ({names}) FROM STDIN"
    dbapi = conn.dialect.loaded_dbapi
    try:
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
    except dbapi.Error as exc:
        raise DBAPIError.instance(sql, None, exc, dbapi.Error, hide_parameters=True,
                                  dialect=conn.dialect) from None


def insert_rows(conn: Connection, case_list: Sequence[tuple], party_list: Sequence[tuple],
                event_list: Sequence[tuple]) -> None:
    """Insert prepared rows: a few long multi-row INSERT statements per table on
    SQLite, one ``COPY`` per table on PostgreSQL. Their own numbers leave the
    desk's counters alone (:mod:`mediation.store.numbers`).

    Tuples follow :data:`CASE_ROW`, :data:`PARTY_ROW` and :data:`EVENT_ROW`, with
    values as :func:`bulk_format` gives them; each case comes whole (its
    parties and all its events, ``version`` = their number), inside the
    caller's transaction. A number already stored, or a value a constraint
    refuses, raises :class:`~sqlalchemy.exc.IntegrityError` (on a
    :func:`bulk_connection` too, where CHECK constraints are verified per
    statement rather than per row).
    """
    if not case_list:
        return
    deferred = conn.info.get(_CHECKS_DEFERRED, False)
    if deferred:
        before = conn.exec_driver_sql(_LAST_ROWIDS).one()
    _insert(conn, "cases", CASE_ROW, case_list)
    _insert(conn, "parties", PARTY_ROW, party_list)
    _insert(conn, "events", EVENT_ROW, event_list)
    if deferred:
        _verify_checks(conn, before)


# --------------------------------------------------------------------- bulk connection

_CHECKS_DEFERRED = "mediation_checks_deferred"
_BULK_TABLES = (cases, parties, events)
_LAST_ROWIDS = "SELECT " + ", ".join(f"(SELECT coalesce(max(rowid), 0) FROM {t.name})" for t in _BULK_TABLES)


def _checks(table) -> list[CheckConstraint]:
    return sorted((c for c in table.constraints if isinstance(c, CheckConstraint)), key=lambda c: str(c.name))


# A row breaks a CHECK constraint when its expression is false (NULL passes), i.e. when NOT (expr) is true.
_VIOLATIONS = " UNION ALL ".join(
    f"SELECT * FROM (SELECT '{t.name}', rowid FROM {t.name} WHERE rowid > ? AND ("
    + " OR ".join(f"NOT ({c.sqltext})" for c in _checks(t)) + ") LIMIT 1)"
    for t in _BULK_TABLES)


def _verify_checks(conn: Connection, before: Sequence[int]) -> None:
    """Run every CHECK constraint over the rows inserted since ``before`` (rowids); raise if one fails."""
    bad = conn.exec_driver_sql(_VIOLATIONS, tuple(before)).first()
    if bad is None:
        return
    name, rowid = bad
    table = next(t for t in _BULK_TABLES if t.name == name)
    failed = [str(c.name) for c in _checks(table)
              if conn.exec_driver_sql(f"SELECT NOT ({c.sqltext}) FROM {name} WHERE rowid = ?", (rowid,)).scalar()]
    raise IntegrityError(f"INSERT INTO {name}", None,
                         sqlite3.IntegrityError(f"CHECK constraint failed: {', '.join(failed)}"))


@contextmanager
def bulk_connection(db) -> Iterator[Connection]:
    """A connection for bulk loads with :func:`insert_rows` (one transaction per ``conn.begin()``).

    Writes start with ``BEGIN IMMEDIATE`` on SQLite, where the connection also
    runs with ``PRAGMA synchronous=NORMAL``: in WAL mode a killed process loses
    no committed transaction, and a power cut may lose the last ones but never
    leaves the file inconsistent. And SQLite rebuilds every ``IN (...)`` list
    of a CHECK constraint for each row it inserts (about 5 µs for an event row,
    more than half the cost of a load), so here the constraints are verified
    once per statement instead: ``PRAGMA ignore_check_constraints`` is on, and
    :func:`insert_rows` runs each table's CHECK expressions over the rows it
    has just inserted in one query, raising :class:`~sqlalchemy.exc.IntegrityError`
    (the transaction rolls back) if any fails. NOT NULL, UNIQUE and foreign
    keys are checked row by row as always. Both pragmas are restored at the end.
    PostgreSQL needs none of this.
    """
    with db.engine.connect() as conn:
        conn.execution_options(mediation_write=True)
        if conn.dialect.name != "sqlite":
            yield conn
            return
        raw = conn.connection.driver_connection
        synchronous = int(raw.execute("PRAGMA synchronous").fetchone()[0])
        # Outside a transaction: SQLite refuses to change the safety level inside one.
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("PRAGMA ignore_check_constraints=ON")
        conn.info[_CHECKS_DEFERRED] = True
        try:
            yield conn
        finally:
            conn.info.pop(_CHECKS_DEFERRED, None)
            raw.execute("PRAGMA ignore_check_constraints=OFF")
            raw.execute(f"PRAGMA synchronous={synchronous}")


# --------------------------------------------------------------------- whole cases


@dataclass(slots=True)
class CaseInsert:
    """A whole case for :func:`insert_cases`: its row, parties and events (oldest first).

    ``row`` is a full ``cases`` row (see :func:`case_row`); its ``version`` is set
    to the number of events. Events are :func:`event_row` dicts; ``case_no`` and
    ``seq`` are filled in.
    """

    row: dict
    parties: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)


def insert_cases(conn: Connection, batch: Sequence[CaseInsert], *, skip_existing: bool = False) -> int:
    """Insert whole cases in three statements (one per table); return how many were inserted.

    With ``skip_existing``, cases whose number is already stored are left out
    (so a rerun of a bulk load inserts each case exactly once); without it a
    duplicate number fails the whole transaction. The desk's year counters are
    left alone: the desk skips numbers already taken.
    """
    if skip_existing and batch:
        stored = stored_case_nos(conn, [item.row["case_no"] for item in batch])
        batch = [item for item in batch if item.row["case_no"] not in stored]
    if not batch:
        return 0
    fmt = bulk_format(conn)
    case_list, party_list, event_list = [], [], []
    for item in batch:
        case_no = item.row["case_no"]
        if not item.events:
            raise ValueError(f"{case_no}: a case is inserted with at least its registration event")
        row = dict(item.row, version=len(item.events), updated_at=item.events[-1]["at"])
        case_list.append(fmt.case(row))
        party_list.extend(fmt.party(dict(p, case_no=case_no)) for p in item.parties)
        event_list.extend(fmt.event(dict(e, case_no=case_no, seq=n)) for n, e in enumerate(item.events, 1))
    insert_rows(conn, case_list, party_list, event_list)
    return len(case_list)


def stored_case_nos(conn: Connection, case_nos: Sequence[str]) -> set[str]:
    """Which of ``case_nos`` are stored (asked 500 at a time)."""
    stored: set[str] = set()
    for start in range(0, len(case_nos), 500):
        chunk = list(case_nos[start:start + 500])
        stored.update(conn.execute(select(cases.c.case_no).where(cases.c.case_no.in_(chunk))).scalars())
    return stored
