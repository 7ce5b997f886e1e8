"""Batch replay of historical cases through the rules (DESIGN §6, §7).

A dry run (no database) reviews and routes every case of a CSV or JSON Lines
file by the rules in force on its date (or on ``as_of``), and sums up where the
cases go: review outcomes, destinations, rules, territorial units and, when
the file says where each case actually went, how often the rules agree.

The accounting always holds: ``read = routed + rejected``. *Routed* means
reviewed, whatever the outcome (accepted, rejected by review, referred out);
*rejected* means the row could not be read as a case (or its replay columns
were malformed). A rejected row never stops the run and is never lost: it
goes to the rejects file with its line number, the reason and its cells.

Layers, so that a persisted replay can reuse the first:

- :func:`replay_rows` yields one result per row, in file order: a
  :class:`Routed` (the case, its review and decision, its :class:`History`)
  or a :class:`Rejected`. A persister consumes these.
- :func:`dry_run` counts them (fast: it uses the same reading and conversion
  inline), writes the per-case results and rejects, and returns a
  :class:`~mediation.replay_summary.Summary`; with ``workers`` > 1 it splits
  the file among processes (:mod:`mediation.replay_workers`) with the same
  result.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from mediation.domain import Case, Decision, Review
from mediation.errors import CaseError, InputError
from mediation.readers import SPLIT, Table, open_table
from mediation.replay_cases import HISTORY_FIELDS, CaseConverter, padded
from mediation.replay_summary import Counts, Summary
from mediation.replay_values import History

#: Rows between two progress reports.
PROGRESS_EVERY = 8192


@dataclass(frozen=True, slots=True)
class Routed:
    """A row read as a case and reviewed (and routed, if accepted)."""

    line: int
    case: Case
    review: Review
    decision: Decision | None
    history: History | None


@dataclass(frozen=True, slots=True)
class Rejected:
    """A row that could not be read as a case: its line, why, and its cells (or raw text)."""

    line: int
    reason: str
    values: Any


def open_cases(path: str | Path, rules, *, encoding: str | None = None, format: str | None = None,
               ignore: Iterable[str] = ()) -> Table:
    """Open a file of historical cases for replay: its columns checked, ``received_at`` required."""
    return open_table(path, rules, encoding=encoding, format=format, ignore=ignore, required=("received_at",))


#: Stands in for an empty ``received_at`` while reading, so that such a row can be told apart.
NO_DATE = datetime(9999, 12, 31, 23, 59, 59)
NO_RECEIVED = "received_at is empty: a replayed case is reviewed and routed by the rules of its day"


def dated(case: Case) -> Case:
    """The case, or :class:`CaseError` if it had no ``received_at`` (see :data:`NO_DATE`)."""
    if case.received_at == NO_DATE:
        raise CaseError(NO_RECEIVED, field="received_at")
    return case


class Converters:
    """The case converter(s) of a table: one for a CSV file, one per key layout for JSON Lines.

    ``now`` stands in for an empty ``received_at``; by default such a row is
    read with :data:`NO_DATE`, which the replay loops refuse.
    """

    MAX_LAYOUTS = 256

    def __init__(self, table: Table, rules, *, now: datetime | None = None, parties: bool = True) -> None:
        self.table, self.rules, self.parties = table, rules, parties
        self.now = NO_DATE if now is None else now.replace(microsecond=0)
        self.csv = None
        self._layouts: dict[tuple, CaseConverter | None] = {}
        if table.format == "csv":
            self.csv = CaseConverter(rules, table.columns, headings=table.headings, now=self.now,
                                     parties=parties, texts=True)

    def for_object(self, obj: dict) -> CaseConverter | None:
        """The converter for a JSON object's keys; None when a key is unknown (parse_case then refuses)."""
        layout = tuple(obj)
        try:
            return self._layouts[layout]
        except KeyError:
            pass
        try:
            columns = self.table.fields.columns(list(layout))
            conv: CaseConverter | None = CaseConverter(self.rules, columns, headings=list(layout), now=self.now,
                                                       parties=self.parties)
        except InputError:
            conv = None
        if len(self._layouts) < self.MAX_LAYOUTS:
            self._layouts[layout] = conv
        return conv

    def object_case(self, obj: dict) -> tuple[Case, CaseConverter | None, list]:
        """A JSON object's case, its converter and padded values; raises :class:`CaseError`."""
        from mediation.cases import parse_case

        conv = self.for_object(obj)
        if conv is None:
            ignored = self.table.fields
            data = {k: v for k, v in obj.items() if not _ignored(ignored, k)}
            case = parse_case(data, self.rules, now=self.now, ignore=HISTORY_FIELDS)
            if not self.parties:
                case.applicants = case.respondents = ()
            return case, None, []
        row = padded(obj)
        return conv.case(row), conv, row


