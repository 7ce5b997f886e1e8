"""Compile an ordered rule list into one plain Python function: case -> rule index.

Rules are not interpreted per case. Each condition is rewritten into terms
(a disjunctive normal form over the finite fields: request, category, street,
the flags ...; numeric and text tests stay as residual expressions), and the
ordered terms are turned into a decision tree that tests a finite field once
and keeps only the rules still possible for its value. The tree is emitted as
Python source and compiled once per rule set, so evaluating a case costs a few
attribute reads, set lookups and comparisons, and grows with the depth of the
tree rather than with the number of rules.

Safety: the source is generated from validated data only. Field names come
from the fixed list in :mod:`mediation.rules.fields`; every value is a named
constant in the function's namespace, never text spliced into code.

The first-match semantics are those of :func:`mediation.rules.conditions.holds`;
the tests check the compiled function against it on random cases.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mediation.rules.fields import FIELDS
from mediation.rules.model import AllOf, AnyOf, Cmp, Condition, NotOf
from mediation.text import normalize_text

#: A rule list at or below this size is tested in order, without indexing.
LEAF_SIZE = 3
#: Split only when it cuts the rules still possible by at least this share.
MIN_GAIN = 0.15
MAX_DEPTH = 12
#: A rule whose condition expands into more terms than this is kept whole.
MAX_TERMS = 64
#: Dispatch through a dict of functions when a split has more groups than this.
IF_CHAIN_GROUPS = 3

_FLIP = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "==", "in": "not_in", "not_in": "in"}
_PY_OP = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!="}


@dataclass(frozen=True, slots=True)
class Term:
    """One way a rule can match: finite fields within sets, and residual tests."""

    rule: int
    finite: tuple[tuple[str, frozenset], ...]  # sorted by field
    residual: tuple[Condition, ...]

    def allowed(self, field: str) -> frozenset | None:
        for f, values in self.finite:
            if f == field:
                return values
        return None

    def without(self, field: str) -> Term:
        return Term(self.rule, tuple(p for p in self.finite if p[0] != field), self.residual)

    @property
    def always(self) -> bool:
        return not self.finite and not self.residual


class Domains:
    """The finite fields' value sets, and how derived fields map onto them."""

    def __init__(self, values: Mapping[str, frozenset], outside_units: frozenset) -> None:
        self.values = dict(values)
        self.outside = outside_units

    def allowed(self, c: Cmp) -> tuple[str, frozenset] | None:
        """The (field, allowed values) a finite comparison means, or None for a residual test."""
        fk = FIELDS[c.field]
        if not fk.finite:
            return None
        if fk.derived:  # in_district: a test on street
            field = "street"
            domain = self.values[field]
            inside = domain - self.outside
            truth = {True: inside, False: domain & self.outside}
            wanted = _values(c)
            if c.op in ("==", "in"):
                chosen = frozenset().union(*(truth[v] for v in wanted))
            else:
                chosen = frozenset().union(*(truth[v] for v in (True, False) if v not in wanted))
            return field, chosen
        domain = self.values[c.field]
        wanted = _values(c)
        if c.op in ("==", "in"):
            return c.field, domain & wanted
        return c.field, domain - wanted


def _values(c: Cmp) -> frozenset:
    return c.value if c.op in ("in", "not_in") else frozenset([c.value])


# ---------------------------------------------------------------- normal form


def _negate(cond: Condition) -> Condition:
    if isinstance(cond, NotOf):
        return cond.item
    if isinstance(cond, AllOf):
        return AnyOf(tuple(_negate(c) for c in cond.items))
    if isinstance(cond, AnyOf):
        return AllOf(tuple(_negate(c) for c in cond.items))
    fk = FIELDS[cond.field]
    if cond.op in _FLIP and (fk.finite or not fk.nullable):
        return Cmp(cond.field, _FLIP[cond.op], cond.value, cond.source)
    return NotOf(cond)


def terms_of(rule: int, cond: Condition | None, domains: Domains) -> list[Term]:
    """The terms of a condition; an empty list if it can never hold."""
    if cond is None:
        return [Term(rule, (), ())]
    raw = _dnf(cond, domains)
    if raw is None:  # too many terms: keep the condition whole
        return [Term(rule, (), (cond,))]
    out = []
    for finite, residual in raw:
        if any(not v for v in finite.values()):
            continue
        out.append(Term(rule, tuple(sorted(finite.items())), tuple(residual)))
    return out


