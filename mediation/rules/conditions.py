"""Rule conditions: parsed from YAML, described for people, interpreted for explanations.

A condition in a rule file is a mapping whose entries must all hold::

    category: medical                    # equality (id, name or alias)
    category: {in: [contract, damages]}  # one of; also not_in
    amount: {">=": 500000, "<": 10**6}   # comparisons, ANDed
    summary: {contains_any: [欠薪, 工资]}  # text contains a word
    any: [{risk: high}, {parties: {">=": 10}}]
    all: [...]
    not: {channel: referral}

The fast path never interprets these per case: :mod:`mediation.rules.compile`
turns them into code. :func:`holds` and :func:`first_failure` here are the
reference semantics, used to explain a decision and to test the compiler.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from mediation.errors import CaseError, RuleError
from mediation.rules.catalogue import Catalogue
from mediation.rules.fields import FIELDS, FieldKind
from mediation.rules.model import AllOf, AnyOf, Cmp, Condition, NotOf, Source
from mediation.rules.yamlfile import YList, YMap
from mediation.text import did_you_mean, normalize_label, normalize_text

OPS = ("==", "!=", "in", "not_in", "<", "<=", ">", ">=", "contains_any")
_SYMBOL = {"==": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}
COMBINATORS = ("all", "any", "not")
#: No real policy nests conditions deeper; deeper is a mistake or an attack.
MAX_DEPTH = 20


class ConditionParser:
    """Parses condition mappings of one rule, resolving labels to ids."""

    def __init__(self, catalogue: Catalogue, file: str, rule: str) -> None:
        self.cat = catalogue
        self.file = file
        self.rule = rule

    def error(self, message: str, line: int, field: str | None = None, hint: str | None = None):
        return RuleError(message, file=self.file, line=line, item=f"rule {self.rule}", field=field, hint=hint)

    def parse(self, node: Any, line: int, depth: int = 0) -> Condition:
        if not isinstance(node, dict) or not node:
            raise self.error("a condition is a non-empty mapping of field: value", line, "when")
        if depth > MAX_DEPTH:
            raise self.error(f"a condition nested more than {MAX_DEPTH} levels deep", line, "when",
                             "split it into several rules")
        parts: list[Condition] = []
        for key, value in node.items():
            kline = node.line_of(key) if isinstance(node, YMap) else line
            src = Source(self.file, kline)
            if key in ("all", "any"):
                if not isinstance(value, list) or not value:
                    raise self.error(f"'{key}' takes a non-empty list of conditions", kline, key)
                items = tuple(
                    self.parse(v, value.line_of(i) if isinstance(value, YList) else kline, depth + 1)
                    for i, v in enumerate(value)
                )
                parts.append(AllOf(items, src) if key == "all" else AnyOf(items, src))
            elif key == "not":
                parts.append(NotOf(self.parse(value, kline, depth + 1), src))
            elif key in FIELDS:
                parts.extend(self.parse_field(FIELDS[key], value, kline))
            else:
                raise self.error(
                    f"unknown field {key!r} in condition",
                    kline,
                    str(key),
                    did_you_mean(str(key), [*FIELDS, *COMBINATORS]),
                )
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts), Source(self.file, line))

    def parse_field(self, fk: FieldKind, value: Any, line: int) -> list[Cmp]:
        src = Source(self.file, line)
        if isinstance(value, dict):
            if not value:
                raise self.error("an empty comparison", line, fk.name)
            out = []
            for op, operand in value.items():
                if op not in OPS:
                    raise self.error(f"unknown operator {op!r}", line, fk.name, did_you_mean(str(op), OPS))
                if op not in fk.ops:
                    raise self.error(
                        f"operator {op!r} does not apply to {fk.kind} field {fk.name}",
                        line,
                        fk.name,
                        f"use one of {', '.join(fk.ops)}",
                    )
                out.append(Cmp(fk.name, op, self.operand(fk, op, operand, line), src))
            return out
        if isinstance(value, list):  # shorthand for {in: [...]}
            return [Cmp(fk.name, "in", self.operand(fk, "in", value, line), src)]
        return [Cmp(fk.name, "==", self.operand(fk, "==", value, line), src)]

    def operand(self, fk: FieldKind, op: str, value: Any, line: int) -> Any:
        if op in ("in", "not_in", "contains_any"):
            if not isinstance(value, list) or not value:
                raise self.error(f"'{op}' takes a non-empty list", line, fk.name)
            if op == "contains_any":
                words = []
                for w in value:
                    if not isinstance(w, str) or not w.strip():
                        raise self.error("contains_any takes a list of words", line, fk.name)
                    words.append(normalize_text(w).lower())
                return frozenset(words)
            return frozenset(self.scalar(fk, v, line) for v in value)
        if op in ("<", "<=", ">", ">="):
            return self.number(fk, value, line)
        return self.scalar(fk, value, line)

    def number(self, fk: FieldKind, value: Any, line: int) -> int | Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self.error(f"{fk.name} is compared with a number, not {value!r}", line, fk.name)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.error(f"{fk.name} is compared with a number, not {value!r}", line, fk.name) from None
        if not number.is_finite():
            raise self.error(f"{fk.name} is compared with a finite number", line, fk.name)
        if fk.kind == "int":
            if number != number.to_integral_value():
                raise self.error(f"{fk.name} is a whole number, not {value!r}", line, fk.name)
            return int(number)
        return number

    def scalar(self, fk: FieldKind, value: Any, line: int) -> Any:
        if value is None:
            if fk.nullable:
                return None
            raise self.error(f"{fk.name} is never empty: null cannot match", line, fk.name)
        if fk.kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str):
                key = normalize_label(value)
                if key in self.cat.true_words:
                    return True
                if key in self.cat.false_words:
                    return False
            raise self.error(f"{fk.name} is true or false, not {value!r}", line, fk.name)
        if fk.kind in ("int", "number"):
            return self.number(fk, value, line)
        if not isinstance(value, str):
            raise self.error(f"{fk.name} takes a label, not {value!r}", line, fk.name)
        if fk.kind == "text":
            return normalize_text(value)
        try:
            return self.cat.resolve(fk.of or fk.name, value, field=fk.name)
        except CaseError as exc:
            what = "destination" if fk.of == "destination" else (fk.of or fk.name)
            raise self.error(f"unknown {what} {value!r}", line, fk.name, exc.hint) from None



# ---------------------------------------------------------------- reference semantics


def field_value(case: Any, name: str, catalogue: Catalogue) -> Any:
    """The value a condition on ``name`` sees for ``case``."""
    if name == "in_district":
        return case.street not in catalogue.outside_units
    return getattr(case, name)


def _cmp(c: Cmp, actual: Any) -> bool:
    op, v = c.op, c.value
    if op == "==":
        return actual == v
    if op == "!=":
        return actual != v
    if op == "in":
        return actual in v
    if op == "not_in":
        return actual not in v
    if op == "contains_any":
        return actual is not None and any(w in actual.lower() for w in v)
    if actual is None:
        return False
    return {"<": actual < v, "<=": actual <= v, ">": actual > v, ">=": actual >= v}[op]


def holds(cond: Condition | None, case: Any, catalogue: Catalogue) -> bool:
    """Whether ``cond`` holds for ``case`` (None always holds)."""
    if cond is None:
        return True
    if isinstance(cond, Cmp):
        actual = field_value(case, cond.field, catalogue)
        if actual is not None and FIELDS[cond.field].kind == "text":
            actual = normalize_text(actual)
        return _cmp(cond, actual)
    if isinstance(cond, AllOf):
        return all(holds(c, case, catalogue) for c in cond.items)
    if isinstance(cond, AnyOf):
        return any(holds(c, case, catalogue) for c in cond.items)
    return not holds(cond.item, case, catalogue)


def first_failure(cond: Condition | None, case: Any, catalogue: Catalogue) -> tuple[Condition, Any] | None:
    """The first part of ``cond`` that fails for ``case``, with the case's value; None if it holds."""
    if cond is None:
        return None
    if isinstance(cond, AllOf):
        for c in cond.items:
            failed = first_failure(c, case, catalogue)
            if failed:
                return failed
        return None
    if holds(cond, case, catalogue):
        return None
    actual = field_value(case, cond.field, catalogue) if isinstance(cond, Cmp) else None
    return cond, actual