def _ignored(fields, key: Any) -> bool:
    try:
        return fields.field(str(key)) is None
    except InputError:
        return False


def reason_of(exc: CaseError) -> str:
    """A reject's reason: the error without file and line (the line is a column of its own)."""
    return str(CaseError(exc.message, item=exc.item, field=exc.field, hint=exc.hint))


def replay_rows(table: Table, rules, *, as_of: date | None = None, now: datetime | None = None,
                parties: bool = True, span: tuple[int, int, int] | None = None) -> Iterator[Routed | Rejected]:
    """Each row of ``table``, in file order, reviewed and routed, or rejected.

    ``as_of`` routes every case by the rules in force that day (default: its
    own date). ``now`` stands in for an empty ``received_at`` (default: such a
    row is rejected). ``span`` =
    (start byte, end byte, first line) reads only that part of the file
    (:func:`mediation.replay_workers.plan_spans` cuts a file into spans);
    :class:`SplitMismatch` if the span does not end where a row ends.
    ``parties=False`` leaves the applicants and respondents out of the cases
    (they are checked all the same).
    """
    convs = Converters(table, rules, now=now, parties=parties)
    evaluate = rules.evaluate
    for line, values, error in _rows(table, span):
        if error is not None:
            if error is SPLIT:
                raise SplitMismatch(line)
            yield Rejected(line, error, values)
            continue
        try:
            if convs.csv is not None:
                row = values + [""]
                case, conv = dated(convs.csv.case(row)), convs.csv
            else:
                case, conv, row = convs.object_case(values)
                dated(case)
            history = conv.history(row) if conv is not None else None
        except CaseError as exc:
            yield Rejected(line, reason_of(exc), values)
            continue
        review, decision = evaluate(case, as_of=as_of)
        yield Routed(line, case, review, decision, history)


def _rows(table: Table, span: tuple[int, int, int] | None):
    if span is None:
        return table.rows()
    start, end, first_line = span
    return table.rows(start, end, first_line)


class SplitMismatch(Exception):
    """A byte range did not end where a row ends (a stray quote): the caller falls back to one process."""


