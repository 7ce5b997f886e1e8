"""Persisted replay (``mediation replay FILE --db URL``): a history loaded into the database.

Every row that review routes (accepted or not) becomes a case as a desk
would have recorded it: registered, reviewed and diverted (or rejected,
referred out) with its historical timestamps and, where the file has the
replay columns, taken up, settled / failed / served / withdrawn and closed.
The events are those of live cases; :mod:`mediation.replay.plan`
says exactly what they hold and when they happened, and how a case that went
elsewhere than today's rules say is recorded (where it went; the rules'
destination in the event's details).

- **Who**: importing a history is a supervisor's act (a supervisor in the
  database's staff, docs/design.md §8; the CLI establishes who it is); every
  event carries that operator.
- **Idempotent**: cases are keyed by ``case_no``, so every row needs one (a
  row without is refused: a number assigned on the fly would differ on a
  rerun). A case already stored whose register event holds the same content
  digest (the same row: case fields, parties, history) is skipped; one with
  different content, or stored by a desk rather than a replay, goes to the
  rejects file as ``already in the database with different content`` and is
  left as it is. A row repeating an earlier row's number in the same file is
  treated alike.
- **Crash-safe**: cases are written in batches (default 5,000), each one
  transaction holding whole cases (row, parties, every event), so a replay
  killed at any point leaves only whole cases, and running it again stores
  exactly the missing ones.
- **Rows not stored** are never half-written: they go to the rejects file
  with the reason, like unreadable rows. The loop is the dry run's
  (:mod:`.pipeline`), so ``read = routed + rejected`` as in a dry run, and
  the rows whose history is impossible (a settlement at a window, a close
  before the take, a time in the future) are the dry run's *refused* rows.
  Of the routed rows: ``routed = stored + already present + refused +
  conflicts + unnumbered`` (a conflict: the number is stored, or given
  earlier in the file, with different content; unnumbered: no case_no).
- **Speed**: rows are prepared as tuples and inserted a batch at a time
  with long multi-row INSERTs (SQLite) or ``COPY`` (PostgreSQL), by a
  writer thread while the next batch is read (:mod:`mediation.store.bulk`).
  On SQLite the bulk connection runs with ``PRAGMA synchronous=NORMAL`` (in
  WAL mode: a killed process loses nothing committed; a power cut may lose
  the last batches, never consistency; a rerun stores them again) and checks
  the CHECK constraints once per statement rather than per row
  (:func:`mediation.store.bulk.bulk_connection` says why).
- One process: ``--workers`` is for dry runs (one writer at a time is what
  the database takes anyway).
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from mediation.desk.roles import SUPERVISOR, operator_of
from mediation.errors import InputError, PermissionDenied
from mediation.replay.output import Outputs
from mediation.replay.pipeline import RouteStep, open_cases, run
from mediation.replay.plan import Planner
from mediation.replay.summary import Summary
from mediation.store.bulk import CASE_ROW, bulk_connection, bulk_format, insert_rows
from mediation.store.database import translated
from mediation.store.keys import replay_keys
from mediation.store.schema import cases, events
from mediation.store.url import redact

#: Cases per transaction.
BATCH = 5000
#: Seconds between thread switches while the writer thread runs (see :class:`_Writer`).
SWITCH_INTERVAL = 0.0002
DIFFERENT = "already in the database with different content"
_DESTINATION, _STATE = CASE_ROW.index("destination"), CASE_ROW.index("state")


def importer(conn, operator_id: str | None):
    """The operator, if a supervisor: importing a history registers, diverts and closes cases at once.

    Raises :class:`InputError` without an operator, :class:`NotFound` for an
    unknown one and :class:`PermissionDenied` for any other role.
    """
    op = operator_of(conn, operator_id)
    if op.role != SUPERVISOR:
        raise PermissionDenied(f"{op.id} ({op.role}) may not replay a history into the database: "
                               "only supervisors may", who=op.id, role=op.role, places=op.destinations,
                               action="replay", may=("supervisor",), why="role")
    return op


@dataclass
class Stored:
    """What a persisted replay did to the database (the routed rows it did not refuse)."""

    stored: int = 0  # cases written
    present: int = 0  # already there with the same content: skipped
    conflicts: int = 0  # the number is stored (or earlier in the file) with different content
    unnumbered: int = 0  # no case_no: a rerun could not recognise the case
    events: int = 0
    parties: int = 0
    batches: int = 0  # transactions committed
    #: where this file's cases are in the database (stored now or already present): the destination
    #: they were diverted to, else their state (rejected, referred_out, withdrawn). What ``report`` counts.
    destinations: dict[str, int] = field(default_factory=dict)


@dataclass
class PersistSummary:
    """A dry run's :class:`~mediation.replay.summary.Summary` plus what was stored."""

    summary: Summary
    stored: Stored
    database: str
    operator: str
    batch_size: int

    def as_dict(self) -> dict:
        out = self.summary.as_dict()
        s = self.stored
        out["database"] = {"url": self.database, "operator": self.operator, "stored": s.stored,
                           "already_present": s.present, "refused": self.summary.refused,
                           "conflicts": s.conflicts, "unnumbered": s.unnumbered, "events": s.events,
                           "parties": s.parties, "batches": s.batches, "batch_size": self.batch_size,
                           "destinations": dict(sorted(s.destinations.items(), key=lambda kv: (-kv[1], kv[0])))}
        return out


