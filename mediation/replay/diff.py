"""Rule-set diff: two rule sets over the same cases, and which cases move (docs/design.md §5 "Diff").

Every case of a CSV or JSON Lines file is reviewed and routed by the old and
by the new rule set (each by the rules in force on the case's date, or on
``as_of``). Where a case ends up is its destination, or its review outcome as
a pseudo-destination (``rejected``, ``referred_out:duji``); a case that one
rule set cannot read at all (say the new catalogue dropped its category) ends
up ``invalid`` on that side. The diff is the matrix of (from, to) counts,
the moves among them with sample case numbers, and how many cases each rule
decides under each rule set. Rows are read exactly as a dry run reads them
(:mod:`.pipeline`): a row rejected there is rejected here (a malformed replay
column included), so ``read = compared + rejected`` matches the dry run's
``read = routed + rejected`` under the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from mediation.errors import CaseError
from mediation.replay.pipeline import RouteStep, open_cases, run
from mediation.replay.readers import Table
from mediation.replay.summary import Counts, outcome_key

#: Where a case goes when a rule set cannot read it.
INVALID = "invalid"
#: Rejected rows listed in a diff (the count is always complete).
MAX_REJECTS_LISTED = 20


@dataclass
class RulesDiff:
    """The result of :func:`diff_rules`; :meth:`as_dict` is the ``--json`` output."""

    old: dict
    new: dict
    input: dict
    as_of: date | None
    read: int
    rejected: int
    matrix: dict[str, dict[str, int]]
    moves: list[dict]
    rules: list[dict]
    rejects: list[dict]

    @property
    def compared(self) -> int:
        return self.read - self.rejected

    @property
    def moved(self) -> int:
        return sum(m["count"] for m in self.moves)

    def as_dict(self) -> dict:
        return {
            "old": self.old, "new": self.new, "input": self.input,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "read": self.read, "compared": self.compared, "rejected": self.rejected,
            "moved": self.moved, "unchanged": self.compared - self.moved,
            "moves": self.moves, "matrix": self.matrix, "rules": self.rules, "rejects": self.rejects,
        }


class _DiffStep:
    """Both rule sets' reading of a row: where it ends up under each (``invalid``: that set cannot read it).

    Raises the old set's :class:`CaseError` when neither can read the row (it is then rejected).
    """

    def __init__(self, old_table: Table, old, new_table: Table, new, as_of: date | None) -> None:
        # each rule set reads the columns by its own labels
        self.old = RouteStep(old_table, old, as_of=as_of)
        self.new = RouteStep(new_table, new, as_of=as_of)

    def __call__(self, values: Any) -> tuple[str, str]:
        try:
            _case, review, decision, _history, _refusal = self.old(values)
            before = outcome_key(review, decision)
        except CaseError as exc:
            before, why = INVALID, exc
        try:
            _case, review, decision, _history, _refusal = self.new(values)
            after = outcome_key(review, decision)
        except CaseError:
            if before == INVALID:
                raise why from None
            after = INVALID
        return before, after


class _DiffSink:
    """The moves matrix, sample case numbers per move, the first rejects."""

    def __init__(self, number_at, samples: int) -> None:
        self.number_at, self.samples = number_at, samples
        self.matrix: dict[str, dict[str, int]] = {}
        self.examples: dict[tuple[str, str], list[str]] = {}
        self.rejects: list[dict] = []

    def accepted(self, line: int, values: Any, places: tuple[str, str]) -> None:
        before, after = places
        row = self.matrix.setdefault(before, {})
        row[after] = row.get(after, 0) + 1
        if before != after:
            listed = self.examples.setdefault((before, after), [])
            if len(listed) < self.samples:
                listed.append(self.number_at(values) or f"line {line}")

    def rejected(self, line: int, reason: str, values: Any) -> None:
        if len(self.rejects) < MAX_REJECTS_LISTED:
            self.rejects.append({"line": line, "reason": reason})


def diff_rules(old, new, cases: str | Path, *, as_of: date | None = None, samples: int = 5,
               encoding: str | None = None, format: str | None = None, ignore: Iterable[str] = ()) -> RulesDiff:
    """Route the cases of ``cases`` by two rule sets and report what moves; see the module docstring.

    ``samples``: at most this many case numbers (``line N`` for a case without
    one) per move, the first in file order. Raises :class:`InputError` for a
    file that cannot be read at all by either rule set.
    """
    table = open_cases(cases, old, encoding=encoding, format=format, ignore=ignore)
    try:
        new_table = open_cases(cases, new, encoding=encoding, format=format, ignore=ignore)
        new_table.close()  # only its columns are used: the rows are read once, from the old set's table
        step = _DiffStep(table, old, new_table, new, as_of)
        sink = _DiffSink(_case_number(table), samples)
        read, rejected = run(table, step, sink)
    finally:
        table.close()
    moves = [{"from": f, "to": t, "count": n, "samples": sink.examples.get((f, t), [])}
             for f, row in sink.matrix.items() for t, n in row.items() if f != t]
    moves.sort(key=lambda m: (-m["count"], m["from"], m["to"]))
    return RulesDiff(
        old={"path": str(old.path), "digest": old.digest}, new={"path": str(new.path), "digest": new.digest},
        input={"file": table.name, "format": table.format, "encoding": table.encoding},
        as_of=as_of, read=read, rejected=rejected,
        matrix={f: dict(sorted(row.items())) for f, row in sorted(sink.matrix.items())},
        moves=moves, rules=_rule_changes(old, step.old.tally(), new, step.new.tally()), rejects=sink.rejects,
    )


def _case_number(table: Table):
    if table.format == "csv":
        columns = table.columns
        if "case_no" not in columns:
            return lambda values: None
        i = columns.index("case_no")
        return lambda values: values[i].strip() or None if i < len(values) else None

    def from_object(values: dict) -> str | None:
        for key, value in values.items():
            if table.fields.parser.column_of(str(key)) == "case_no" and value:
                return str(value).strip()
        return None

    return from_object


def _hits(counts: Counts) -> dict[tuple[str, str], int]:
    """How many cases each rule decided: (stage, rule id) -> count."""
    hits: dict[tuple[str, str], int] = {}
    for (_outcome, review_rule, _to, _destination, routing_rule, _unit), n in counts.routed.items():
        hits[("review", review_rule)] = hits.get(("review", review_rule), 0) + n
        if routing_rule is not None:
            hits[("routing", routing_rule)] = hits.get(("routing", routing_rule), 0) + n
    return hits


def _rule_changes(old, old_counts: Counts, new, new_counts: Counts) -> list[dict]:
    """Every rule of either set, old set's order first, with its hits under each."""
    present: dict[tuple[str, str], set[str]] = {}
    for name, rules in (("old", old), ("new", new)):
        for stage, policy in (("review", rules.review_rules), ("routing", rules.routing_rules)):
            for r in policy:
                present.setdefault((stage, r.id), set()).add(name)
    a, b = _hits(old_counts), _hits(new_counts)
    out = []
    for key in sorted(present, key=lambda k: k[0] != "review"):  # stable: review rules, then routing
        before, after = a.get(key, 0), b.get(key, 0)
        where = present[key]
        out.append({"stage": key[0], "rule": key[1], "in": "both" if len(where) == 2 else where.pop(),
                    "old": before, "new": after, "change": after - before})
    return out