# ---------------------------------------------------------------- descriptions


def fields_of(cond: Condition | None) -> list[str]:
    """The fields a condition tests, in order of appearance (with repeats)."""
    if cond is None:
        return []
    if isinstance(cond, Cmp):
        return [cond.field]
    if isinstance(cond, NotOf):
        return fields_of(cond.item)
    return [f for c in cond.items for f in fields_of(c)]


def describe(cond: Condition | None, label: Callable[[str, Any], str] | None = None) -> str:
    """A condition in one line: ``category = medical``, ``amount ≥ 500000``, ``any(…)``."""
    show = label or (lambda _f, v: str(v))
    if cond is None:
        return "always"
    if isinstance(cond, Cmp):
        if cond.op in ("in", "not_in", "contains_any"):
            items = ", ".join(sorted(show(cond.field, v) for v in cond.value))
            word = {"in": "in", "not_in": "not in", "contains_any": "contains any of"}[cond.op]
            return f"{cond.field} {word} {{{items}}}"
        return f"{cond.field} {_SYMBOL[cond.op]} {show(cond.field, cond.value)}"
    if isinstance(cond, AllOf):
        return " and ".join(describe(c, label) for c in cond.items)
    if isinstance(cond, AnyOf):
        return "any(" + "; ".join(describe(c, label) for c in cond.items) + ")"
    return f"not({describe(cond.item, label)})"


def format_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
