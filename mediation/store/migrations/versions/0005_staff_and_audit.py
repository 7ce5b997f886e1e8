"""Staff and their logins in the database, an insert-only audit, ``events.entered_by``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

docs/design.md §8: who works at the centre and in which role lives in the
database (``staff``), seeded by ``mediation init`` and changed only by
``mediation staff ...``, each change a row of ``audit``. ``events.entered_by``
names the supervisor who entered a paper record for the operator
(``--on-behalf-of``).

``audit`` is insert-only like ``events``:

- SQLite: ``BEFORE UPDATE`` / ``BEFORE DELETE`` triggers, and a ``BEFORE INSERT``
  trigger refusing a row whose id exists already (SQLite fires no delete
  trigger when ``REPLACE`` or ``INSERT OR REPLACE`` removes the old row).
- PostgreSQL: a row trigger before UPDATE or DELETE (an upsert's DO UPDATE
  fires it too) and a statement trigger before TRUNCATE.

PostgreSQL also gets ``mediation_acts_as_itself`` (a statement trigger over the
inserted rows): a login that does not own the table may write ``events`` and
``audit`` rows only as its own staff id
(``staff.login = current_user``), or, for events, as a supervisor entering
another's record (``entered_by`` its own id). The schema owner (who runs
``mediation init`` and the tests' fixtures) is not checked.

Written out in full, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

MESSAGE = "audit is insert-only"
ROLES = "role IN ('clerk', 'mediator', 'supervisor')"

PG_UPGRADE = (
    f"""CREATE FUNCTION mediation_audit_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}: % on audit refused', TG_OP USING ERRCODE = 'restrict_violation';
END
$$""",
    "CREATE TRIGGER audit_insert_only BEFORE UPDATE OR DELETE ON audit "
    "FOR EACH ROW EXECUTE FUNCTION mediation_audit_insert_only()",
    "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit "
    "FOR EACH STATEMENT EXECUTE FUNCTION mediation_audit_insert_only()",
    """CREATE FUNCTION mediation_acts_as_itself() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    owner name;
    me record;
    actor text;
BEGIN
    SELECT tableowner INTO owner FROM pg_tables
     WHERE schemaname = TG_TABLE_SCHEMA AND tablename = TG_TABLE_NAME;
    IF pg_has_role(current_user, owner, 'MEMBER') THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT id, role FROM %I.staff WHERE login = $1 AND active', TG_TABLE_SCHEMA)
       INTO me USING current_user::text;
    IF me.id IS NULL THEN
        RAISE EXCEPTION 'login % is not an active member of staff: it may not write %',
            current_user, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_TABLE_NAME = 'events' THEN
        SELECT operator INTO actor FROM new_rows
         WHERE NOT COALESCE((entered_by IS NULL AND operator = me.id)
                             OR (entered_by = me.id AND me.role = 'supervisor'), false)
         LIMIT 1;
    ELSE
        SELECT new_rows.actor INTO actor FROM new_rows WHERE new_rows.actor <> me.id LIMIT 1;
    END IF;
    IF FOUND THEN
        RAISE EXCEPTION 'login % is staff member %: it may not write % as %',
            current_user, me.id, TG_TABLE_NAME, actor USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$""",
    # once per statement, over the rows it inserted: a bulk load pays one check, not one per row
    "CREATE TRIGGER events_acts_as_itself AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION mediation_acts_as_itself()",
    "CREATE TRIGGER audit_acts_as_itself AFTER INSERT ON audit REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION mediation_acts_as_itself()",
)
PG_DOWNGRADE = (
    "DROP TRIGGER audit_acts_as_itself ON audit",
    "DROP TRIGGER events_acts_as_itself ON events",
    "DROP FUNCTION mediation_acts_as_itself()",
    "DROP TRIGGER audit_no_truncate ON audit",
    "DROP TRIGGER audit_insert_only ON audit",
    "DROP FUNCTION mediation_audit_insert_only()",
)
SQLITE_UPGRADE = (
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE on audit refused'); END",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE on audit refused'); END",
    "CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit "
    "WHEN EXISTS (SELECT 1 FROM audit WHERE id = NEW.id) "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: REPLACE on audit refused'); END",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER audit_no_replace",
    "DROP TRIGGER audit_no_delete",
    "DROP TRIGGER audit_no_update",
)


def _run(statements: tuple[str, ...]) -> None:
    for sql in statements:
        op.execute(sql)


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("destinations", sa.JSON(), nullable=False),
        sa.Column("login", sa.String(63)),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff"),
        sa.UniqueConstraint("login", name="uq_staff_login"),
        sa.CheckConstraint(ROLES, name=op.f("ck_staff_role")),
        sa.CheckConstraint("id <> ''", name=op.f("ck_staff_id")),
        sa.CheckConstraint("login IS NULL OR login <> ''", name=op.f("ck_staff_login")),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(40), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(80), nullable=False),
        sa.Column("detail", sa.JSON()),
        sa.PrimaryKeyConstraint("id", name="pk_audit"),
    )
    op.add_column("events", sa.Column("entered_by", sa.String(40)))
    _run(PG_UPGRADE if op.get_bind().dialect.name == "postgresql" else SQLITE_UPGRADE)


def downgrade() -> None:
    _run(PG_DOWNGRADE if op.get_bind().dialect.name == "postgresql" else SQLITE_DOWNGRADE)
    op.execute("ALTER TABLE events DROP COLUMN entered_by")  # no index or constraint uses it
    op.drop_table("audit")
    op.drop_table("staff")
