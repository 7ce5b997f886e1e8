"""Lint of one ordered policy (review or routing) over the space of cases.

Each rule is followed through the rules before it: what each earlier rule
takes of the cases it matches, in order, and what is left for it. A rule
left with nothing can never fire (shadowed, or redundant when every case it
matches gets its outcome anyway); a rule that loses some cases to an earlier
rule with another outcome overlaps it, and order decides. What is left for
the fallback are the gaps. See :mod:`mediation.rules.lint.space` for how
conditions become boxes, and why the verdicts are exact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mediation.rules.lint.space import Box, Space

#: Beyond this many boxes the "reach the fallback for some values" figure is skipped.
MAX_GAP_BOXES = 3000


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


def walk(space: Space, policy: str, rules: Sequence[Any]) -> Walk:
    """Cut the space into pieces each decided by one rule (first match wins), as the engine would.

    A piece is final when it lies inside the first rule box that meets it;
    otherwise it is split on a field that box tests. Every later rule whose
    box meets a final piece loses those cases to the rule that decides it.
    """
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
    for k, node, cs in space.partition(covers):
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
        approx = approx or any(space.is_opaque(b) for e, _ in takers for b in e.boxes)
        covering = [e for e, t in takers if t.covers] or [e for e, _ in takers]
        mine = outcome(v.rule)
        names = _refs(covering, outcome)
        others = len(takers) - len(covering)
        share = f", {others} other{'s' * (others != 1)} taking a share" if others else ""
        taken = f"can never fire: every case it matches is taken by earlier rules, chiefly {names}{share}"
        detail = {"covered_by": [e.rule.id for e in covering], "also": [e.rule.id for e, t in takers if not t.covers]}
        if all(outcome(t.rule) == mine for t in covering):
            out.append(Issue("warning", "redundant", v.rule,
                             f"{taken}; those send them where it would, so it can be removed", approx, detail))
        else:
            out.append(Issue("error", "shadowed", v.rule, f"{taken}; none reaches {mine} through it", approx,
                             detail))
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
            approx = any(space.is_opaque(b) for b in (*e.boxes, *v.boxes))
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
                             {"earlier": e.rule.id, "kind": kind, "where": shown}))
        if plain:
            approx = any(space.is_opaque(b) for e in (*plain, v) for b in e.boxes)
            out.append(Issue("info", "overlap", v.rule,
                             f"earlier rule(s) {_refs(plain, outcome)} decide some of its cases (order decides)",
                             approx, {"earlier": [e.rule.id for e in plain]}))
    return out


def _refs(verdicts: list[Verdict], outcome: Callable[[Any], str], limit: int = 6) -> str:
    text = ", ".join(_rule_ref(e.rule, outcome) for e in verdicts[:limit])
    return text + (f" and {len(verdicts) - limit} more" if len(verdicts) > limit else "")


def gap_issue(space: Space, w: Walk, outcome: Callable[[Any], str]) -> Issue | None:
    """The combinations of the finite fields that reach only the fallback, summarised."""
    fallback = w.rules[-1]
    if fallback.when is not None or not w.left:
        return None
    whole = space.universe_finite
    total = sum(space.combinations(b) for b in whole)
    matched = [(-1, b) for b in space.impossible_finite]
    matched += [(v.index, space.project(b)) for v in w.verdicts[:-1] for b in v.boxes]
    only = [node for k, node, _ in space.partition(matched) if k is None]
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


def _rule_ref(rule: Any, outcome: Callable[[Any], str]) -> str:
    return f"{rule.id} (→ {outcome(rule)})"
