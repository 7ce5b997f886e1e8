"""Plain value types shared by every layer (no I/O, no clock)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

# Enumerations fixed by DESIGN §2; their Chinese labels live in the rule files.
REQUESTS = (
    "mediation",
    "consultation",
    "legal_aid",
    "legal_service",
    "petition",
    "filing",
    "reconsideration",
)
CHANNELS = ("walk_in", "phone", "hotline_12345", "online", "referral")
FORMS = ("oral", "written")
RISKS = ("low", "medium", "high")
MEDIATION_TYPES = ("people", "administrative", "judicial", "none")
REVIEW_OUTCOMES = ("accepted", "rejected", "referred_out")
OUTCOMES = ("settled", "unsettled", "served", "withdrawn")
AGREEMENT_FORMS = ("oral", "written")
#: The routes the parties are told of when mediation fails (人民调解法 art. 26).
ROUTES = ("arbitration", "litigation", "administrative")

#: Enumerated case fields and their allowed ids.
ENUMS: dict[str, tuple[str, ...]] = {
    "request": REQUESTS,
    "channel": CHANNELS,
    "form": FORMS,
    "risk": RISKS,
}

#: Case fields that hold a yes/no flag.
FLAGS = ("petition", "litigation_pending", "criminal", "party_refuses")

#: A case number: ``XS-{year}-{seq:05d}``, ASCII digits only (so one number has one spelling).
CASE_NO = re.compile(r"^XS-([0-9]{4})-([0-9]{5})$")

#: Parties at or above this number make a mass dispute (群体性).
MASS_DISPUTE_PARTIES = 10


@dataclass(frozen=True, slots=True)
class Party:
    """An applicant or respondent. Personal data: mask before showing."""

    name: str
    id_number: str | None = None
    phone: str | None = None


@dataclass(slots=True, eq=True)
class Case:
    """A registered dispute, normalised: every label is an id of the catalogue.

    Build one with :func:`mediation.cases.parse_case`, which validates and
    normalises; the rules engine treats a case as read-only.
    """

    form: str
    category: str
    street: str
    summary: str
    received_at: datetime
    case_no: str | None = None
    request: str = "mediation"
    channel: str = "walk_in"
    referred_by: str | None = None
    community: str | None = None
    parties: int = 2
    amount: Decimal = Decimal(0)
    petition: bool = False
    litigation_pending: bool = False
    criminal: bool = False
    party_refuses: bool = False
    risk: str = "low"
    applicants: tuple[Party, ...] = field(default=())
    respondents: tuple[Party, ...] = field(default=())

    @property
    def mass(self) -> bool:
        """A mass dispute (群体性纠纷): ten or more people on all sides."""
        return self.parties >= MASS_DISPUTE_PARTIES


@dataclass(frozen=True, slots=True)
class Review:
    """The outcome of 受理审查: accepted, rejected or referred out (to a unit or department)."""

    outcome: str
    rule: str
    reason: str
    to: str | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome == "accepted"

    def as_dict(self) -> dict:
        return {"outcome": self.outcome, "rule": self.rule, "reason": self.reason, "to": self.to}


@dataclass(frozen=True, slots=True)
class Decision:
    """Where an accepted case goes (分流), and who answers for it."""

    destination: str
    department: str
    unit: str
    judicial_office: str | None
    mediation_type: str
    rule: str
    rules_digest: str

    def as_dict(self) -> dict:
        return {
            "destination": self.destination,
            "department": self.department,
            "unit": self.unit,
            "judicial_office": self.judicial_office,
            "mediation_type": self.mediation_type,
            "rule": self.rule,
            "rules_digest": self.rules_digest,
        }


def jsonable(value: object) -> object:
    """``json.dumps``'s ``default`` for our values: date-times ISO, decimals as numbers."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