@dataclass
class _Batch:
    rows: list[tuple] = field(default_factory=list)
    parties: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    # case_no -> ((keyed digest, unkeyed digest or None), line, values)
    keys: dict[str, tuple[tuple[str, str | None], int, Any]] = field(default_factory=dict)
    unread: list[tuple[int, str, Any]] = field(default_factory=list)  # (line, reason, values): rejected rows
    refused: list[tuple[int, str, Any]] = field(default_factory=list)  # routed rows not stored
    present: int = 0  # rows repeating an earlier row of this batch
    conflicts: int = 0  # rows repeating an earlier row's number with other content
    unnumbered: int = 0

    def __len__(self) -> int:
        return len(self.rows) + len(self.unread) + len(self.refused)


def persist(path: str | Path, rules, db, *, operator: str | None, compare: bool = False,
            out: str | Path | None = None, rejects: str | Path | None = None, encoding: str | None = None,
            format: str | None = None, ignore: Iterable[str] = (), now: datetime | None = None,
            batch_size: int = BATCH, progress: Callable[[int, int, int], None] | None = None,
            csv_encoding: str | None = None) -> PersistSummary:
    """Replay a file of historical cases into the database ``db``; see the module docstring.

    ``out``, ``rejects``, ``compare``, ``encoding``, ``format``, ``ignore`` and ``csv_encoding``
    are those of :func:`mediation.replay.dry.dry_run` (rows not stored
    join the rejects). ``now`` (default: the clock) is the latest moment a
    history may name. Raises :class:`InputError` for a file that cannot be
    replayed at all and :class:`PermissionDenied` unless ``operator`` is a
    supervisor; a failure part-way leaves the batches committed so far, and a
    rerun goes on from there.
    """
    started = time.perf_counter()
    with db.read() as conn:
        op = importer(conn, operator)
    if batch_size < 1:
        raise InputError(f"a batch holds at least one case, not {batch_size}")
    table = open_cases(path, rules, encoding=encoding, format=format, ignore=ignore)
    try:
        if table.format == "csv" and "case_no" not in table.columns:
            raise InputError(f"a persisted replay needs a case_no ({rules.catalogue.label('field', 'case_no')}) "
                             "column: a rerun recognises each case by its number", file=table.name, line=1)
        if compare and table.format == "csv" and "actual_destination" not in table.columns:
            raise InputError("--compare needs an actual_destination "
                             f"({rules.catalogue.label('field', 'actual_destination')}) column",
                             file=table.name, line=1)
        outputs = Outputs(table, out, rejects, csv_encoding=csv_encoding)
    except BaseException:
        table.close()
        raise
    results_file, rejects_file = outputs.open()
    stored = Stored()
    step = RouteStep(table, rules, now=now, compare=compare, parties=True)
    try:
        rw, jw = outputs.writers(results_file, rejects_file)
        with db.read() as conn:
            keys = replay_keys(conn)
        with translated(db.url), bulk_connection(db) as conn:
            planner = Planner(rules, op.id, bulk_format(conn), step.histories, source=Path(table.name).name,
                              keys=keys)
            with _Writer(conn, db, stored, jw) as writer:
                sink = _Sink(planner, writer, rw, batch_size)
                read, rejected = run(table, step, sink, progress=progress)
                sink.close()
    except BaseException:
        if results_file is not None:
            results_file.abort()
        rejects_file.abort()
        raise
    finally:
        table.close()
    counts = step.finish(read, rejected)
    not_stored = counts.rejected + counts.refused + stored.conflicts + stored.unnumbered
    files = outputs.finish(results_file, rejects_file, not_stored)
    summary = Summary.build(table, rules, counts, as_of=None, compare=compare, files=files, workers=1,
                            seconds=time.perf_counter() - started)
    return PersistSummary(summary, stored, redact(db.url), op.id, batch_size)


