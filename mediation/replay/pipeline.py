"""The replay pipeline: read rows -> convert -> date -> review and route -> tally (docs/design.md §6, §7).

One loop, :func:`run`, reads a table's rows and hands each to a *step*,
then to a *sink*; the dry run (:mod:`.dry`), the persisted replay
(:mod:`.persisted`) and the rule-set diff (:mod:`.diff`) are each a step and
a sink over it, so they read, convert, date and refuse rows identically:

- a row that cannot be read (not valid CSV or JSON, wrong number of cells,
  bad bytes) is *rejected* with the reader's reason;
- a row that cannot be read as a case (a bad field, no ``received_at``, a
  malformed replay column) is *rejected* with the field's error;
- every other row is *routed*: reviewed by the rules in force on its
  ``received_at`` (or ``as_of``), and routed if accepted. So
  ``read = routed + rejected``, always;
- of the routed rows, those whose history is impossible (a settlement at a
  window, a close before the take, a time in the future: :mod:`.history`)
  are counted as *refused*: a persisted replay does not store them, and
  both write them to the rejects file with the same reason.

:class:`RouteStep` is the step of the dry run and the persisted replay (and,
once per rule set, of the diff): it converts with the fast path of
:mod:`.convert`, tallies the outcome into :class:`~.summary.Counts`, and
checks the history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from mediation import clock
from mediation.cases import parse_case
from mediation.domain import Case, Decision, Review
from mediation.errors import CaseError, InputError
from mediation.replay.convert import HISTORY_FIELDS, CaseConverter, padded
from mediation.replay.history import Histories
from mediation.replay.readers import SPLIT, Table, open_table
from mediation.replay.summary import Counts
from mediation.replay.values import History

#: Rows between two progress reports.
PROGRESS_EVERY = 8192

#: Stands in for an empty ``received_at`` while reading, so that such a row can be told apart.
NO_DATE = datetime(9999, 12, 31, 23, 59, 59)
NO_RECEIVED = "received_at is empty: a replayed case is reviewed and routed by the rules of its day"


def open_cases(path: str | Path, rules, *, encoding: str | None = None, format: str | None = None,
               ignore: Iterable[str] = ()) -> Table:
    """Open a file of historical cases for replay: its columns checked, ``received_at`` required."""
    return open_table(path, rules, encoding=encoding, format=format, ignore=ignore, required=("received_at",))


def reason_of(exc: CaseError) -> str:
    """A reject's reason: the error without file and line (the line is a column of its own)."""
    return str(CaseError(exc.message, item=exc.item, field=exc.field, hint=exc.hint))


class SplitMismatch(Exception):
    """A byte range did not end where a row ends (a stray quote): the caller falls back to one process."""


# ------------------------------------------------------------ reading rows as cases


class Reading:
    """One rule set's reading of a table's rows as cases and histories.

    A CSV file has one converter, generated for its columns; a JSON Lines file
    one per layout of keys (:class:`~.convert.CaseConverter`). An empty
    ``received_at`` is an error: a replayed case is judged by the rules of its day.
    """

    MAX_LAYOUTS = 256

    def __init__(self, table: Table, rules, *, parties: bool) -> None:
        self.table, self.rules, self.parties = table, rules, parties
        self._layouts: dict[tuple, CaseConverter | None] = {}
        self.csv = None
        if table.format == "csv":
            self.csv = CaseConverter(rules, table.columns, headings=table.headings, now=NO_DATE,
                                     parties=parties, texts=True)

    def case(self, values: Any) -> tuple[Case, History | None]:
        """The case and history of a row's cells (CSV) or object (JSON Lines); :class:`CaseError` if not valid."""
        conv = self.csv
        if conv is not None:
            values.append("")  # padded (see CaseConverter), and back as it was before anyone else sees it
            try:
                case = conv.fast(values) or conv.case(values)
                history = conv.history(values) if conv.has_history else None
            finally:
                values.pop()
            if case.received_at == NO_DATE:
                raise CaseError(NO_RECEIVED, field="received_at")
            return case, history
        else:
            conv = self._for_object(values)
            if conv is None:
                case, row = self._parse(values), None
            else:
                row = padded(values)
                case = conv.case(row)
        if case.received_at == NO_DATE:
            raise CaseError(NO_RECEIVED, field="received_at")
        return case, (conv.history(row) if conv is not None else None)

    def _for_object(self, obj: dict) -> CaseConverter | None:
        """The converter for a JSON object's keys; None when a key is unknown (parse_case then says so)."""
        layout = tuple(obj)
        try:
            return self._layouts[layout]
        except KeyError:
            pass
        try:
            columns = self.table.fields.columns(list(layout))
            conv: CaseConverter | None = CaseConverter(self.rules, columns, headings=list(layout), now=NO_DATE,
                                                       parties=self.parties)
        except InputError:
            conv = None
        if len(self._layouts) < self.MAX_LAYOUTS:
            self._layouts[layout] = conv
        return conv

    def _parse(self, obj: dict) -> Case:
        fields = self.table.fields
        data = {k: v for k, v in obj.items() if not _ignored(fields, k)}
        case = parse_case(data, self.rules, now=NO_DATE, ignore=HISTORY_FIELDS)
        if not self.parties:
            case.applicants = case.respondents = ()
        return case


