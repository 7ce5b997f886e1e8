"""An agreement's contents (人民调解法 art. 29), captured when a case is settled.

A written agreement (调解协议书) states the parties' particulars (the case's
parties), the main facts, the disputed matters and each side's
responsibilities (``facts``), what was agreed (``terms``, one or more), how
and by when it is performed (``performance``), and the number of copies
(``copies``: one for each party and one for the committee, by default). An
agreed sum (``amount``, yuan) is optional. The texts are checked like a
case's summary (trimmed, at most 2000 characters, no control characters);
each problem is one :class:`~mediation.errors.CaseError` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from mediation.cases import CaseParser
from mediation.errors import CaseError

TEXT_LIMIT = 2000
MAX_TERMS = 50
MAX_COPIES = 20
MAX_AMOUNT = Decimal("1e12")
FIELDS = ("facts", "terms", "performance", "copies", "amount")
#: What a written agreement cannot be without.
REQUIRED = ("facts", "terms", "performance")


def _text(value: Any, field: str) -> str:
    text = CaseParser.text(value, field, TEXT_LIMIT)
    if not text:
        raise CaseError(f"{field} is empty", field=field, why="agreement_empty", option=f"--{field.split('[')[0]}")
    return text


def default_copies(named_parties: int) -> int:
    """One copy for each named party and one for the committee; at least three."""
    return max(3, named_parties + 1)


def parse_agreement(data: Mapping[str, Any], *, named_parties: int = 2) -> dict:
    """The validated contents as stored with the settle event: ``facts``, ``terms`` (a list),
    ``performance``, ``copies`` and, if given, ``amount`` (a decimal string, to the fen)."""
    if not isinstance(data, Mapping):
        raise CaseError(f"an agreement is an object of {', '.join(FIELDS)}, "
                        f"not {type(data).__name__}", field="agreement")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise CaseError(f"unknown agreement field {unknown[0]!r}: the fields are {', '.join(FIELDS)}",
                        field=f"agreement.{unknown[0]}")
    missing = [f for f in REQUIRED if data.get(f) in (None, "", [], ())]
    if missing:
        flags = " ".join(f"--{f}" for f in missing)
        raise CaseError(f"a written agreement needs {', '.join(missing)} ({flags}, or --from-json FILE)",
                        field=f"agreement.{missing[0]}", why="agreement_contents",
                        value=tuple(f"--{f}" for f in missing))
    terms = data["terms"]
    terms = [terms] if isinstance(terms, str) else terms
    if not isinstance(terms, list | tuple) or not 1 <= len(terms) <= MAX_TERMS:
        raise CaseError(f"terms must be 1 to {MAX_TERMS} texts", field="agreement.terms", why="agreement_terms",
                        option="--terms", bound=MAX_TERMS)
    out: dict[str, Any] = {
        "facts": _text(data["facts"], "facts"),
        "terms": [_text(t, f"terms[{n}]") for n, t in enumerate(terms, 1)],
        "performance": _text(data["performance"], "performance"),
    }
    copies = data.get("copies")
    if copies in (None, ""):
        copies = default_copies(named_parties)
    try:
        copies = int(str(copies).strip()) if not isinstance(copies, bool) else None
    except ValueError:
        copies = None
    if copies is None or not 2 <= copies <= MAX_COPIES:
        raise CaseError(f"copies must be a whole number from 2 to {MAX_COPIES}, not {data.get('copies')!r}",
                        field="agreement.copies", why="agreement_copies", option="--copies",
                        value=data.get("copies"), bound=MAX_COPIES)
    out["copies"] = copies
    amount = data.get("amount")
    if amount not in (None, ""):
        try:
            value = Decimal(str(amount).replace(",", "").strip()) if not isinstance(amount, bool) else None
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or not 0 <= value <= MAX_AMOUNT:
            raise CaseError(f"amount must be yuan from 0 to 10^12, not {amount!r}", field="agreement.amount",
                            why="amount", option="--amount", value=amount)
        out["amount"] = str(value.quantize(Decimal("0.01")))
    return out
