"""The space of cases a rule set can tell apart, cut into boxes (for lint).

Every condition becomes a few *boxes*: for each field, the set of its values
the condition allows, held as a bitmask. The finite fields (request, channel,
category, street, the flags ...) take their values from the compiler's
:class:`~mediation.rules.compile.Domains` and :func:`~mediation.rules.compile.terms_of`.
Two more kinds of field are made finite here so that the analysis stays exact:

- numbers (``parties``, ``amount``): the constants the rules compare them with
  cut the number line into *regions* (``amount < 5000``, ``= 5000``,
  ``5000 < amount < 500000`` ...) inside which every comparison is constant;
- text (``summary``, ``community``): each word of ``contains_any`` and each
  value compared with ``==`` is a yes/no *atom*; the universe leaves out the
  combinations no text can have (a word present but a word inside it absent,
  two different exact values at once), which makes word tests exact too.

Only a condition too large to expand (more than ``MAX_TERMS`` terms) stays
opaque: it becomes one atom and verdicts involving it are approximate.
A box is one int (see :class:`Space`); its algebra (meet, subtract, count)
is all the analysis needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from mediation.rules.compile import Domains, terms_of
from mediation.rules.fields import FIELDS
from mediation.rules.lint.values import NUMERIC, Atom, describe_regions, regions_for, split_text
from mediation.rules.model import Cmp, Condition, NotOf

Box = int


class _Domains(Domains):
    """The compiler's domains, extended with numeric regions and text atoms."""

    def __init__(self, space: Space, base: Domains) -> None:
        super().__init__(base.values, base.outside)
        self.space = space
        for f in NUMERIC:
            self.values[f] = frozenset(range(len(space.regions[f])))

    def allowed(self, c: Cmp) -> tuple[str, frozenset] | None:
        kind = FIELDS[c.field].kind
        if FIELDS[c.field].finite:
            return super().allowed(c)
        if kind in ("int", "number"):
            regions = self.space.regions[c.field]
            return c.field, frozenset(i for i, r in enumerate(regions) if r.holds(c.op, c.value))
        if c.op == "contains_any":
            (word,) = c.value
            return self.space.atom(Atom(c.field, "contains", word, f"{c.field} contains {word}")), frozenset([True])
        truth = c.op == "=="
        shown = "null" if c.value is None else c.value
        return self.space.atom(Atom(c.field, "eq", c.value, f"{c.field} = {shown}")), frozenset([truth])


# ---------------------------------------------------------------- the space


