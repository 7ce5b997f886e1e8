"""Partners (institutions submitting cases over HTTP) and idempotent requests.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

- ``partners``: one row per partner institution: its department and the SHA-256
  of its bearer token (the token itself is shown once and never stored);
- ``partner_changes``: who added or revoked a partner, and when;
- ``requests``: one row per (requester, idempotency key) with the case it
  registered and the first answer; the unique constraint is what makes a racing
  retry fail and read the winner's answer instead of registering a second case.

Written out in full, like 0001; only these three tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("added_by", sa.String(40), nullable=False),
        sa.Column("revoked_at", sa.DateTime()),
        sa.Column("revoked_by", sa.String(40)),
        sa.PrimaryKeyConstraint("id", name="pk_partners"),
        sa.UniqueConstraint("token_sha256", name="uq_partners_token_sha256"),
        sa.CheckConstraint("(revoked_at IS NULL) = (revoked_by IS NULL)", name=op.f("ck_partners_revoked")),
    )
    op.create_table(
        "partner_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("operator", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_partner_changes"),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"],
                                name="fk_partner_changes_partner_id_partners"),
        sa.CheckConstraint("action IN ('add', 'revoke')", name=op.f("ck_partner_changes_action")),
    )
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("requester", sa.String(40), nullable=False),
        sa.Column("request_key", sa.String(100), nullable=False),
        sa.Column("case_no", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_requests"),
        sa.ForeignKeyConstraint(["case_no"], ["cases.case_no"], name="fk_requests_case_no_cases"),
        sa.UniqueConstraint("requester", "request_key", name="uq_requests_requester_key"),
    )
    op.create_index("ix_requests_case_no", "requests", ["case_no"])


def downgrade() -> None:
    op.drop_index("ix_requests_case_no", table_name="requests")
    op.drop_table("requests")
    op.drop_table("partner_changes")
    op.drop_table("partners")