def _ignored(fields, key: Any) -> bool:
    try:
        return fields.field(str(key)) is None
    except InputError:
        return False


# ------------------------------------------------------------ the step of a replay


class RouteStep:
    """Converts, dates, reviews and routes one row, tallies it and checks its history.

    Calling it with a row's values returns ``(case, review, decision, history,
    refusal)`` (``refusal``: why the history cannot be recorded, or None) or
    raises :class:`CaseError`. ``counts`` holds the tally: routed outcomes,
    refused histories and, with ``compare``, the agreement with the file's
    ``actual_destination``. ``now`` is the latest moment a history may name.
    """

    def __init__(self, table: Table, rules, *, as_of: date | None = None, now: datetime | None = None,
                 compare: bool = False, parties: bool = False) -> None:
        self.rules = rules
        self.reading = Reading(table, rules, parties=parties)
        self.histories = Histories((now or clock.now()).replace(microsecond=0))
        self.counts = Counts()
        self.compare = compare
        self._evaluate = rules.evaluate if as_of is None else partial(rules.evaluate, as_of=as_of)
        self._tally: dict[Any, int] = {}
        self._first: dict[Any, tuple] = {}

    def __call__(self, values: Any) -> tuple[Case, Review, Decision | None, History | None, str | None]:
        case, history = self.reading.case(values)
        review, decision = self._evaluate(case)
        # Decisions (and most reviews) are shared objects of the rule set: count by identity.
        key = id(decision) if decision is not None else (id(review), case.street)
        tally = self._tally
        n = tally.get(key)
        if n is None:
            self._first[key] = (review, decision, case.street)
            tally[key] = 1
        else:
            tally[key] = n + 1
        if self.compare:
            self.counts.compare(history.actual_destination if history is not None else None, review, decision)
        histories = self.histories
        if history is None and case.received_at <= histories.now:
            return case, review, decision, None, None  # nothing to check: problem()'s first lines, inline
        refusal = histories.problem(case, review, decision, history)
        if refusal is not None:
            self.counts.refused += 1
        return case, review, decision, history, refusal

    def finish(self, read: int, rejected: int) -> Counts:
        """The counts of the rows stepped through, with the loop's read and rejected."""
        counts = self.tally()
        counts.read, counts.rejected = read, rejected
        return counts

    def tally(self) -> Counts:
        """The counts of the rows stepped through so far."""
        counts = self.counts
        for key, n in self._tally.items():
            review, decision, street = self._first[key]
            counts.add(review, decision, street, n)
        self._tally.clear()
        conv = self.reading.csv
        if conv is not None:
            counts.fallbacks = conv.fallbacks
        return counts


# ------------------------------------------------------------ the loop


class Sink(Protocol):
    """Where the loop hands each row: ``accepted`` (None: nothing to do) and ``rejected``."""

    accepted: Callable[[int, Any, Any], None] | None

    def rejected(self, line: int, reason: str, values: Any) -> None: ...


def run(table: Table, step: Callable[[Any], Any], sink: Sink, *, span: tuple[int, int, int] | None = None,
        progress: Callable[[int, int, int], None] | None = None) -> tuple[int, int]:
    """Read every row of ``table`` (or of one byte range, ``span``), step it, hand it to ``sink``.

    A row the reader cannot read, or that ``step`` refuses with a
    :class:`CaseError`, goes to ``sink.rejected(line, reason, values)``; every
    other row to ``sink.accepted(line, values, what step returned)``.
    ``progress(rows, bytes read, file size)`` is called every
    :data:`PROGRESS_EVERY` rows. Returns (rows read, rows rejected). Raises
    :class:`SplitMismatch` when ``span`` does not end where a row ends.
    """
    rows = table.rows() if span is None else table.rows(*span)
    accepted, rejected_to = sink.accepted, sink.rejected
    read = rejected = 0
    countdown = PROGRESS_EVERY
    for line, values, error in rows:
        if error is not None:
            if error is SPLIT:
                raise SplitMismatch(line)
            read += 1
            rejected += 1
            rejected_to(line, error, values)
            continue
        read += 1
        if progress is not None:
            countdown -= 1
            if not countdown:
                countdown = PROGRESS_EVERY
                progress(read, table.position(), table.size)
        try:
            outcome = step(values)
        except CaseError as exc:
            rejected += 1
            rejected_to(line, reason_of(exc), values)
            continue
        if accepted is not None:
            accepted(line, values, outcome)
    return read, rejected