def _dnf(cond: Condition, domains: Domains) -> list[tuple[dict, list]] | None:
    if isinstance(cond, Cmp):
        pair = domains.allowed(cond)
        return [({pair[0]: pair[1]}, [])] if pair else [({}, [cond])]
    if isinstance(cond, NotOf):
        inner = cond.item
        if isinstance(inner, (NotOf, AllOf, AnyOf)):
            return _dnf(_negate(inner), domains)
        negated = _negate(inner)
        if isinstance(negated, NotOf):
            return [({}, [negated])]
        return _dnf(negated, domains)
    if isinstance(cond, AnyOf):
        out: list = []
        for c in cond.items:
            sub = _dnf(c, domains)
            if sub is None:
                return None
            out.extend(sub)
            if len(out) > MAX_TERMS:
                return None
        return out
    acc: list[tuple[dict, list]] = [({}, [])]
    for c in cond.items:
        sub = _dnf(c, domains)
        if sub is None:
            return None
        nxt = []
        for f1, r1 in acc:
            for f2, r2 in sub:
                merged = dict(f1)
                for k, v in f2.items():
                    merged[k] = merged[k] & v if k in merged else v
                nxt.append((merged, r1 + r2))
        acc = nxt
        if len(acc) > MAX_TERMS:
            return None
    return acc


# ---------------------------------------------------------------- code generation


# The last text normalised: a case's summary is tested by several rules in a row.
_last_norm: tuple[str | None, str | None] = (None, None)


def _norm(text: str | None) -> str | None:
    global _last_norm
    last = _last_norm  # one read: another thread may replace the pair, never half of it
    if text is last[0]:
        return last[1]
    result = normalize_text(text) if text is not None else None
    _last_norm = (text, result)
    return result


def _contains_any(text: str | None, words: frozenset) -> bool:
    if text is None:
        return False
    text = _norm(text).lower()
    return any(w in text for w in words)


def _text_eq(text: str | None, value: str | None) -> bool:
    return _norm(text) == value


class _Emitter:
    def __init__(self, domains: Domains) -> None:
        self.domains = domains
        self.ns: dict[str, Any] = {"_contains_any": _contains_any, "_text_eq": _text_eq, "_norm": _norm}
        self._const: dict[tuple, str] = {}
        self.tables: list[tuple[str, dict, str]] = []
        self.functions: list[list[str]] = []
        self._memo: dict[tuple, str] = {}

    def const(self, value: Any) -> str:
        key = (type(value).__name__, value)
        name = self._const.get(key)
        if name is None:
            name = f"K{len(self._const)}"
            self._const[key] = name
            self.ns[name] = value
        return name

    # -- expressions

    def finite_test(self, field: str, allowed: frozenset) -> str:
        domain = self.domains.values[field]
        excluded = domain - allowed
        attr = f"c.{field}"
        if FIELDS[field].kind == "bool" and len(allowed) == 1:
            return attr if True in allowed else f"not {attr}"
        if len(allowed) == 1:
            (v,) = allowed
            return f"{attr} is None" if v is None else f"{attr} == {self.const(v)}"
        if len(excluded) == 1:
            (v,) = excluded
            return f"{attr} is not None" if v is None else f"{attr} != {self.const(v)}"
        if len(excluded) < len(allowed):
            return f"{attr} not in {self.const(frozenset(excluded))}"
        return f"{attr} in {self.const(frozenset(allowed))}"

    def expr(self, cond: Condition) -> str:
        if isinstance(cond, AllOf):
            return "(" + " and ".join(self.expr(c) for c in cond.items) + ")"
        if isinstance(cond, AnyOf):
            return "(" + " or ".join(self.expr(c) for c in cond.items) + ")"
        if isinstance(cond, NotOf):
            return f"(not {self.expr(cond.item)})"
        pair = self.domains.allowed(cond)
        if pair is not None:
            if not pair[1]:
                return "False"
            if pair[1] == self.domains.values[pair[0]]:
                return "True"
            return self.finite_test(*pair)
        fk = FIELDS[cond.field]
        attr = f"c.{cond.field}"
        op, value = cond.op, cond.value
        if op == "contains_any":
            return f"_contains_any({attr}, {self.const(value)})"
        if fk.kind == "text":
            if op in ("in", "not_in"):
                test = f"(_norm({attr}) in {self.const(value)})"
                return test if op == "in" else f"(not {test})"
            test = f"_text_eq({attr}, {self.const(value)})"
            return test if op == "==" else f"(not {test})"
        if op == "in":
            return f"({attr} in {self.const(value)})"
        if op == "not_in":
            return f"({attr} not in {self.const(value)})"
        return f"({attr} {_PY_OP[op]} {self.const(value)})"

    def term_test(self, term: Term) -> str:
        parts = [self.finite_test(f, v) for f, v in term.finite if v != self.domains.values[f]]
        parts += [self.expr(r) for r in term.residual]
        return " and ".join(parts) if parts else "True"

    # -- the tree

    def function(self, terms: tuple[Term, ...], depth: int) -> str:
        """The name of a function evaluating ``terms`` (emitted once per distinct list)."""
        key = terms
        name = self._memo.get(key)
        if name is None:
            name = f"_n{len(self._memo)}"
            self._memo[key] = name
            body: list[str] = []
            self.node(terms, 1, depth, body)
            self.functions.append([f"def {name}(c):", *body])
        return name

    def node(self, terms: tuple[Term, ...], indent: int, depth: int, out: list[str]) -> None:
        pad = "    " * indent
        terms = _prune(terms, self.domains)
        if terms[0].always:
            out.append(f"{pad}return {terms[0].rule}")
            return
        split = None if len(terms) <= LEAF_SIZE or depth >= MAX_DEPTH else _best_split(terms, self.domains)
        if split is None:
            for t in terms:
                if t.always:
                    out.append(f"{pad}return {t.rule}")
                    return
                out.append(f"{pad}if {self.term_test(t)}:")
                out.append(f"{pad}    return {t.rule}")
            raise AssertionError("rule list without a fallback")  # pragma: no cover
        field, groups = split
        if len(groups) <= IF_CHAIN_GROUPS:
            out.append(f"{pad}v = c.{field}")
            for i, (values, sub) in enumerate(groups):
                if i == len(groups) - 1:
                    out.append(f"{pad}else:" if i else f"{pad}if True:")
                else:
                    kw = "if" if i == 0 else "elif"
                    test = self.finite_test(field, values).replace(f"c.{field}", "v", 1)
                    out.append(f"{pad}{kw} {test}:")
                self.node(sub, indent + 1, depth + 1, out)
            return
        table = {}
        default = None
        for values, sub in groups:
            fn = self.function(sub, depth + 1)
            for v in values:
                table[v] = fn
            default = fn  # the last group holds the values no rule names
        # the table maps values to function names; bound after the source is compiled
        tname = f"T{len(self.tables)}"
        self.tables.append((tname, table, default))
        out.append(f"{pad}return {tname}.get(c.{field}, {default})(c)")


