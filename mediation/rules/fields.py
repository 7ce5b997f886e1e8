"""The case fields a rule condition may test, and what kind of value each holds."""

from __future__ import annotations

from dataclasses import dataclass


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


FIELDS: dict[str, FieldKind] = {
    f.name: f
    for f in (
        FieldKind("request", "enum", "request"),
        FieldKind("channel", "enum", "channel"),
        FieldKind("form", "enum", "form"),
        FieldKind("risk", "enum", "risk"),
        FieldKind("category", "ref", "category"),
        FieldKind("street", "ref", "unit"),
        FieldKind("referred_by", "ref", "department", nullable=True),
        FieldKind("petition", "bool"),
        FieldKind("litigation_pending", "bool"),
        FieldKind("criminal", "bool"),
        FieldKind("party_refuses", "bool"),
        FieldKind("parties", "int"),
        FieldKind("amount", "number"),
        FieldKind("summary", "text"),
        FieldKind("community", "text", nullable=True),
        # true when the street is a unit of the district (属地管理)
        FieldKind("in_district", "bool", derived=True, attr="street"),
    )
}

#: Finite fields, in the order the compiler prefers when it indexes rules.
FINITE_FIELDS = tuple(f for f, k in FIELDS.items() if k.finite and not k.derived)