def run_span(table: Table, rules, *, as_of: date | None = None, now: datetime | None = None,
             compare: bool = False, results=None, rejects=None, span: tuple[int, int, int] | None = None,
             progress: Callable[[int, int, int], None] | None = None) -> Counts:
    """The dry-run loop over a table (or one byte range of it): count, and write results and rejects.

    ``results`` and ``rejects`` are writers from :mod:`mediation.replay_output`
    (or None). ``progress(rows, bytes read, file size)`` is called every
    :data:`PROGRESS_EVERY` rows. Raises :class:`SplitMismatch` when ``span``
    does not end at a row's end.
    """
    counts = Counts()
    tally: dict[Any, int] = {}
    first: dict[Any, tuple] = {}
    convs = Converters(table, rules, now=now, parties=False)
    csv_conv = convs.csv
    fast = csv_conv.fast if csv_conv is not None else None
    actual_of = csv_conv.actual if csv_conv is not None else None
    has_history = csv_conv is not None and csv_conv.has_history
    evaluate = rules.evaluate if as_of is None else partial(rules.evaluate, as_of=as_of)
    write = results.write if results is not None else None
    rejected = read = 0
    compare_case = counts.compare
    countdown = PROGRESS_EVERY
    for line, values, error in _rows(table, span):
        if error is not None:
            if error is SPLIT:
                raise SplitMismatch(line)
            read += 1
            rejected += 1
            if rejects is not None:
                rejects.write(line, error, values)
            continue
        read += 1
        if progress is not None:
            countdown -= 1
            if not countdown:
                countdown = PROGRESS_EVERY
                progress(read, table.position(), table.size)
        try:
            if fast is not None:
                values.append("")  # padded (see CaseConverter)
                case = fast(values) or csv_conv.case(values)
                if case.received_at == NO_DATE:
                    dated(case)
                actual = actual_of(values) if has_history else None
            else:
                case, conv, row = convs.object_case(values)
                dated(case)
                actual = conv.actual(row) if conv is not None else None
        except CaseError as exc:
            rejected += 1
            if rejects is not None:
                rejects.write(line, reason_of(exc), values[:-1] if fast is not None else values)
            continue
        review, decision = evaluate(case)
        # Decisions (and most reviews) are shared objects of the rule set: count by identity.
        key = id(decision) if decision is not None else (id(review), case.street)
        n = tally.get(key)
        if n is None:
            first[key] = (review, decision, case.street)
            tally[key] = 1
        else:
            tally[key] = n + 1
        if compare:
            compare_case(actual, review, decision)
        if write is not None:
            write(line, case, review, decision)
    counts.read, counts.rejected = read, rejected
    for key, n in tally.items():
        review, decision, street = first[key]
        counts.add(review, decision, street, n)
    if csv_conv is not None:
        counts.fallbacks = csv_conv.fallbacks
    return counts


def _pseudo(review: Review) -> str:
    """A review outcome as a pseudo-destination: ``rejected`` or ``referred_out:<to>``."""
    if review.outcome == "referred_out":
        return f"referred_out:{review.to}"
    return review.outcome


def outcome_key(review: Review, decision: Decision | None) -> str:
    """Where a case ends up: its destination, or its review outcome as a pseudo-destination."""
    return decision.destination if decision is not None else _pseudo(review)


def disagreement(actual: str, review: Review, decision: Decision | None) -> str | None:
    """None when history (``actual_destination``) agrees with the rules, else where the rules send it.

    A bare ``referred_out`` in the file agrees with a referral to anyone.
    """
    predicted = outcome_key(review, decision)
    if actual == predicted or (actual == "referred_out" and decision is None and review.outcome == "referred_out"):
        return None
    return predicted


def dry_run(path: str | Path, rules, *, as_of: date | None = None, compare: bool = False,
            out: str | Path | None = None, rejects: str | Path | None = None, workers: int = 1,
            encoding: str | None = None, format: str | None = None, ignore: Iterable[str] = (),
            now: datetime | None = None, progress: Callable[[int, int, int], None] | None = None,
            table: Table | None = None) -> Summary:
    """Replay a file of cases without a database; see the module docstring.

    ``out``: per-case results (JSON Lines, or CSV for a ``.csv`` name).
    ``rejects``: the rejects file; by default beside ``out``, or beside the
    input when there is no ``out`` (``NAME.rejects.csv``). A rejects file
    named here, or any rejects file when ``out`` is given, is always written
    (with only its header when nothing was rejected); without ``out`` or
    ``rejects`` a rejects file is written only when a row was rejected.
    ``compare`` needs an ``actual_destination`` column. ``workers`` > 1 splits
    the file among processes; the summary and files are the same as with one.
    Raises :class:`InputError` for a file that cannot be replayed at all.
    """
    from mediation.replay_workers import run

    started = time.perf_counter()
    table = table or open_cases(path, rules, encoding=encoding, format=format, ignore=ignore)
    if compare and table.format == "csv" and "actual_destination" not in table.columns:
        raise InputError(f"--compare needs an actual_destination ({rules.catalogue.label('field', 'actual_destination')})"
                         " column", file=table.name, line=1)
    counts, files = run(table, rules, as_of=as_of, compare=compare, out=out, rejects=rejects, workers=workers,
                        now=now, progress=progress)
    return Summary.build(table, rules, counts, as_of=as_of, compare=compare, files=files, workers=workers,
                         seconds=time.perf_counter() - started)
