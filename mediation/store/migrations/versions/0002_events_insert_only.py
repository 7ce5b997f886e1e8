"""Events are insert-only: triggers refuse UPDATE and DELETE on ``events``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-11

A case's events are its legal record (docs/design.md §4: never updated or deleted).
The program never changes them; these triggers make the database refuse it to
anyone else too, whatever client they use:

- PostgreSQL: one function raising ``restrict_violation`` (SQLSTATE 23001, an
  integrity error), called by a row trigger before UPDATE or DELETE and a
  statement trigger before TRUNCATE.
- SQLite: two ``BEFORE UPDATE`` / ``BEFORE DELETE`` triggers doing
  ``RAISE(ABORT, ...)`` (an integrity error too).

Written out in full, like 0001. A later revision that rebuilds ``events`` on
SQLite (Alembic's batch mode copies the table) drops these triggers with the
old table and must create them again.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MESSAGE = "events are insert-only"

PG_UPGRADE = (
    f"""CREATE FUNCTION mediation_events_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}: % on events refused', TG_OP USING ERRCODE = 'restrict_violation';
END
$$""",
    "CREATE TRIGGER events_insert_only BEFORE UPDATE OR DELETE ON events "
    "FOR EACH ROW EXECUTE FUNCTION mediation_events_insert_only()",
    "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
    "FOR EACH STATEMENT EXECUTE FUNCTION mediation_events_insert_only()",
)
PG_DOWNGRADE = (
    "DROP TRIGGER events_no_truncate ON events",
    "DROP TRIGGER events_insert_only ON events",
    "DROP FUNCTION mediation_events_insert_only()",
)
SQLITE_UPGRADE = (
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE on events refused'); END",
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE on events refused'); END",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER events_no_delete",
    "DROP TRIGGER events_no_update",
)


def _run(statements: tuple[str, ...]) -> None:
    for sql in statements:
        op.execute(sql)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _run(PG_UPGRADE)
    else:
        _run(SQLITE_UPGRADE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _run(PG_DOWNGRADE)
    else:
        _run(SQLITE_DOWNGRADE)
