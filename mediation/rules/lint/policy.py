"""Lint of one ordered policy (review or routing) over the space of cases.

Each rule is followed through the rules before it: what each earlier rule
takes of the cases it matches, in order, and what is left for it. A rule
left with nothing can never fire (shadowed, or redundant when every case it
matches gets its outcome anyway); a rule that loses some cases to an earlier
rule with another outcome overlaps it, and order decides. What is left for
the fallback are the gaps. See :mod:`mediation.rules.lint.space` for how
conditions become boxes, and why the verdicts are exact.

The exact walk can need exponentially many pieces (many rules, each with
words of its own and alternatives, all overlapping one another). Past
:data:`MAX_WORK` (pieces, each weighed by the rule boxes meeting it) it gives up and the policy gets a *bounded* walk
(:func:`bounded_walk`): every rule against every earlier rule, one pair at a
time, in time and memory quadratic in the boxes. What it reports as shadowed
is shadowed (every alternative lies inside one earlier rule); what it cannot
prove (a rule shadowed only by several earlier rules together, whether an
overlap is not already taken by a third rule, the gaps) it says so, in a
``bounded-analysis`` finding, and its overlaps are marked approximate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mediation.rules.lint.space import Box, Space

#: Beyond this many boxes the "reach the fallback for some values" figure is skipped.
MAX_GAP_BOXES = 3000
#: The work the exact walk of one policy may do before the bounded walk takes over: the pieces it
#: cuts the space into, each counted by the rule boxes that meet it (see benchmarks/lint.py).
MAX_WORK = 6_000_000
#: Pieces the gap figures may need before they are skipped (their partition can explode as well).
MAX_GAP_PIECES = 100_000


class TooLarge(Exception):
    """A partition needed more pieces than it was allowed."""


@dataclass(slots=True)
class Taker:
    """How an earlier rule takes some of a later rule's cases."""

    pieces: int = 0  # pairs of boxes (its, the later rule's) through which it takes cases
    covers: bool = False  # it tests only fields the later rule tests too (it covers, not slices)
    #: why that looks unintended, and where: ("specific", box) the later rule tests more
    #: fields; ("conflict", box) the same fields; ("covered", box) the same fields, and a
    #: whole alternative of the later rule lies inside the earlier one
    why: tuple[str, Box] | None = None


@dataclass
class Verdict:
    """What the walk found for one rule."""

    index: int
    rule: Any
    boxes: list[Box]
    decided: int = 0  # pieces of the space it decides
    takers: dict[int, Taker] = field(default_factory=dict)  # earlier rules that decide some of its cases

    @property
    def dead(self) -> bool:
        return not self.decided


@dataclass
class Walk:
    policy: str
    rules: Sequence[Any]
    verdicts: list[Verdict]
    left: list[Box]  # the cases that reach the fallback
    bounded: bool = False  # the exact walk was too large: rule against rule (see bounded_walk)


def walk(space: Space, policy: str, rules: Sequence[Any], max_work: int | None = None) -> Walk:
    """Cut the space into pieces each decided by one rule (first match wins), as the engine would.

    A piece is final when it lies inside the first rule box that meets it;
    otherwise it is split on a field that box tests. Every later rule whose
    box meets a final piece loses those cases to the rule that decides it.
    Past ``max_work`` (default :data:`MAX_WORK`: the pieces, each counted by the
    rule boxes that meet it) the :func:`bounded_walk` is returned instead.
    """
    try:
        return _exact_walk(space, policy, rules, MAX_WORK if max_work is None else max_work)
    except TooLarge:
        return bounded_walk(space, policy, rules)


