"""No event is replaced (SQLite); a secret keys the digests stored with cases.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

Issue 11, points 2 and 3:

- SQLite runs no DELETE trigger when ``REPLACE INTO``, ``INSERT OR REPLACE``
  (or ``INSERT ... ON CONFLICT DO UPDATE``) overwrites a row, so 0002's
  triggers let an event be rewritten that way. A ``BEFORE INSERT`` trigger
  refuses an insert whose id, or whose (case_no, seq), is already taken: the
  trigger runs before the conflict is resolved, whatever the resolution. An
  ordinary insert of a taken key fails anyway; now it fails with the same
  words. PostgreSQL needs nothing: it has no REPLACE, and ``ON CONFLICT DO
  UPDATE`` (and ``MERGE``) run 0002's UPDATE trigger.
- ``secrets``: values the program keeps and no command prints. One now:
  ``replay_digest_key``, a random 256-bit key for the digest of a replayed
  row (``details.replay.content`` of its register event), which covers the
  parties' names, ID numbers and phones: an unkeyed digest of them can be
  guessed back from a masked phone in seconds. A database that already holds
  replayed cases gets ``unkeyed_digests_up_to`` (the highest event id then):
  their digests are not rewritten (events never are); a rerun still
  recognises them, and no command prints them (:mod:`mediation.desk.views`).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MESSAGE = "events are insert-only"

SQLITE_UPGRADE = (
    "CREATE TRIGGER events_no_replace BEFORE INSERT ON events "
    "WHEN EXISTS (SELECT 1 FROM events WHERE id = NEW.id) "
    "OR EXISTS (SELECT 1 FROM events WHERE case_no = NEW.case_no AND seq = NEW.seq) "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: an INSERT over an existing event refused'); END",
)
SQLITE_DOWNGRADE = ("DROP TRIGGER events_no_replace",)


def upgrade() -> None:
    bind = op.get_bind()
    table = op.create_table(
        "secrets",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_secrets"),
    )
    rows = [{"name": "replay_digest_key", "value": secrets.token_hex(32)}]
    replayed = bind.execute(sa.text(
        "SELECT max(id) FROM events WHERE seq = 1 AND details IS NOT NULL")).scalar()
    if replayed is not None:
        rows.append({"name": "unkeyed_digests_up_to", "value": str(replayed)})
    op.bulk_insert(table, rows)
    if bind.dialect.name == "sqlite":
        for sql in SQLITE_UPGRADE:
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for sql in SQLITE_DOWNGRADE:
            op.execute(sql)
    op.drop_table("secrets")