class _Sink:
    """The persisted replay's rows: planned into batches, which the writer stores."""

    def __init__(self, planner: Planner, writer: _Writer, results, batch_size: int) -> None:
        self.plan, self.writer, self.batch_size = planner.plan, writer, batch_size
        self.write = results.write if results is not None else None
        self.batch = _Batch()

    def accepted(self, line: int, values: Any, routed: tuple) -> None:
        case, review, decision, history, refusal = routed
        if self.write is not None:
            self.write(line, case, review, decision)
        batch = self.batch
        if refusal is not None:
            batch.refused.append((line, refusal, values))
        else:
            planned = self.plan(line, case, review, decision, history)
            if planned.__class__ is str:
                batch.unnumbered += 1
                batch.refused.append((line, planned, values))
            else:
                _add(batch, line, values, planned)
        if len(batch) >= self.batch_size:
            self.writer.submit(batch)
            self.batch = _Batch()

    def rejected(self, line: int, reason: str, values: Any) -> None:
        self.batch.unread.append((line, reason, values))
        if len(self.batch) >= self.batch_size:
            self.writer.submit(self.batch)
            self.batch = _Batch()

    def close(self) -> None:
        self.writer.submit(self.batch)
        self.batch = _Batch()


def _add(batch: _Batch, line: int, values: Any, planned: tuple) -> None:
    row, parties, events, content = planned
    case_no = row[0]
    earlier = batch.keys.get(case_no)
    if earlier is not None:  # the file repeats a number within this batch
        if earlier[0] == content:
            batch.present += 1
        else:
            batch.conflicts += 1
            batch.refused.append((line, f"{DIFFERENT}: line {earlier[1]} of this file has the same case_no",
                                  values))
        return
    batch.keys[case_no] = (content, line, values)
    batch.rows.append(row)
    batch.parties += parties
    batch.events += events


