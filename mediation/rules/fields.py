"""The case fields a rule condition may test, and what kind of value each holds (from their definition)."""

from __future__ import annotations

from dataclasses import dataclass

from mediation.domain import CASE_FIELDS, DEFAULTS


@dataclass(frozen=True, slots=True)
class FieldKind:
    name: str
    kind: str  # enum | ref | bool | int | number | text
    of: str | None = None  # the enum or catalogue kind for enum/ref
    nullable: bool = False
    derived: bool = False  # computed from another field (see attr)
    attr: str | None = None  # the Case attribute read; default: name

    @property
    def finite(self) -> bool:
        """A field with a known, finite set of values (so the rules can be indexed on it)."""
        return self.kind in ("enum", "ref", "bool")

    @property
    def ops(self) -> tuple[str, ...]:
        if self.kind in ("int", "number"):
            return ("==", "!=", "in", "not_in", "<", "<=", ">", ">=")
        if self.kind == "text":
            return ("==", "!=", "in", "not_in", "contains_any")
        return ("==", "!=", "in", "not_in")


#: A case field's kind (:class:`mediation.domain.FieldSpec`) as conditions see it.
_KINDS = {"enum": "enum", "ref": "ref", "flag": "bool", "count": "int", "money": "number", "text": "text"}

#: The fields a condition may test: the case's own (from their definition), and the derived ones.
FIELDS: dict[str, FieldKind] = {
    **{name: FieldKind(name, _KINDS[spec.kind], spec.of, nullable=DEFAULTS.get(name, "") is None)
       for name, spec in CASE_FIELDS.items() if spec.condition and spec.kind in _KINDS},
    # true when the street is a unit of the district (属地管理)
    "in_district": FieldKind("in_district", "bool", derived=True, attr="street"),
}

#: Finite fields, in the order the compiler prefers when it indexes rules.
FINITE_FIELDS = tuple(f for f, k in FIELDS.items() if k.finite and not k.derived)
