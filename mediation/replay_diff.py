"""Rule-set diff: two rule sets over the same cases, and which cases move (DESIGN §5 "Diff").

Every case of a CSV or JSON Lines file is reviewed and routed by the old and
by the new rule set (each by the rules in force on the case's date, or on
``as_of``). Where a case ends up is its destination, or its review outcome as
a pseudo-destination (``rejected``, ``referred_out:duji``); a case that one
rule set cannot read at all (say the new catalogue dropped its category) ends
up ``invalid`` on that side. The diff is the matrix of (from, to) counts,
the moves among them with sample case numbers, and how many cases each rule
decides under each rule set. Only the case columns matter here: the replay
columns (``actual_destination``, ``outcome`` ...) are not read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from mediation.errors import CaseError
from mediation.replay import Converters, _rows, dated, open_cases, outcome_key, reason_of

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


class _Side:
    """One rule set's reading and routing of the rows."""

    def __init__(self, rules, path: Path, *, encoding, format, ignore) -> None:
        self.rules = rules
        self.table = open_cases(path, rules, encoding=encoding, format=format, ignore=ignore)
        self.convs = Converters(self.table, rules, parties=False)
        self.hits: dict[tuple[str, str], int] = {}

    def place(self, values, as_of: date | None) -> tuple[str | None, str | None]:
        """(where the case ends up, None) or (None, why it cannot be read)."""
        try:
            if self.convs.csv is not None:
                case = dated(self.convs.csv.case([*values, ""]))
            else:
                case = dated(self.convs.object_case(values)[0])
        except CaseError as exc:
            return None, reason_of(exc)
        review, decision = self.rules.evaluate(case, as_of=as_of)
        hits = self.hits
        key = ("review", review.rule)
        hits[key] = hits.get(key, 0) + 1
        if decision is not None:
            key = ("routing", decision.rule)
            hits[key] = hits.get(key, 0) + 1
        return outcome_key(review, decision), None


def diff_rules(old, new, cases: str | Path, *, as_of: date | None = None, samples: int = 5,
               encoding: str | None = None, format: str | None = None, ignore: Iterable[str] = ()) -> RulesDiff:
    """Route the cases of ``cases`` by two rule sets and report what moves; see the module docstring.

    ``samples``: at most this many case numbers (``line N`` for a case without
    one) per move, the first in file order. Raises :class:`InputError` for a
    file that cannot be read at all.
    """

    a = _Side(old, Path(cases), encoding=encoding, format=format, ignore=ignore)
    b = _Side(new, Path(cases), encoding=encoding, format=format, ignore=ignore)
    b.table.close()
    matrix: dict[str, dict[str, int]] = {}
    examples: dict[tuple[str, str], list[str]] = {}
    rejects: list[dict] = []
    read = rejected = 0
    number_at = _case_number(a)
    try:
        for line, values, error in _rows(a.table, None):
            read += 1
            if error is None:
                before, why = a.place(values, as_of)
                after, _ = b.place(values, as_of)
                if before is None and after is None:
                    error = why
                else:
                    before, after = before or INVALID, after or INVALID
            if error is not None:
                rejected += 1
                if len(rejects) < MAX_REJECTS_LISTED:
                    rejects.append({"line": line, "reason": error})
                continue
            row = matrix.setdefault(before, {})
            row[after] = row.get(after, 0) + 1
            if before != after:
                listed = examples.setdefault((before, after), [])
                if len(listed) < samples:
                    listed.append(number_at(values) or f"line {line}")
    finally:
        a.table.close()
    moves = [{"from": f, "to": t, "count": n, "samples": examples.get((f, t), [])}
             for f, row in matrix.items() for t, n in row.items() if f != t]
    moves.sort(key=lambda m: (-m["count"], m["from"], m["to"]))
    return RulesDiff(
        old={"path": str(old.path), "digest": old.digest}, new={"path": str(new.path), "digest": new.digest},
        input={"file": a.table.name, "format": a.table.format, "encoding": a.table.encoding},
        as_of=as_of, read=read, rejected=rejected,
        matrix={f: dict(sorted(row.items())) for f, row in sorted(matrix.items())},
        moves=moves, rules=_rule_changes(a, b), rejects=rejects,
    )


def _case_number(side: _Side):
    if side.table.format == "csv":
        columns = side.table.columns
        if "case_no" not in columns:
            return lambda values: None
        i = columns.index("case_no")
        return lambda values: values[i].strip() or None if i < len(values) else None

    def from_object(values: dict) -> str | None:
        for key, value in values.items():
            if side.table.fields.parser.column_of(str(key)) == "case_no" and value:
                return str(value).strip()
        return None

    return from_object


def _rule_changes(a: _Side, b: _Side) -> list[dict]:
    """Every rule of either set, old set's order first, with its hits under each."""
    present: dict[tuple[str, str], set[str]] = {}
    for name, side in (("old", a), ("new", b)):
        for stage, rules in (("review", side.rules.review_rules), ("routing", side.rules.routing_rules)):
            for r in rules:
                present.setdefault((stage, r.id), set()).add(name)
    out = []
    for key in sorted(present, key=lambda k: k[0] != "review"):  # stable: review rules, then routing
        before, after = a.hits.get(key, 0), b.hits.get(key, 0)
        where = present[key]
        out.append({"stage": key[0], "rule": key[1], "in": "both" if len(where) == 2 else where.pop(),
                    "old": before, "new": after, "change": after - before})
    return out