def _prune(terms: tuple[Term, ...], domains: Domains) -> tuple[Term, ...]:
    """Drop terms that cannot hold and everything after an unconditional one."""
    out = []
    for t in terms:
        finite = tuple((f, v) for f, v in t.finite if v != domains.values[f])
        t = Term(t.rule, finite, t.residual) if len(finite) != len(t.finite) else t
        out.append(t)
        if t.always:
            break
    return tuple(out)


def _best_split(terms: tuple[Term, ...], domains: Domains):
    """The finite field that most shortens the lists of rules still possible, with its groups."""
    fields = sorted({f for t in terms for f, _ in t.finite})
    best = None
    for field in fields:
        domain = domains.values[field]
        by_sub: dict[tuple[Term, ...], set] = {}
        for v in domain:
            sub = _prune(
                tuple(t.without(field) for t in terms if (a := t.allowed(field)) is None or v in a),
                domains,
            )
            by_sub.setdefault(sub, set()).add(v)
        cost = sum(len(sub) * len(vals) for sub, vals in by_sub.items()) / len(domain)
        if best is None or cost < best[0]:
            best = (cost, field, by_sub)
    if best is None or best[0] > len(terms) * (1 - MIN_GAIN):
        return None
    _, field, by_sub = best
    # the group with the most values goes last (the else branch / the default)
    groups = sorted(((frozenset(v), s) for s, v in by_sub.items()), key=lambda g: (len(g[0]), _key(g[0])))
    return field, groups


def _key(values: frozenset) -> list[str]:
    return sorted(map(str, values))


@dataclass(frozen=True, slots=True)
class Compiled:
    """A compiled rule list: ``fn(case) -> index`` of the first matching rule."""

    fn: Callable[[Any], int]
    source: str
    terms: int


def compile_rules(conditions: Sequence[Condition | None], domains: Domains, name: str = "match") -> Compiled:
    """Compile ordered conditions (the last one None: the fallback) into one function."""
    terms: list[Term] = []
    for i, cond in enumerate(conditions):
        terms.extend(terms_of(i, cond, domains))
    em = _Emitter(domains)
    root = em.function(tuple(terms), 0)
    lines = [line for fn in reversed(em.functions) for line in (*fn, "")]
    lines.append(f"{name} = {root}")
    source = "\n".join(lines) + "\n"
    ns = em.ns
    code = compile(source, f"<rules:{name}>", "exec")
    exec(code, ns)  # generated from validated data only; see the module docstring
    for tname, table, _default in em.tables:
        ns[tname] = {v: ns[fn] for v, fn in table.items()}
    return Compiled(fn=ns[name], source=source, terms=len(terms))