def _exact_walk(space: Space, policy: str, rules: Sequence[Any], max_work: int) -> Walk:
    verdicts = [Verdict(k, r, space.boxes(r)) for k, r in enumerate(rules)]
    # each cover with the fields it tests, as indices and as case fields, for the checks below
    covers = [(-1, b, None, None) for b in space.impossible]
    covers += [(v.index, b, space.restricted(b), space.field_names(b)) for v in verdicts for b in v.boxes]
    covers = [(*c, n) for n, c in enumerate(covers)]  # and a number, to remember pairs already seen
    fallback = len(rules) - 1 if rules and rules[-1].when is None else None
    left: list[Box] = []
    takers_of = [v.takers for v in verdicts]
    meet = space.meet
    seen: set[int] = set()
    work = 0
    for k, node, cs in space.partition(covers):
        work += len(cs)
        if work > max_work:
            raise TooLarge(work)
        if k is None or k < 0:  # no rule matches (a policy without fallback), or no such case
            if k is None:
                left.append(node)
            continue
        verdicts[k].decided += 1
        if k == fallback:
            left.append(node)
            continue
        _, c0, mine, names, n0 = cs[0]
        n0 <<= 32
        for j, c, theirs, their_names, n in cs[1:]:
            if j in (k, fallback) or j < 0 or (n0 | n) in seen:
                continue
            seen.add(n0 | n)  # what a pair of boxes tells is the same in every piece they share
            found = takers_of[j]
            taker = found.get(k)
            if taker is None:
                taker = found[k] = Taker()
            taker.pieces += 1
            if not taker.covers and names <= their_names:
                taker.covers = True
            if taker.why is None:
                if mine < theirs:
                    taker.why = ("specific", meet(c0, c))
                elif mine == theirs:
                    taker.why = ("covered" if not c & ~c0 else "conflict", meet(c0, c))
    return Walk(policy, rules, verdicts, left)


def bounded_walk(space: Space, policy: str, rules: Sequence[Any]) -> Walk:
    """Every rule against every earlier rule, one pair of boxes at a time (quadratic, never exponential).

    An earlier rule *takes* some of a later rule's cases when their boxes meet
    on a possible case (maybe cases a third rule decides first: not proven). A
    rule is *dead* only when each of its boxes lies inside one earlier box
    (proven); one covered by several earlier rules together is taken as live.
    The gaps are not computed (``left`` is empty).
    """
    verdicts = [Verdict(k, r, space.boxes(r)) for k, r in enumerate(rules)]
    full, guard, possible = space.full, space.guard, space.possible
    earlier: list[tuple[Box, frozenset, frozenset, int]] = []  # the boxes of the rules so far, in order
    for v in verdicts:
        mine = [(b, space.restricted(b), space.field_names(b)) for b in v.boxes if possible(b)]
        takers = v.takers
        live = False
        for c, theirs, their_names in mine:
            inside_one = False
            for c0, first, names, j in earlier:
                m = c0 & c
                if (m + full) & guard != guard:
                    continue
                inside = not c & ~c0  # then m is c, a possible box
                taker = takers.get(j)
                why = None
                if taker is None or taker.why is None:
                    if first < theirs:
                        why = ("specific", m)
                    elif first == theirs:
                        why = ("covered" if inside else "conflict", m)
                # only a new taker, or a new reason, is worth the closer look at the universe
                if (taker is None or why is not None) and not inside and not possible(m):
                    continue
                if taker is None:
                    taker = takers[j] = Taker()
                taker.pieces += 1
                if not taker.covers and names <= their_names:
                    taker.covers = True
                if why is not None:
                    taker.why = why
                inside_one = inside_one or inside
            live = live or not inside_one
        v.decided = 1 if live else 0
        earlier += [(b, first, names, v.index) for b, first, names in mine]
    return Walk(policy, rules, verdicts, [], bounded=True)


# ---------------------------------------------------------------- findings


@dataclass
class Issue:
    """A policy finding before it is dressed as a :class:`~mediation.rules.lint.Finding`."""

    severity: str
    code: str
    rule: Any
    message: str
    approximate: bool = False
    detail: dict | None = None
    bounded: bool = False  # from a bounded walk: approximate for that reason


