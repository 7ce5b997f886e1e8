"""The tables (SQLAlchemy Core): cases, parties, events, case-number counters.

The columns of a case's fields come from their definition
(:class:`mediation.domain.Case`): a field added there makes
``tests/store/test_schema.py`` fail until a migration adds its column. The
enumerations below are written out (not imported from the lifecycle) so that
a change to the lifecycle or an enumeration likewise shows up as a failing
test until a migration follows it (the tests check they agree). Migration ``0001`` creates exactly these tables
but ``secrets`` (``0004``); a test compares a migrated database with this
metadata. Migrations ``0002`` and ``0004`` add triggers (not part of this
metadata) that refuse UPDATE, DELETE and REPLACE on ``events``, on PostgreSQL
and SQLite alike.

- ``cases``: one row per case, keyed by its case number; the fields of
  docs/design.md §2, where it is in the lifecycle, and ``version``, which always equals
  the number of its events (the optimistic check: a writer updates the row
  ``WHERE version = <what it read>``).
- ``parties``: applicants and respondents (personal data: mask when showing).
- ``events``: append-only, ``seq`` 1, 2, ... per case; never updated or deleted
  (the database refuses it: :data:`EVENTS_TRIGGERS`).
- ``case_numbers``: the last sequence number given out per year.
- ``staff``: who works at the centre, their role and (for mediators) their
  rooms and windows, and the login (PostgreSQL role or operating-system user)
  that is them (migration 0005; docs/design.md §8).
- ``audit``: every change to ``staff`` (and other acts that are not a case's
  event), insert-only like ``events`` (:data:`AUDIT_TRIGGERS`).
- ``partners`` (migration 0003): institutions that submit cases over HTTP, each
  with the SHA-256 of its bearer token (never the token); ``partner_changes``:
  who added or revoked a partner, when (insert-only by use).
- ``requests`` (migration 0003): one row per (requester, idempotency key), written
  in the registration's transaction, with the first answer; the unique
  constraint makes a racing retry fail and read the winner's answer.
- ``secrets``: values no command prints (migration 0004): the key of the
  digests stored with replayed cases (:mod:`mediation.store.keys`).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from mediation.domain import CASE_FIELDS, DEFAULTS, STORED_FIELDS

#: The Alembic revision this program's tables correspond to (``alembic heads``).
HEAD_REVISION = "0005"
#: Every revision this program knows, oldest first: 0001 the tables, 0002 the
#: triggers that make ``events`` insert-only, 0003 partners and idempotent
#: requests, 0004 the trigger refusing a REPLACE of an event on SQLite and the
#: ``secrets`` table, 0005 staff, audit and ``events.entered_by``.
REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005")

#: The triggers (migrations 0002, 0004) refusing UPDATE and DELETE on ``events``, per
#: dialect (PostgreSQL also refuses TRUNCATE; SQLite an INSERT over an existing
#: event, which is how REPLACE and INSERT OR REPLACE rewrite one without any
#: DELETE trigger), and the words their errors start with.
EVENTS_TRIGGERS: dict[str, tuple[str, ...]] = {
    "postgresql": ("events_insert_only", "events_no_truncate"),
    "sqlite": ("events_no_update", "events_no_delete", "events_no_replace"),
}
EVENTS_INSERT_ONLY = "events are insert-only"
#: The triggers (migration 0005) keeping ``audit`` insert-only, per dialect; SQLite's
#: ``audit_no_replace`` refuses an insert whose id exists (REPLACE, INSERT OR REPLACE).
AUDIT_TRIGGERS: dict[str, tuple[str, ...]] = {
    "postgresql": ("audit_insert_only", "audit_no_truncate"),
    "sqlite": ("audit_no_update", "audit_no_delete", "audit_no_replace"),
}
AUDIT_INSERT_ONLY = "audit is insert-only"
#: PostgreSQL only (migration 0005): a login that does not own the table writes
#: ``events`` and ``audit`` rows only as its own staff id (docs/design.md §8).
ACTS_AS_ITSELF_TRIGGERS = {"events": "events_acts_as_itself", "audit": "audit_acts_as_itself"}
STAFF_ROLES = ("clerk", "mediator", "supervisor")

STATES = (
    "registered", "under_review", "rejected", "referred_out", "diverted", "in_progress",
    "settled", "unsettled", "served", "withdrawn", "closed",
)
LIFECYCLE_TRIGGERS = (
    "review", "reject", "refer_out", "divert", "take", "settle", "fail", "serve",
    "transfer", "extend", "withdraw", "close",
)
#: Events that record something without moving the case (from == to).
RECORD_TRIGGERS = ("override", "reveal", "escalate")
EVENT_TRIGGERS = ("register", *LIFECYCLE_TRIGGERS, *RECORD_TRIGGERS)
REQUESTS = ("mediation", "consultation", "legal_aid", "legal_service", "petition", "filing",
            "reconsideration")
CHANNELS = ("walk_in", "phone", "hotline_12345", "online", "referral")
FORMS = ("oral", "written")
RISKS = ("low", "medium", "high")
AGREEMENT_FORMS = ("oral", "written")
OUTCOMES = ("settled", "unsettled", "served", "withdrawn")
PARTY_ROLES = ("applicant", "respondent")
ESCALATION_LEVELS = (0, 1, 2)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)


def one_of(column: str, values: tuple) -> str:
    """SQL text of a check that ``column`` holds one of ``values``."""
    items = ", ".join(str(v) if isinstance(v, int) else f"'{v}'" for v in values)
    return f"{column} IN ({items})"


_DESTINATION = "(destination LIKE 'room.%' OR destination LIKE 'window.%')"

#: The values an enumerated case field may hold, by its ``of`` (written out above: see the module doc).
_ENUM_VALUES = {"request": REQUESTS, "channel": CHANNELS, "form": FORMS, "risk": RISKS}


def _column_type(spec):
    """The column type of a case field, by its kind (and width)."""
    kind = spec.kind
    if kind in ("enum", "ref"):
        return String(spec.width)
    if kind == "text":
        return Text() if spec.width > 255 else String(spec.width)
    return {"flag": Boolean, "count": Integer, "moment": DateTime}.get(kind) or Numeric(16, 2)


def _field_checks() -> list[CheckConstraint]:
    """The CHECK constraints of the case fields, by kind (named after the field)."""
    checks = []
    for name in STORED_FIELDS:
        spec = CASE_FIELDS[name]
        if spec.kind == "enum":
            checks.append(CheckConstraint(one_of(name, _ENUM_VALUES[spec.of]), name=name))
        elif spec.kind == "count":
            checks.append(CheckConstraint(f"{name} >= 1", name=name))
        elif spec.kind == "money":
            checks.append(CheckConstraint(f"{name} >= 0", name=name))
    return checks


cases = Table(
    "cases",
    metadata,
    Column("case_no", String(16), primary_key=True),
    # the fields of a case, from their definition (mediation.domain.Case)
    *(Column(name, _column_type(CASE_FIELDS[name]),
             nullable=name in DEFAULTS and DEFAULTS[name] is None)
      for name in STORED_FIELDS),
    # where the case is
    Column("state", String(20), nullable=False),
    Column("destination", String(40)),
    Column("transfers", Integer, nullable=False),
    Column("extended", Boolean, nullable=False),
    Column("extension_days", Integer, nullable=False),
    Column("agreement_form", String(10)),
    Column("outcome", String(12)),
    Column("escalation", SmallInteger, nullable=False),
    # when: registration, the start of the current stage (for its deadline), the last event
    Column("registered_at", DateTime, nullable=False),
    Column("stage_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("rules_digest", String(80), nullable=False),
    Column("version", Integer, nullable=False),
    CheckConstraint("case_no LIKE 'XS-____-_____'", name="case_no"),
    *_field_checks(),
    CheckConstraint("(channel = 'referral') = (referred_by IS NOT NULL)", name="referral"),
    CheckConstraint(one_of("state", STATES), name="state"),
    CheckConstraint(f"destination IS NULL OR {_DESTINATION}", name="destination"),
    CheckConstraint("transfers >= 0", name="transfers"),
    CheckConstraint("extension_days >= 0", name="extension_days"),
    CheckConstraint(f"agreement_form IS NULL OR {one_of('agreement_form', AGREEMENT_FORMS)}",
                    name="agreement_form"),
    CheckConstraint(f"outcome IS NULL OR {one_of('outcome', OUTCOMES)}", name="outcome"),
    CheckConstraint(one_of("escalation", ESCALATION_LEVELS), name="escalation"),
    CheckConstraint("version >= 1", name="version"),
    Index("ix_cases_received_at", "received_at"),
    Index("ix_cases_destination_state", "destination", "state"),
    Index("ix_cases_state", "state"),
)

parties = Table(
    "parties",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_no", String(16), ForeignKey("cases.case_no"), nullable=False),
    Column("role", String(12), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", String(50), nullable=False),
    Column("id_number", String(18)),
    Column("phone", String(20)),
    UniqueConstraint("case_no", "role", "position", name="uq_parties_case_role_position"),
    CheckConstraint(one_of("role", PARTY_ROLES), name="role"),
    CheckConstraint("position >= 1", name="position"),
)

events = Table(
    "events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("case_no", String(16), ForeignKey("cases.case_no"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", DateTime, nullable=False),
    Column("operator", String(40), nullable=False),
    Column("trigger", String(20), nullable=False),
    Column("from_state", String(20)),
    Column("to_state", String(20), nullable=False),
    Column("destination", String(40)),
    Column("rule", String(80)),
    Column("rules_digest", String(80)),
    Column("reason", Text),
    Column("details", JSON(none_as_null=True)),  # None is SQL NULL, not JSON 'null'
    # the supervisor who entered this record for ``operator`` (--on-behalf-of), else NULL
    Column("entered_by", String(40)),
    UniqueConstraint("case_no", "seq", name="uq_events_case_seq"),
    CheckConstraint(one_of("trigger", EVENT_TRIGGERS), name="trigger"),
    CheckConstraint(f"from_state IS NULL OR {one_of('from_state', STATES)}", name="from_state"),
    CheckConstraint(one_of("to_state", STATES), name="to_state"),
    CheckConstraint(
        "(trigger = 'register' AND from_state IS NULL AND seq = 1)"
        " OR (trigger <> 'register' AND from_state IS NOT NULL AND seq > 1)",
        name="first",
    ),
    CheckConstraint(f"destination IS NULL OR {_DESTINATION}", name="destination"),
)

case_numbers = Table(
    "case_numbers",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last", Integer, nullable=False),
    CheckConstraint("year BETWEEN 1900 AND 9999", name="year"),
    CheckConstraint("last BETWEEN 0 AND 99999", name="last"),
)

staff = Table(
    "staff",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(50), nullable=False),
    Column("role", String(12), nullable=False),
    Column("destinations", JSON, nullable=False),
    Column("login", String(63), unique=True),
    Column("active", Boolean, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    CheckConstraint(one_of("role", STAFF_ROLES), name="role"),
    CheckConstraint("id <> ''", name="id"),
    CheckConstraint("login IS NULL OR login <> ''", name="login"),
)

audit = Table(
    "audit",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(40), nullable=False),
    Column("action", String(20), nullable=False),
    Column("subject", String(80), nullable=False),
    Column("detail", JSON(none_as_null=True)),
)

partners = Table(
    "partners",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("department", String(40), nullable=False),
    Column("token_sha256", String(64), nullable=False),
    Column("added_at", DateTime, nullable=False),
    Column("added_by", String(40), nullable=False),
    Column("revoked_at", DateTime),
    Column("revoked_by", String(40)),
    UniqueConstraint("token_sha256", name="uq_partners_token_sha256"),
    CheckConstraint("(revoked_at IS NULL) = (revoked_by IS NULL)", name="revoked"),
)

PARTNER_ACTIONS = ("add", "revoke")

partner_changes = Table(
    "partner_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("partner_id", String(32), ForeignKey("partners.id"), nullable=False),
    Column("action", String(10), nullable=False),
    Column("department", String(40), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("operator", String(40), nullable=False),
    CheckConstraint(one_of("action", PARTNER_ACTIONS), name="action"),
)

requests = Table(
    "requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("requester", String(40), nullable=False),
    Column("request_key", String(100), nullable=False),
    Column("case_no", String(16), ForeignKey("cases.case_no"), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("answer", JSON(none_as_null=True), nullable=False),
    UniqueConstraint("requester", "request_key", name="uq_requests_requester_key"),
    Index("ix_requests_case_no", "case_no"),
)

secrets = Table(
    "secrets",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
)