class Space:
    """The fields, their values and the boxes of every rule of a rule set.

    A box is one int: each field has a run of bits (one per value) followed by
    a guard bit that stays 0, so that intersecting boxes is one ``&`` and
    "every field still has a value" is one addition (a field's bits plus
    all-ones carry into its guard bit exactly when the field is not empty).
    """

    def __init__(self, rules) -> None:
        self.rules = rules
        every = [*rules.review_rules, *rules.routing_rules]
        self.regions = {f: regions_for(f, (r.when for r in every)) for f in NUMERIC}
        self.atoms: dict[Atom, str] = {}
        self.domains = _Domains(self, rules.domains)
        raw = {id(r): self._terms(r.when) for r in every}
        self.finite = list(rules.domains.values)
        self.fields = [*self.finite, *NUMERIC, *self.atoms.values()]
        self.values: list[list] = [list(range(len(self.regions[f]))) if f in NUMERIC
                                   else sorted(self.domains.values[f], key=_order) for f in self.fields]
        self.pos = {f: i for i, f in enumerate(self.fields)}
        self.atom_of = {name: atom for atom, name in self.atoms.items()}
        self.offset, self.seg = [], []
        at = 0
        for vals in self.values:
            self.offset.append(at)
            self.seg.append(((1 << len(vals)) - 1) << at)
            at += len(vals) + 1
        self.full: Box = sum(self.seg)
        self.guard = sum(1 << (o + len(v)) for o, v in zip(self.offset, self.values, strict=True))
        self.bits = [{v: 1 << (o + j) for j, v in enumerate(vals)}
                     for o, vals in zip(self.offset, self.values, strict=True)]
        k = len(self.finite)
        self.not_finite = sum(self.seg[k:])
        self.opaque = [self.pos[n] for a, n in self.atoms.items() if a.kind == "opaque"]
        self._restricted: dict[int, tuple[int, ...]] = {}
        self._restricted_set: dict[int, frozenset[int]] = {}
        self._names: dict[int, frozenset[str]] = {}
        self._boxes = {key: self._to_boxes(terms) for key, terms in raw.items()}
        self.universe = self._universe()
        self.universe_finite = self.union([self.project(u) for u in self.universe])
        #: what is outside the universe, as boxes (the cases no case can be)
        self.impossible = self.subtract_all([self.full], self.universe)
        self.impossible_finite = self.subtract_all([self.full], self.universe_finite)

    def atom(self, atom: Atom) -> str:
        name = self.atoms.get(atom)
        if name is None:
            name = self.atoms[atom] = f"~{len(self.atoms)}"
            self.domains.values[name] = frozenset([True, False])
        return name

    def _terms(self, cond: Condition | None) -> list[dict]:
        if cond is None:
            return [{}]
        out = []
        for term in terms_of(0, split_text(cond), self.domains):
            finite = {f: v for f, v in term.finite}
            for r in term.residual:  # negated text tests, or a condition kept whole
                if isinstance(r, NotOf) and isinstance(r.item, Cmp):
                    name, _ = self.domains.allowed(r.item)
                    wanted = frozenset([False])
                else:
                    name = self.atom(Atom(None, "opaque", r, f"({self.rules.describe(r)})"))
                    wanted = frozenset([True])
                finite[name] = finite[name] & wanted if name in finite else wanted
            if all(finite.values()):
                out.append(finite)
        return out

    def _to_boxes(self, terms: list[dict]) -> list[Box]:
        out = []
        for finite in terms:
            box = self.fix(finite)
            if self.nonempty(box):
                out.append(box)
        return out

    def boxes(self, rule) -> list[Box]:
        """The boxes of a rule's condition (empty when it can never hold)."""
        return self._boxes[id(rule)]

    def _universe(self) -> list[Box]:
        region = [self.full]
        # a referral names its referrer, and only a referral does
        channels, referrers = self.values[self.pos["channel"]], self.values[self.pos["referred_by"]]
        if "referral" in channels and None in referrers:
            region = self.subtract_all(region, [
                self.fix({"channel": {"referral"}, "referred_by": {None}}),
                self.fix({"channel": set(channels) - {"referral"}, "referred_by": set(referrers) - {None}})])
        return self.subtract_all(region, self._impossible_text())

    def _impossible_text(self) -> list[Box]:
        """Combinations of text atoms no text can have."""
        out = []
        atoms = [a for a in self.atoms if a.kind != "opaque"]
        for a in atoms:
            for b in atoms:
                if a is b or a.field != b.field:
                    continue
                na, nb = self.atoms[a], self.atoms[b]
                if a.kind == b.kind == "contains" and a.value in b.value and a.value != b.value:
                    out.append(self.fix({nb: {True}, na: {False}}))  # b's word holds a's
                elif a.kind == "eq" and b.kind == "eq" and na < nb:
                    out.append(self.fix({na: {True}, nb: {True}}))
                elif a.kind == "eq" and b.kind == "contains":
                    has = a.value is not None and b.value in a.value.lower()
                    out.append(self.fix({na: {True}, nb: {not has}}))
        return out

    def fix(self, wanted: dict[str, Iterable]) -> Box:
        """The box allowing only ``wanted`` values of the fields it names (0 when one is left empty)."""
        box = self.full
        for f, values in wanted.items():
            i = self.pos[f]
            box = (box & ~self.seg[i]) | (box & sum(self.bits[i][v] for v in values))
        return box

    # ------------------------------------------------------------ box algebra

    def nonempty(self, box: Box) -> bool:
        return (box + self.full) & self.guard == self.guard

    def possible(self, box: Box) -> bool:
        """Whether some case lies in the box (inside the universe, not only outside it)."""
        full, guard = self.full, self.guard
        if (box + full) & guard != guard:
            return False
        for bad in self.impossible:
            if (box & bad) + full & guard == guard:  # it meets a box of impossible cases: look closer
                return bool(self.subtract_all([box], self.impossible))
        return True

    def meet(self, a: Box, b: Box) -> Box | None:
        """The intersection of two boxes, or None."""
        m = a & b
        return m if (m + self.full) & self.guard == self.guard else None

    def restricted_fields(self, box: Box) -> tuple[int, ...]:
        """The indices of the fields a box constrains (memoised: for rule boxes)."""
        found = self._restricted.get(box)
        if found is None:
            found = self._restricted[box] = tuple(i for i, s in enumerate(self.seg) if box & s != s)
        return found

    def subtract(self, a: Box, b: Box) -> list[Box]:
        """``a`` minus ``b`` as disjoint boxes (``b`` a rule's box)."""
        if (a & b) + self.full & self.guard != self.guard:
            return [a]
        out = []
        cur = a
        for i in self.restricted_fields(b):
            s = self.seg[i]
            rest = cur & s & ~b
            if rest:
                out.append(cur & ~s | rest)
                cur = cur & ~s | (cur & s & b)
        return out

    def subtract_all(self, region: list[Box], boxes: Iterable[Box]) -> list[Box]:
        """A region (disjoint boxes) minus every box."""
        for b in boxes:
            nxt = []
            for a in region:
                nxt.extend(self.subtract(a, b))
            region = nxt
            if not region:
                break
        return region

    def split(self, region: list[Box], boxes: Sequence[Box]) -> tuple[list[Box], list[Box]]:
        """The parts of a region inside any of ``boxes``, and the rest (both disjoint)."""
        inside: list[Box] = []
        rest = region
        full, guard = self.full, self.guard
        for b in boxes:
            nxt = []
            for a in rest:
                m = a & b
                if (m + full) & guard != guard:
                    nxt.append(a)
                else:
                    inside.append(m)
                    nxt.extend(self.subtract(a, b))
            rest = nxt
        return inside, rest

    def partition(self, covers: list[tuple], start: Box | None = None) -> Iterator[tuple[int | None, Box, list]]:
        """Cut the space (or the box ``start``) by ``covers`` (in priority order) into pieces.

        A cover is a tuple ``(k, box, ...)``. Yields ``(k, piece, covers meeting
        it)`` where ``k`` is that of the first cover whose box holds the whole
        piece, or None where no cover meets it.
        """
        full, guard, seg = self.full, self.guard, self.seg
        node = full if start is None else start
        stack = [(node, [kc for kc in covers if (node & kc[1]) + full & guard == guard])]
        while stack:
            node, cs = stack.pop()
            if not cs:
                yield None, node, cs
                continue
            c0 = cs[0][1]
            if not node & ~c0:
                yield cs[0][0], node, cs
                continue
            for i in self.restricted_fields(c0):
                s = seg[i]
                if node & s & ~c0:
                    break
            # every cover here meets the node; a part differs from it in field s only
            outside, inside = node & s & ~c0, node & s & c0
            stack.append((node & ~s | outside, [kc for kc in cs[1:] if outside & kc[1]]))
            stack.append((node & ~s | inside, [kc for kc in cs if inside & kc[1]]))

    def union(self, boxes: Iterable[Box]) -> list[Box]:
        """Overlapping boxes as disjoint ones covering the same cases."""
        return [node for k, node, _ in self.partition(list(enumerate(boxes))) if k is not None]

    @staticmethod
    def bounds(boxes: Iterable[Box]) -> Box:
        """The smallest box holding all of ``boxes`` (0 for none)."""
        acc = 0
        for b in boxes:
            acc |= b
        return acc

    # ------------------------------------------------------------ reading boxes

    def is_opaque(self, box: Box) -> bool:
        """Whether a box depends on an opaque condition (verdicts on it are approximate)."""
        return any(box & self.seg[i] != self.seg[i] for i in self.opaque)

    def restricted(self, box: Box) -> frozenset[int]:
        """The fields a box constrains, as indices (memoised: for rule boxes)."""
        found = self._restricted_set.get(box)
        if found is None:
            found = self._restricted_set[box] = frozenset(self.restricted_fields(box))
        return found

    def field_names(self, box: Box) -> frozenset[str]:
        """The case fields a box constrains, a word test counting as its text field (memoised: for rule boxes)."""
        found = self._names.get(box)
        if found is None:
            out = set()
            for i in self.restricted_fields(box):
                atom = self.atom_of.get(self.fields[i])
                out.add(atom.field if atom is not None and atom.field else self.fields[i])
            found = self._names[box] = frozenset(out)
        return found

    def combinations(self, box: Box) -> int:
        """How many combinations of the finite fields a box holds."""
        n = 1
        for i in range(len(self.finite)):
            n *= (box & self.seg[i]).bit_count()
        return n

    def size(self, box: Box) -> int:
        """How many values a box allows, over every field (to order boxes, largest first)."""
        n = 1
        for s in self.seg:
            n *= (box & s).bit_count()
        return n

    def project(self, box: Box) -> Box:
        """The box with only its finite fields constrained."""
        return box | self.not_finite

    def coalesce(self, boxes: list[Box], limit: int = 60) -> list[tuple[Box, int]]:
        """Fewer, larger boxes for people, with their sizes: two merge whenever, within the universe,
        their union is a box. Only for describing a region (a result may reach outside the universe).
        """
        work = sorted(boxes, key=self.combinations, reverse=True)[:limit]
        size = {b: self._inside(b) for b in work}
        merged = True
        while merged:
            merged = False
            for x in range(len(work)):
                for y in range(x + 1, len(work)):
                    a, b = work[x], work[y]
                    n = self._inside(a | b)
                    if n == size[a] + size[b]:
                        work[x] = a | b
                        size[a | b] = n
                        del work[y]
                        merged = True
                        break
                if merged:
                    break
        return sorted(((b, size[b]) for b in work), key=lambda p: -p[1])

    def _inside(self, box: Box) -> int:
        box = self.project(box)
        return sum(self.combinations(m) for u in self.universe_finite if (m := self.meet(box, u)) is not None)

    def segment(self, box: Box, i: int) -> list:
        """The values a box allows for field ``i``."""
        return [v for v, bit in self.bits[i].items() if box & bit]

    def describe(self, box: Box) -> str:
        """A box as a condition people read: ``category = environment and risk ≠ high``."""
        parts = []
        implied = self._implied_channel(box)
        for i, f in enumerate(self.fields):
            s = self.seg[i]
            if box & s == s or (f == "channel" and implied):
                continue
            inside = self.segment(box, i)
            if f in NUMERIC:
                parts.append(describe_regions(f, self.regions[f], inside))
                continue
            if f in self.atom_of:
                atom = self.atom_of[f]
                parts.append(atom.label if inside == [True] else f"not {atom.label}")
                continue
            outside = [v for v in self.values[i] if v not in inside]
            if len(inside) == 1:
                parts.append(f"{f} = {_shown(inside[0])}")
            elif len(outside) == 1:
                parts.append(f"{f} ≠ {_shown(outside[0])}")
            elif len(inside) <= len(outside):
                parts.append(f"{f} in {{{', '.join(map(_shown, inside))}}}")
            else:
                parts.append(f"{f} not in {{{', '.join(map(_shown, outside))}}}")
        return " and ".join(parts) or "every case"

    def _implied_channel(self, box: Box) -> bool:
        """Whether the box's channel follows from its referred_by (a referral names its referrer)."""
        ci, ri = self.pos["channel"], self.pos["referred_by"]
        referral = self.bits[ci].get("referral")
        none = self.bits[ri].get(None)
        if referral is None or none is None:
            return False
        channel, referrer = box & self.seg[ci], box & self.seg[ri]
        if channel == referral:
            return not referrer & none
        return channel == self.seg[ci] & ~referral and referrer == none


def _order(value: Any) -> tuple:
    return (value is not None, str(value))


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