def shadow_issues(space: Space, w: Walk, outcome: Callable[[Any], str]) -> list[Issue]:
    """Rules that can never fire: their condition never holds, or earlier rules take every case.

    Of the earlier rules that take a dead rule's cases, those testing only
    fields the dead rule tests too are the ones that cover it; the others (a
    request rule, say) only take a slice. When the covering rules give the
    dead rule's own outcome it is redundant (a warning), else shadowed (an error).
    """
    out = []
    last = len(w.verdicts) - 1
    for v in w.verdicts:
        if not v.dead:
            continue
        approx = any(space.is_opaque(b) for b in v.boxes)
        if v.index == last:
            out.append(Issue("info", "fallback-unreachable", v.rule,
                             "earlier rules decide every case, so the fallback is never used", approx))
            continue
        takers = sorted(((w.verdicts[j], t) for j, t in v.takers.items() if j >= 0),
                        key=lambda p: (-p[1].pieces, p[0].index))
        if not takers:
            out.append(Issue("error", "never-matches", v.rule, "its condition can never hold: no case matches it",
                             approx))
            continue
        # a bounded walk calls a rule dead only when one earlier rule holds each alternative (proven),
        # but which earlier rules decide its cases, and so redundant or shadowed, it cannot tell exactly
        approx = w.bounded or approx or any(space.is_opaque(b) for e, _ in takers for b in e.boxes)
        covering = [e for e, t in takers if t.covers] or [e for e, _ in takers]
        mine = outcome(v.rule)
        names = _refs(covering, outcome)
        others = len(takers) - len(covering)
        share = f", {others} other{'s' * (others != 1)} taking a share" if others else ""
        taken = f"can never fire: every case it matches is taken by earlier rules, chiefly {names}{share}"
        detail = {"covered_by": [e.rule.id for e in covering], "also": [e.rule.id for e, t in takers if not t.covers]}
        if all(outcome(t.rule) == mine for t in covering):
            out.append(Issue("warning", "redundant", v.rule,
                             f"{taken}; those send them where it would, so it can be removed", approx, detail,
                             w.bounded))
        else:
            out.append(Issue("error", "shadowed", v.rule, f"{taken}; none reaches {mine} through it", approx,
                             detail, w.bounded))
    return out


def overlap_issues(space: Space, w: Walk, outcome: Callable[[Any], str]) -> list[Issue]:
    """Live rules that lose some of their cases to earlier rules with another outcome.

    A warning for each earlier rule that tests fewer of the same fields (the
    later rule looks like an exception it pre-empts) or exactly the same
    fields (two rules claim the same cases, or one alternative of the later
    rule can never fire); one info finding per rule for the rest, the usual
    first-match pattern.
    """
    out = []
    for v in w.verdicts:
        if v.dead or v.index == len(w.verdicts) - 1:
            continue
        plain = []
        for j, taker in sorted(v.takers.items()):
            e = w.verdicts[j] if j >= 0 else None
            if e is None or outcome(e.rule) == outcome(v.rule):
                continue
            why = taker.why
            approx = w.bounded or any(space.is_opaque(b) for b in (*e.boxes, *v.boxes))
            if why is None:
                plain.append(e)
                continue
            kind, where = why
            shown = space.describe(where)
            if kind == "covered":
                text = (f"part of it can never fire: earlier rule {_rule_ref(e.rule, outcome)} takes every case "
                        f"with {shown}")
            else:
                what = "is more specific than" if kind == "specific" else "tests the same fields as"
                text = (f"{what} earlier rule {_rule_ref(e.rule, outcome)} and they overlap ({shown}): the "
                        "earlier rule decides those cases, order decides")
            out.append(Issue("warning", "overlap", v.rule, text, approx,
                             {"earlier": e.rule.id, "kind": kind, "where": shown}, w.bounded))
        if plain:
            approx = w.bounded or any(space.is_opaque(b) for e in (*plain, v) for b in e.boxes)
            out.append(Issue("info", "overlap", v.rule,
                             f"earlier rule(s) {_refs(plain, outcome)} decide some of its cases (order decides)",
                             approx, {"earlier": [e.rule.id for e in plain]}, w.bounded))
    return out


