"""Numbers and text made finite, for lint: regions of the number line, and word atoms.

- numbers (``parties``, ``amount``): the constants the rules compare them with
  cut the number line into *regions* (``amount < 5000``, ``= 5000``,
  ``5000 < amount < 500000`` ...) inside which every comparison is constant;
- text (``summary``, ``community``): each word of ``contains_any`` and each
  value compared with ``==`` is a yes/no *atom* (:class:`Atom`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mediation.rules.fields import FIELDS
from mediation.rules.model import AllOf, AnyOf, Cmp, Condition, NotOf

NUMERIC = ("parties", "amount")
_MINIMUM = {"parties": 1, "amount": Decimal(0)}


# ---------------------------------------------------------------- numbers


@dataclass(frozen=True, slots=True)
class Region:
    """A stretch of the number line: a point, or an open interval between two constants."""

    lo: Any  # None: unbounded
    hi: Any
    point: bool
    sample: Any  # a value inside it

    def holds(self, op: str, value: Any) -> bool:
        x = self.sample
        if op in ("in", "not_in"):
            return (x in value) == (op == "in")
        return {"==": x == value, "!=": x != value, "<": x < value, "<=": x <= value,
                ">": x > value, ">=": x >= value}[op]


def _constants(cond: Condition | None, field: str, out: set) -> None:
    if cond is None:
        return
    if isinstance(cond, Cmp):
        if cond.field == field:
            out.update(cond.value if cond.op in ("in", "not_in") else [cond.value])
    elif isinstance(cond, NotOf):
        _constants(cond.item, field, out)
    else:
        for c in cond.items:
            _constants(c, field, out)


def regions_for(field: str, conditions: Iterable[Condition | None]) -> list[Region]:
    """The regions of a numeric field: every comparison in ``conditions`` is constant inside each."""
    whole = FIELDS[field].kind == "int"
    found: set = set()
    for cond in conditions:
        _constants(cond, field, found)
    low = _MINIMUM[field]
    cuts = sorted({low, *(c for c in found if c >= low)})
    out = []
    for i, c in enumerate(cuts):
        out.append(Region(c, c, True, c))
        nxt = cuts[i + 1] if i + 1 < len(cuts) else None
        if nxt is None:
            out.append(Region(c, None, False, c + 1))
        elif whole and nxt - c >= 2:
            out.append(Region(c, nxt, False, c + 1))
        elif not whole:
            out.append(Region(c, nxt, False, (Decimal(c) + Decimal(nxt)) / 2))
    return out


def describe_regions(field: str, regions: Sequence[Region], chosen: Iterable[int]) -> str:
    """``amount < 5000``, ``5 ≤ parties ≤ 9``, ``parties = 5`` ... for a set of regions."""
    runs: list[list[int]] = []
    for i in sorted(set(chosen)):
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    whole = FIELDS[field].kind == "int"
    parts = []
    for run in runs:
        first, last = regions[run[0]], regions[run[-1]]
        lo = None if run[0] == 0 else (first.lo, first.point)  # (value, closed)
        hi = None if last.hi is None else (last.hi, last.point)
        if whole:  # open bounds of whole numbers read better closed
            lo = lo and (lo if lo[1] else (lo[0] + 1, True))
            hi = hi and (hi if hi[1] else (hi[0] - 1, True))
        if len(run) == 1 and first.point:
            parts.append(f"{field} = {first.lo}")
        elif lo and hi and lo == hi:
            parts.append(f"{field} = {lo[0]}")
        elif lo and not hi:
            parts.append(f"{field} {'≥' if lo[1] else '>'} {lo[0]}")
        elif lo or hi:
            low = f"{lo[0]} {'≤' if lo[1] else '<'} " if lo else ""
            high = f" {'≤' if hi[1] else '<'} {hi[0]}" if hi else ""
            parts.append(f"{low}{field}{high}")
        else:
            parts.append(f"any {field}")
    return " or ".join(parts)


# ---------------------------------------------------------------- text


@dataclass(frozen=True, slots=True)
class Atom:
    """A yes/no fact about a text field: it contains a word, equals a value; or an opaque condition."""

    field: str | None
    kind: str  # contains | eq | opaque
    value: Any
    label: str


def split_text(cond: Condition) -> Condition:
    """Text tests as single-word / single-value comparisons, so each is one atom."""
    if isinstance(cond, Cmp):
        if FIELDS[cond.field].kind != "text" or cond.op in ("==", "!="):
            return cond
        values = sorted(cond.value, key=str)
        if cond.op == "contains_any":
            parts = [Cmp(cond.field, "contains_any", frozenset([w]), cond.source) for w in values]
            return parts[0] if len(parts) == 1 else AnyOf(tuple(parts), cond.source)
        op = "==" if cond.op == "in" else "!="
        parts = [Cmp(cond.field, op, v, cond.source) for v in values]
        if len(parts) == 1:
            return parts[0]
        return AnyOf(tuple(parts), cond.source) if op == "==" else AllOf(tuple(parts), cond.source)
    if isinstance(cond, NotOf):
        return NotOf(split_text(cond.item), cond.source)
    items = tuple(split_text(c) for c in cond.items)
    return AllOf(items, cond.source) if isinstance(cond, AllOf) else AnyOf(items, cond.source)