class _Writer:
    """Writes batches, one transaction each, skipping the cases already stored.

    On a thread of its own, so that reading and preparing the next batch goes on
    while the database stores this one (SQLite and psycopg let go of the GIL
    while they work). Batches are written in order; at most one waits. While
    it runs, the interpreter switches threads every :data:`SWITCH_INTERVAL`
    seconds instead of 5 ms: the writer takes the GIL back after every
    statement, and waiting 5 ms for it each time would serialise the two
    (measured: 14,500 cases/s with 5 ms, 19,000 with 0.2 ms).
    """

    def __init__(self, conn, db, stored: Stored, rejects) -> None:
        self.conn, self.db, self.stored, self.rejects = conn, db, stored, rejects
        self._queue: queue.Queue[_Batch | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="replay-writer", daemon=True)

    def __enter__(self) -> _Writer:
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._thread.start()
        return self

    def __exit__(self, kind, *rest: object) -> None:
        """Wait for the batches handed over to be written; raise what went wrong on the way."""
        self._queue.put(None)
        self._thread.join()
        sys.setswitchinterval(self._switch)
        if kind is None and self._error is not None:
            raise self._error

    def submit(self, batch: _Batch) -> None:
        """Hand a batch over (waiting while another one waits); raise if an earlier one failed."""
        if self._error is not None:
            raise self._error
        self._queue.put(batch)

    def _loop(self) -> None:
        while (batch := self._queue.get()) is not None:
            if self._error is None:  # after a failure: only drain, so that submit never blocks
                try:
                    self.flush(batch)
                except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
                    self._error = exc

    def flush(self, batch: _Batch) -> None:
        """Commit the batch's new cases, then write its rejects in line order."""
        for attempt in range(3):
            conflicts: list[tuple[int, str, Any]] = []
            try:
                with translated(self.db.url), self.conn.begin():
                    written = self._write(batch, conflicts)
                break
            except IntegrityError:
                # Only a desk storing one of these numbers between the check and the
                # insert (PostgreSQL; SQLite's write lock rules it out): check again.
                if self.db.sqlite or attempt == 2:
                    raise
        s = self.stored
        cases, parties, events, present, where = written
        for key, n in where.items():
            s.destinations[key] = s.destinations.get(key, 0) + n
        s.stored += cases
        s.parties += parties
        s.events += events
        s.batches += 1 if cases else 0
        s.present += present + batch.present
        s.conflicts += len(conflicts) + batch.conflicts
        s.unnumbered += batch.unnumbered
        for line, reason, values in sorted([*batch.unread, *batch.refused, *conflicts], key=lambda r: r[0]):
            self.rejects.write(line, reason, values)

    def _write(self, batch: _Batch, conflicts: list) -> tuple[int, int, int, int, dict[str, int]]:
        """Insert the batch's new cases: (cases, parties, events written, cases already there, where
        the batch's cases are: see :attr:`Stored.destinations`)."""
        if not batch.rows:
            return 0, 0, 0, 0, {}
        stored = stored_contents(self.conn, list(batch.keys))
        rows, parties, events = batch.rows, batch.parties, batch.events
        present = 0
        differ: set[str] = set()
        if stored:
            for case_no, content in stored.items():
                mine, line, values = batch.keys[case_no]
                if content is not None and content in mine:  # keyed, or unkeyed from before 0004
                    present += 1
                else:
                    differ.add(case_no)
                    conflicts.append((line, DIFFERENT, values))
        where: dict[str, int] = {}
        for r in rows:  # this file's cases as the database holds them (a conflicting one: not this row)
            if r[0] not in differ:
                key = r[_DESTINATION] or r[_STATE]
                where[key] = where.get(key, 0) + 1
        if stored:
            rows = [r for r in rows if r[0] not in stored]
            parties = [p for p in parties if p[0] not in stored]
            events = [e for e in events if e[0] not in stored]
        insert_rows(self.conn, rows, parties, events)
        return len(rows), len(parties), len(events), present, where


def stored_contents(conn, case_nos: list[str]) -> dict[str, str | None]:
    """The stored cases among ``case_nos``: case_no -> the content digest its replay recorded (None
    for a case registered otherwise)."""
    found: dict[str, str | None] = {}
    c, e = cases.c, events.c
    joined = cases.outerjoin(events, and_(e.case_no == c.case_no, e.seq == 1))
    for start in range(0, len(case_nos), 500):
        chunk = case_nos[start:start + 500]
        for case_no, details in conn.execute(select(c.case_no, e.details).select_from(joined)
                                             .where(c.case_no.in_(chunk))):
            replay = details.get("replay") if isinstance(details, dict) else None
            found[case_no] = replay.get("content") if isinstance(replay, dict) else None
    return found
