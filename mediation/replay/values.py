"""Values of replayed rows checked cell by cell: ID numbers, actual destinations, moments.

Helpers of :mod:`mediation.replay.convert`, each as strict as the check it
stands for (``validate_id_number``, ``parse_datetime``, the catalogue).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from mediation.cases import parse_datetime
from mediation.errors import CaseError
from mediation.personal import ID_CHECK_CHARS as _CHECK
from mediation.personal import ID_WEIGHTS as _WEIGHTS
from mediation.personal import validate_id_number
from mediation.text import quoted

_MEMO_LIMIT = 50_000
_MISSING = object()
_fromisoformat = datetime.fromisoformat


class Bail(Exception):
    """A fast check is not sure: the reference check decides."""


class History(NamedTuple):
    """What happened to a historical case (the replay columns); None where not given."""

    actual_destination: str | None
    taken_at: datetime | None
    outcome: str | None
    agreement_form: str | None
    closed_at: datetime | None


def resolve_destination(rules, value: Any) -> str:
    """A destination id, ``rejected``, ``referred_out`` or ``referred_out:<unit or department>``.

    Accepts ids and Chinese labels (综合调解室, 不予受理, 移交:杜集区); raises :class:`CaseError`.
    """
    cat = rules.catalogue
    if not isinstance(value, str):
        raise CaseError(f"actual_destination must be a label, not {quoted(value)}", field="actual_destination")
    text = value.strip()
    found = cat.index["destination"].get(text)
    if found is not None:
        return found
    head, sep, tail = text.replace("：", ":").partition(":")
    outcome = cat.index["review_outcome"].get(head)
    if outcome == "rejected" and not sep:
        return outcome
    if outcome == "referred_out":
        if not sep:
            return outcome
        to = cat.index["unit"].get(tail) or cat.index["department"].get(tail)
        if to is not None:
            return f"referred_out:{to}"
        raise CaseError(f"unknown unit or department {quoted(tail)} in actual_destination", field="actual_destination",
                        hint=cat.index["unit"].suggest(tail) or cat.index["department"].suggest(tail))
    raise CaseError(f"unknown destination {quoted(value)}", field="actual_destination",
                    hint=cat.index["destination"].suggest(text) or "a room or window, rejected, or referred_out:<unit>")


class IdNumbers:
    """ID number -> (the number as validate_id_number returns it, birth as a datetime); raises if not valid.

    A plain 18-character number (ASCII digits, a final digit or X/x) is checked
    here as validate_id_number checks it, with the checksum summed from
    remembered parts (the region, the birth date and the sequence repeat);
    anything else goes to validate_id_number itself.
    """

    def __init__(self) -> None:
        self.births: dict[str, datetime | None] = {}
        self.parts: tuple[dict[str, int], ...] = ({}, {}, {})

    def __call__(self, value: Any) -> tuple[str, datetime]:
        if value.__class__ is str and len(value) == 18 and value.isascii() and value[:17].isdigit() and (
                value[17].isdigit() or value[17] in "Xx"):
            birth = value[6:14]
            born = self.births.get(birth, _MISSING)
            if born is _MISSING:
                born = _birth(birth)
                if len(self.births) < _MEMO_LIMIT:
                    self.births[birth] = born
            if born is None:
                raise Bail
            region, day, sequence = self.parts
            a, b, c = value[:6], value[6:14], value[14:17]
            total = (region[a] if a in region else _weigh(region, a, 0)) + (
                day[b] if b in day else _weigh(day, b, 6)) + (
                sequence[c] if c in sequence else _weigh(sequence, c, 14))
            ident = value if value[17] != "x" else value[:17] + "X"
            if _CHECK[total % 11] != ident[17]:
                raise Bail
            return ident, born
        ident = validate_id_number(value, field="id_number")
        return ident, datetime(int(ident[6:10]), int(ident[10:12]), int(ident[12:14]))




def _weigh(memo: dict[str, int], digits: str, start: int) -> int:
    """The weighted sum of some of an ID number's digits (from position ``start``), remembered."""
    total = sum(int(d) * w for d, w in zip(digits, _WEIGHTS[start:start + len(digits)], strict=True))
    if len(memo) < _MEMO_LIMIT:
        memo[digits] = total
    return total


def _birth(digits: str) -> datetime | None:
    """YYYYMMDD as validate_id_number accepts a birth date (a real day, 1900 or later), else None."""
    try:
        born = datetime(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
    return born if born.year >= 1900 else None


def moment(value: Any, field: str) -> datetime:
    """A date-time cell as :func:`~mediation.cases.parse_datetime` reads it; raises :class:`CaseError`."""
    if value.__class__ is str:
        try:
            found = _fromisoformat(value)
        except ValueError:
            pass
        else:
            if found.tzinfo is None:
                return found
    return parse_datetime(value, field=field)


def label(cat, kind: str, value: Any) -> str:
    """The id of an enumerated label (``outcome``, ``agreement_form`` ...); raises :class:`CaseError`."""
    if not isinstance(value, str):
        raise CaseError(f"{kind} must be a label, not {quoted(value)}", field=kind)
    return cat.resolve(kind, value, field=kind)
