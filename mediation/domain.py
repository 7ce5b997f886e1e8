"""Plain value types shared by every layer (no I/O, no clock)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal

# Enumerations fixed by docs/design.md §2; their Chinese labels live in the rule files.
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

#: A case number: ``XS-{year}-{seq:05d}``, ASCII digits only (so one number has one spelling).
CASE_NO = re.compile(r"^XS-([0-9]{4})-([0-9]{5})$")
_DASHES = str.maketrans(dict.fromkeys([*map(chr, range(0x2010, 0x2016)), "\u2212", "\u30fc", "\uff70"], "-"))


def normalize_case_no(text: str) -> str:
    """A case number as typed, in its one spelling: full-width forms (``ＸＳ－２０２６－０００１０``),
    other dashes and lower case brought to ``XS-2026-00010``. Whether it is one is for
    :data:`CASE_NO` to say."""
    return unicodedata.normalize("NFKC", text).translate(_DASHES).strip().upper()


@dataclass(frozen=True, slots=True)
class Party:
    """An applicant or respondent. Personal data: mask before showing."""

    name: str
    id_number: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """What a case field holds, and how the code around it treats it.

    ``kind`` decides how a value is read and stored: ``enum`` (an id of
    :data:`ENUMS` ``of``), ``ref`` (an id of the catalogue's ``of``: category,
    unit, department), ``text``, ``flag`` (yes/no), ``count`` (a whole number
    ≥ 1), ``money`` (yuan ≥ 0), ``moment`` (a date-time), ``case_no`` and
    ``parties`` (applicants or respondents). ``group`` names the fields a
    replay converts together, once per distinct combination of their cells
    (``case``, ``place``, ``people``); a field without a group is read row by
    row. ``width`` is the most characters stored (text and ids). ``stored``:
    a column of the ``cases`` table; ``condition``: rules may test it.
    """

    kind: str
    of: str | None = None
    required: bool = False
    group: str | None = None
    width: int | None = None
    stored: bool = True
    condition: bool = True
    help: str = ""


def _field(kind: str, *, default: object = MISSING, default_factory: object = MISSING, **spec: object):
    return field(default=default, default_factory=default_factory,  # type: ignore[arg-type]
                 metadata={"spec": FieldSpec(kind, **spec)})  # type: ignore[arg-type]


@dataclass(slots=True, eq=True)
class Case:
    """A registered dispute, normalised: every label is an id of the catalogue.

    This class is THE definition of a case's fields (docs/design.md §2): each field's
    :class:`FieldSpec` (its metadata) says what it holds. The parser
    (:mod:`mediation.cases`), the replay's fast conversion
    (:mod:`mediation.replay.convert`), the persisted planner, the ``cases``
    table and the CLI's flags are derived from it, so adding a field means
    adding it here (and a migration for its column). Build a case with
    :func:`mediation.cases.parse_case`, which validates and normalises; the
    rules engine treats a case as read-only.
    """

    form: str = _field("enum", of="form", required=True, group="case", width=10,
                       help="口头 oral or 书面 written. Required.")
    category: str = _field("ref", of="category", required=True, group="case", width=40,
                           help="纠纷类型: an id, Chinese name or alias (医疗, 邻里, 劳动争议 ...). Required.")
    street: str = _field("ref", of="unit", required=True, group="place", width=40,
                         help="属地: the unit where the dispute arose (相南街道, xiangnan ...). Required.")
    summary: str = _field("text", required=True, width=2000, help="纠纷概要: what the dispute is about. Required.")
    received_at: datetime = _field("moment", help="When the dispute was received (default: now).")
    case_no: str | None = _field("case_no", default=None, stored=False, condition=False,
                                 help="A paper record's own number XS-YYYY-NNNNN (default: the next of the year).")
    request: str = _field("enum", default="mediation", of="request", group="case", width=20,
                          help="调解 mediation (default), 法律咨询 consultation, 法律援助 legal_aid, ...")
    channel: str = _field("enum", default="walk_in", of="channel", group="case", width=20,
                          help="来访 walk_in (default), 来电 phone, 12345热线, 网上申请 online, 委托移送 referral.")
    referred_by: str | None = _field("ref", default=None, of="department", group="case", width=40,
                                     help="The referring department (court, police, petition_bureau, ...).")
    community: str | None = _field("text", default=None, group="place", width=100, help="社区/村 (optional).")
    parties: int = _field("count", default=2, group="people", help="Number of people on all sides (default 2).")
    amount: Decimal = _field("money", default=Decimal(0), help="Yuan in dispute (default 0).")
    petition: bool = _field("flag", default=False, group="people", help="涉访: the matter is also a petition.")
    litigation_pending: bool = _field("flag", default=False, group="people",
                                      help="已进入法定程序: a court, arbitration or administrative body has it.")
    criminal: bool = _field("flag", default=False, group="people",
                            help="涉嫌违法犯罪: it may involve a crime or a public-order offence.")
    party_refuses: bool = _field("flag", default=False, group="people",
                                 help="一方拒绝调解: one party has clearly refused mediation.")
    risk: str = _field("enum", default="low", of="risk", group="case", width=10,
                       help="风险: 低 low (default), 中 medium, 高 high.")
    applicants: tuple[Party, ...] = _field("parties", default=(), stored=False, condition=False,
                                           help="申请人 (personal data).")
    respondents: tuple[Party, ...] = _field("parties", default=(), stored=False, condition=False,
                                            help="被申请人 (personal data).")


#: Every field of a case, in :class:`Case` order: name -> :class:`FieldSpec`.
CASE_FIELDS: dict[str, FieldSpec] = {f.name: f.metadata["spec"] for f in fields(Case)}
#: Each field's default (absent for the fields without one).
DEFAULTS: dict[str, object] = {f.name: f.default for f in fields(Case) if f.default is not MISSING}
#: The fields a case must give.
REQUIRED: tuple[str, ...] = tuple(n for n, s in CASE_FIELDS.items() if s.required)
#: The yes/no fields.
FLAGS: tuple[str, ...] = tuple(n for n, s in CASE_FIELDS.items() if s.kind == "flag")
#: The fields stored as columns of ``cases``, in :class:`Case` order.
STORED_FIELDS: tuple[str, ...] = tuple(n for n, s in CASE_FIELDS.items() if s.stored)
#: The fields a replay converts together, by group, in :class:`Case` order.
GROUPS: dict[str, tuple[str, ...]] = {
    g: tuple(n for n, s in CASE_FIELDS.items() if s.group == g)
    for g in dict.fromkeys(s.group for s in CASE_FIELDS.values() if s.group)
}
#: One applicant and one respondent as flat columns (CSV files): field -> (role list, party attribute).
FLAT_PARTY_FIELDS: dict[str, tuple[str, str]] = {
    f"{role}_{short}": (role + "s", attr) for role in ("applicant", "respondent")
    for short, attr in (("name", "name"), ("id", "id_number"), ("phone", "phone"))
}


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