def _refs(verdicts: list[Verdict], outcome: Callable[[Any], str], limit: int = 6) -> str:
    text = ", ".join(_rule_ref(e.rule, outcome) for e in verdicts[:limit])
    return text + (f" and {len(verdicts) - limit} more" if len(verdicts) > limit else "")


def gap_issue(space: Space, w: Walk, outcome: Callable[[Any], str]) -> Issue | None:
    """The combinations of the finite fields that reach only the fallback, summarised."""
    fallback = w.rules[-1]
    if w.bounded:
        return bounded_issue(w)
    if fallback.when is not None or not w.left:
        return None
    whole = space.universe_finite
    total = sum(space.combinations(b) for b in whole)
    matched = [(-1, b) for b in space.impossible_finite]
    matched += [(v.index, space.project(b)) for v in w.verdicts[:-1] for b in v.boxes]
    only = []
    for n, (k, node, _) in enumerate(space.partition(matched)):
        if n > MAX_GAP_PIECES:
            return Issue("info", "gap", fallback, "the gaps were not counted: the combinations of the finite "
                         "fields that reach only the fallback are too fragmented", True)
        if k is None:
            only.append(node)
    n_only = sum(space.combinations(b) for b in only)
    projected = sorted({space.project(b) for b in w.left}, key=space.size, reverse=True)
    some = space.union(projected) if len(projected) <= MAX_GAP_BOXES else None
    n_some = sum(space.combinations(b) for b in some) if some is not None else None
    if not n_only and not n_some:
        return None
    ref = _rule_ref(fallback, outcome)
    if n_only:
        text = (f"{n_only:,} of {total:,} combinations of the finite fields ({100 * n_only / total:.1f}%) "
                f"can reach only the fallback rule {ref}")
    else:
        text = f"no combination of the finite fields reaches only the fallback rule {ref}"
    shown_only = space.coalesce(only)
    if shown_only:
        text += ", e.g. " + "; ".join(space.describe(b) for b, _ in shown_only[:3])
    shown_some = space.coalesce(some) if some else []
    if n_some and n_some != n_only:
        text += (f"{'; ' if n_only else ', but '}{n_some:,} of {total:,} ({100 * n_some / total:.1f}%) reach it "
                 "for some values of the numeric or text fields, e.g. "
                 + "; ".join(space.describe(b) for b, _ in shown_some[:3]))
    elif n_some is None:
        text += " (too fragmented to count those that reach it for some values of the numeric or text fields)"
    detail = {"combinations": total, "only_fallback": n_only, "some_fallback": n_some,
              "only": [{"when": space.describe(b), "combinations": n} for b, n in shown_only[:20]],
              "some": [{"when": space.describe(b), "combinations": n} for b, n in shown_some[:20]]}
    approx = any(space.is_opaque(b) for v in w.verdicts for b in v.boxes)
    return Issue("info", "gap", fallback, text, approx, detail)


def bounded_issue(w: Walk) -> Issue:
    """What a bounded walk could not prove, said once per policy (on its last rule)."""
    text = (f"the {w.policy} rules are too entangled for the exact analysis (it would cut the cases into "
            "too many first-match pieces): checked rule against rule instead. Proven: rules that can never match, "
            "and rules inside one earlier rule. Not proven: rules shadowed only by several earlier rules "
            "together, whether an overlap is not already taken by a third rule (overlaps are approximate), "
            "and the gaps that reach the fallback")
    return Issue("info", "bounded-analysis", w.rules[-1], text, True, {"max_work": MAX_WORK})


def _rule_ref(rule: Any, outcome: Callable[[Any], str]) -> str:
    return f"{rule.id} (→ {outcome(rule)})"
