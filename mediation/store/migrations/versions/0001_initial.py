"""Cases, parties, events and case-number counters.

Revision ID: 0001
Revises:
Create Date: 2026-05-10

Written out in full (not from the models) so that it stays what it was when
later revisions change the models.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATES = ("registered", "under_review", "rejected", "referred_out", "diverted", "in_progress",
          "settled", "unsettled", "served", "withdrawn", "closed")
TRIGGERS = ("register", "review", "reject", "refer_out", "divert", "take", "settle", "fail",
            "serve", "transfer", "extend", "withdraw", "close", "override", "reveal", "escalate")
DESTINATION = "(destination LIKE 'room.%' OR destination LIKE 'window.%')"


def one_of(column: str, values) -> str:
    items = ", ".join(str(v) if isinstance(v, int) else f"'{v}'" for v in values)
    return f"{column} IN ({items})"


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("case_no", sa.String(16), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("request", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("referred_by", sa.String(40)),
        sa.Column("form", sa.String(10), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("street", sa.String(40), nullable=False),
        sa.Column("community", sa.String(100)),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("parties", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(16, 2), nullable=False),
        sa.Column("petition", sa.Boolean(), nullable=False),
        sa.Column("litigation_pending", sa.Boolean(), nullable=False),
        sa.Column("criminal", sa.Boolean(), nullable=False),
        sa.Column("party_refuses", sa.Boolean(), nullable=False),
        sa.Column("risk", sa.String(10), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("destination", sa.String(40)),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("extension_days", sa.Integer(), nullable=False),
        sa.Column("agreement_form", sa.String(10)),
        sa.Column("outcome", sa.String(12)),
        sa.Column("escalation", sa.SmallInteger(), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("stage_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("rules_digest", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("case_no", name="pk_cases"),
        sa.CheckConstraint("case_no LIKE 'XS-____-_____'", name=op.f("ck_cases_case_no")),
        sa.CheckConstraint(one_of("request", ("mediation", "consultation", "legal_aid", "legal_service",
                                              "petition", "filing", "reconsideration")),
                           name=op.f("ck_cases_request")),
        sa.CheckConstraint(one_of("channel", ("walk_in", "phone", "hotline_12345", "online", "referral")),
                           name=op.f("ck_cases_channel")),
        sa.CheckConstraint("(channel = 'referral') = (referred_by IS NOT NULL)", name=op.f("ck_cases_referral")),
        sa.CheckConstraint(one_of("form", ("oral", "written")), name=op.f("ck_cases_form")),
        sa.CheckConstraint(one_of("risk", ("low", "medium", "high")), name=op.f("ck_cases_risk")),
        sa.CheckConstraint("parties >= 1", name=op.f("ck_cases_parties")),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_cases_amount")),
        sa.CheckConstraint(one_of("state", STATES), name=op.f("ck_cases_state")),
        sa.CheckConstraint(f"destination IS NULL OR {DESTINATION}", name=op.f("ck_cases_destination")),
        sa.CheckConstraint("transfers >= 0", name=op.f("ck_cases_transfers")),
        sa.CheckConstraint("extension_days >= 0", name=op.f("ck_cases_extension_days")),
        sa.CheckConstraint(f"agreement_form IS NULL OR {one_of('agreement_form', ('oral', 'written'))}",
                           name=op.f("ck_cases_agreement_form")),
        sa.CheckConstraint(
            f"outcome IS NULL OR {one_of('outcome', ('settled', 'unsettled', 'served', 'withdrawn'))}",
            name=op.f("ck_cases_outcome")),
        sa.CheckConstraint(one_of("escalation", (0, 1, 2)), name=op.f("ck_cases_escalation")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_cases_version")),
    )
    op.create_index("ix_cases_received_at", "cases", ["received_at"])
    op.create_index("ix_cases_destination_state", "cases", ["destination", "state"])
    op.create_index("ix_cases_state", "cases", ["state"])

    op.create_table(
        "parties",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_no", sa.String(16), nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("id_number", sa.String(18)),
        sa.Column("phone", sa.String(20)),
        sa.PrimaryKeyConstraint("id", name="pk_parties"),
        sa.ForeignKeyConstraint(["case_no"], ["cases.case_no"], name="fk_parties_case_no_cases"),
        sa.UniqueConstraint("case_no", "role", "position", name="uq_parties_case_role_position"),
        sa.CheckConstraint(one_of("role", ("applicant", "respondent")), name=op.f("ck_parties_role")),
        sa.CheckConstraint("position >= 1", name=op.f("ck_parties_position")),
    )

    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("case_no", sa.String(16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("operator", sa.String(40), nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("from_state", sa.String(20)),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("destination", sa.String(40)),
        sa.Column("rule", sa.String(80)),
        sa.Column("rules_digest", sa.String(80)),
        sa.Column("reason", sa.Text()),
        sa.Column("details", sa.JSON()),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.ForeignKeyConstraint(["case_no"], ["cases.case_no"], name="fk_events_case_no_cases"),
        sa.UniqueConstraint("case_no", "seq", name="uq_events_case_seq"),
        sa.CheckConstraint(one_of("trigger", TRIGGERS), name=op.f("ck_events_trigger")),
        sa.CheckConstraint(f"from_state IS NULL OR {one_of('from_state', STATES)}",
                           name=op.f("ck_events_from_state")),
        sa.CheckConstraint(one_of("to_state", STATES), name=op.f("ck_events_to_state")),
        sa.CheckConstraint(
            "(trigger = 'register' AND from_state IS NULL AND seq = 1)"
            " OR (trigger <> 'register' AND from_state IS NOT NULL AND seq > 1)",
            name=op.f("ck_events_first")),
        sa.CheckConstraint(f"destination IS NULL OR {DESTINATION}", name=op.f("ck_events_destination")),
    )

    op.create_table(
        "case_numbers",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name="pk_case_numbers"),
        sa.CheckConstraint("year BETWEEN 1900 AND 9999", name=op.f("ck_case_numbers_year")),
        sa.CheckConstraint("last BETWEEN 0 AND 99999", name=op.f("ck_case_numbers_last")),
    )


def downgrade() -> None:
    op.drop_table("case_numbers")
    op.drop_table("events")
    op.drop_table("parties")
    op.drop_index("ix_cases_state", table_name="cases")
    op.drop_index("ix_cases_destination_state", table_name="cases")
    op.drop_index("ix_cases_received_at", table_name="cases")
    op.drop_table("cases")
