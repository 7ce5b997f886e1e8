"""The store: URLs, schema revision checks, migrations vs the models, constraints."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from mediation.store import schema
from mediation.store.database import DatabaseError, open_database
from mediation.store.migrate import alembic_config, upgrade
from mediation.store.url import redact, resolve_url, sqlite_path

AT = datetime(2020, 6, 15, 9, 30)


# ----------------------------------------------------------------------- URLs


def test_plain_path_is_a_sqlite_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MEDIATION_DB", raising=False)
    assert resolve_url() == f"sqlite:///{tmp_path / 'mediation.db'}"
    assert resolve_url("desk.db") == f"sqlite:///{tmp_path / 'desk.db'}"
    monkeypatch.setenv("MEDIATION_DB", "other.db")
    assert resolve_url() == f"sqlite:///{tmp_path / 'other.db'}"
    assert resolve_url("x.db") == f"sqlite:///{tmp_path / 'x.db'}"  # --db wins over the env


def test_urls():
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url("sqlite:////tmp/a.db") == "sqlite:////tmp/a.db"
    assert sqlite_path("sqlite:////tmp/a.db") == Path("/tmp/a.db")
    assert sqlite_path("sqlite://") is None
    with pytest.raises(Exception, match="unsupported database URL 'mysql://u:\\*\\*\\*@h/db'"):
        resolve_url("mysql://u:secret@h/db")
    assert redact("postgresql+psycopg://u:pw@h/db") == "postgresql+psycopg://u:***@h/db"


# ----------------------------------------------------------------------- revisions


def test_head_revision_constant_is_alembics_head():
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() == schema.HEAD_REVISION
    assert schema.REVISIONS[-1] == schema.HEAD_REVISION


def test_missing_sqlite_file_is_not_created(tmp_path):
    path = tmp_path / "none.db"
    with pytest.raises(DatabaseError, match="database not initialised: run `mediation init --db .*none.db`"):
        open_database(str(path))
    assert not path.exists()


def test_uninitialised_older_and_newer(db_url, monkeypatch):
    database = open_database(db_url, check=False, create=True)
    try:
        with pytest.raises(DatabaseError, match="database not initialised: run `mediation init --db "):
            database.check_schema()
        upgrade(database)
        database.check_schema()
        with database.write() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
        monkeypatch.setattr("mediation.store.database.REVISIONS", ("0000", *schema.REVISIONS))
        with pytest.raises(DatabaseError, match="older than this program: run `mediation init --db "):
            database.check_schema()
        with database.write() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(DatabaseError, match="newer than this program"):
            database.check_schema()
    finally:
        database.dispose()


def test_upgrade_is_idempotent(db):
    assert upgrade(db) == (schema.HEAD_REVISION, schema.HEAD_REVISION)


def test_migrations_match_the_models(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []


def test_enumerations_agree_with_the_lifecycle_and_domain():
    from mediation import domain, lifecycle

    assert schema.STATES == lifecycle.STATES
    assert schema.LIFECYCLE_TRIGGERS == lifecycle.TRIGGERS
    assert schema.REQUESTS == domain.REQUESTS
    assert schema.CHANNELS == domain.CHANNELS
    assert schema.FORMS == domain.FORMS
    assert schema.RISKS == domain.RISKS
    assert schema.OUTCOMES == domain.OUTCOMES
    assert schema.AGREEMENT_FORMS == domain.AGREEMENT_FORMS


# ----------------------------------------------------------------------- connections


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path):
    from tests.conftest import migrated

    database = migrated(str(tmp_path / "x.db"))
    with database.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
    database.dispose()


# ----------------------------------------------------------------------- constraints


def _case(**over):
    row = {
        "case_no": "XS-2020-00001", "received_at": AT, "request": "mediation", "channel": "walk_in",
        "referred_by": None, "form": "oral", "category": "neighbor", "street": "xiangnan",
        "community": None, "summary": "s", "parties": 2, "amount": 0, "petition": False,
        "litigation_pending": False, "criminal": False, "party_refuses": False, "risk": "low",
        "state": "registered", "destination": None, "transfers": 0, "extended": False,
        "extension_days": 0, "agreement_form": None, "outcome": None, "escalation": 0,
        "registered_at": AT, "stage_at": AT, "updated_at": AT, "rules_digest": "sha256:x", "version": 1,
    }
    row.update(over)
    return row


@pytest.mark.parametrize("column, value", [
    ("state", "lost"), ("request", "bribe"), ("form", "sung"), ("risk", "extreme"),
    ("escalation", 3), ("destination", "office.mayor"), ("parties", 0), ("amount", -1),
    ("case_no", "AB-2020-1"), ("channel", "referral"),  # a referral without referred_by
    ("outcome", "won"), ("agreement_form", "tattoo"),
])
def test_check_constraints_refuse_bad_rows(db, column, value):
    with pytest.raises(IntegrityError), db.write() as conn:
        conn.execute(insert(schema.cases).values(_case(**{column: value})))


def test_not_null_and_foreign_keys(db):
    with pytest.raises(IntegrityError), db.write() as conn:
        conn.execute(insert(schema.cases).values(_case(summary=None)))
    with pytest.raises(IntegrityError), db.write() as conn:  # an event without its case
        conn.execute(insert(schema.events).values(
            case_no="XS-2020-00042", seq=1, at=AT, operator="clerk01", trigger="register",
            from_state=None, to_state="registered"))
    with pytest.raises(IntegrityError), db.write() as conn:  # parties need their case too
        conn.execute(insert(schema.parties).values(case_no="XS-2020-00042", role="applicant",
                                                   position=1, name="某"))


def test_events_first_is_register_and_seq_unique(db):
    with db.write() as conn:
        conn.execute(insert(schema.cases).values(_case()))
    bad_first = dict(case_no="XS-2020-00001", seq=1, at=AT, operator="clerk01", trigger="review",
                     from_state="registered", to_state="under_review")
    with pytest.raises(IntegrityError), db.write() as conn:
        conn.execute(insert(schema.events).values(bad_first))
    ok = dict(bad_first, trigger="register", from_state=None, to_state="registered")
    with db.write() as conn:
        conn.execute(insert(schema.events).values(ok))
    with pytest.raises(IntegrityError), db.write() as conn:
        conn.execute(insert(schema.events).values(ok))
    with db.read() as conn:
        assert conn.execute(select(schema.events.c.seq)).scalars().all() == [1]


def test_a_failed_write_leaves_nothing(db):
    with pytest.raises(IntegrityError), db.write() as conn:
        conn.execute(insert(schema.cases).values(_case()))
        conn.execute(insert(schema.cases).values(_case(state="nowhere", case_no="XS-2020-00002")))
    with db.read() as conn:
        assert conn.execute(select(schema.cases.c.case_no)).all() == []
