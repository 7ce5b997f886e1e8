"""Integrity held by the database itself, whatever client writes to it.

- Foreign keys: no event or party without its case, no case deleted from under
  its events (SQLite: ``PRAGMA foreign_keys`` is on for every connection the
  store opens).
- Check constraints: a raw UPDATE cannot put a value outside its enumeration.
- Events are insert-only: migration 0002's triggers refuse UPDATE, DELETE (and
  TRUNCATE on PostgreSQL), even from a connection that is not the program's.
- SQLite runs in WAL mode.
- Migration 0002 upgrades a database at 0001 with its data intact; ``mediation
  init`` takes a new database to the head revision.
- Nothing in the code base updates or deletes events (the source is searched).

On SQLite and, with ``MEDIATION_TEST_PG``, PostgreSQL.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mediation import desk
from mediation.cli import cli
from mediation.desk.staff import set_up
from mediation.store import schema
from mediation.store.bulk import insert_cases
from mediation.store.database import DatabaseError, open_database
from mediation.store.migrate import alembic_config, upgrade
from mediation.store.url import sqlite_path
from tests.support import history_case, history_rows

#: A guarantee test: run by the full suite, left out by `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2020, 6, 15, 9, 30)
DATA = {"form": "书面", "category": "医疗", "street": "相南街道", "summary": "完整性（合成示例）",
        "applicant_name": "测试甲", "applicant_phone": "13800001234"}


def moved(db, rules) -> str:
    """A case registered, reviewed and diverted: three events."""
    no = desk.register(db, rules, DATA, operator="clerk01", at=AT).case_no
    desk.review(db, rules, no, operator="clerk01", at=AT)
    desk.divert(db, rules, no, operator="clerk01", at=AT)
    return no


def snapshot(db, *, without: tuple[str, ...] = ()) -> dict:
    """Every row of every table, for comparing before and after (leaving out the columns ``without``)."""
    out = {}
    with db.read() as conn:
        for table in (schema.cases, schema.parties, schema.events, schema.case_numbers):
            key = list(table.primary_key.columns)
            columns = [c for c in table.columns if c.name not in without]
            out[table.name] = [dict(r) for r in conn.execute(select(*columns).order_by(*key)).mappings()]
    return out


def refused(db, sql: str, *fragments: str) -> str:
    """Run ``sql`` in a write transaction; it must fail as an integrity error naming ``fragments``."""
    with pytest.raises(IntegrityError) as info, db.write() as conn:
        conn.exec_driver_sql(sql)
    message = str(info.value.orig)
    for fragment in fragments:
        assert fragment in message, message
    return message


# ----------------------------------------------------------------------- connections


def test_every_sqlite_connection_has_foreign_keys_wal_and_a_busy_timeout(tmp_path):
    from tests.conftest import migrated

    database = migrated(str(tmp_path / "x.db"))
    try:
        # several connections at once, and new ones after the pool is emptied
        conns = [database.engine.connect() for _ in range(3)]
        database.dispose()
        conns.append(database.engine.connect())
        for conn in conns:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
            conn.close()
        with database.write() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        database.dispose()
    # WAL is a property of the file: a plain sqlite3 connection sees it too
    plain = sqlite3.connect(tmp_path / "x.db")
    assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    plain.close()


# ----------------------------------------------------------------------- foreign keys


def test_no_orphan_events_or_parties_and_no_case_deleted_from_under_its_events(db, rules):
    no = moved(db, rules)
    before = snapshot(db)
    refused(db, "INSERT INTO events (case_no, seq, at, operator, trigger, from_state, to_state) "
                "VALUES ('XS-2020-09999', 1, '2020-06-15 09:30:00', 'clerk01', 'register', NULL, 'registered')")
    refused(db, "INSERT INTO parties (case_no, role, position, name) "
                "VALUES ('XS-2020-09999', 'applicant', 1, '某')")
    refused(db, f"DELETE FROM cases WHERE case_no = '{no}'")
    refused(db, f"UPDATE cases SET case_no = 'XS-2020-09999' WHERE case_no = '{no}'")
    assert snapshot(db) == before


# ----------------------------------------------------------------------- check constraints


@pytest.mark.parametrize("assignment", [
    "state = 'bogus'", "request = 'bribe'", "channel = 'pigeon'", "form = 'sung'", "risk = 'extreme'",
    "destination = 'office.mayor'", "outcome = 'won'", "agreement_form = 'handshake'", "escalation = 3",
    "version = 0", "parties = 0", "amount = -1", "case_no = 'XS-2020-1'", "referred_by = 'court'",
])
def test_a_raw_update_outside_an_enumeration_is_refused(db, rules, assignment):
    no = desk.register(db, rules, DATA, operator="clerk01", at=AT).case_no
    before = snapshot(db)
    column = assignment.split()[0]
    constraint = "referral" if column == "referred_by" else column  # referred_by goes with channel
    refused(db, f"UPDATE cases SET {assignment} WHERE case_no = '{no}'", f"ck_cases_{constraint}")
    assert snapshot(db) == before


def test_a_raw_event_outside_the_enumerations_is_refused(db, rules):
    no = desk.register(db, rules, DATA, operator="clerk01", at=AT).case_no
    columns = "case_no, seq, at, operator, trigger, from_state, to_state"
    good = f"'{no}', 2, '2020-06-15 09:31:00', 'clerk01', 'review', 'registered', 'under_review'"
    for bad in (good.replace("'review'", "'bogus'"), good.replace("'under_review'", "'limbo'"),
                good.replace("'registered'", "NULL"), good.replace(", 2,", ", 1,")):
        refused(db, f"INSERT INTO events ({columns}) VALUES ({bad})")
    with db.write() as conn:  # the good one goes in (the check is not simply refusing everything)
        conn.exec_driver_sql(f"INSERT INTO events ({columns}) VALUES ({good})")


# ----------------------------------------------------------------------- events are insert-only


def test_events_refuse_update_and_delete(db, rules):
    no = moved(db, rules)
    before = snapshot(db)
    for sql in (f"UPDATE events SET reason = 'rewritten' WHERE case_no = '{no}'",
                f"UPDATE events SET to_state = 'closed' WHERE case_no = '{no}' AND seq = 3",
                f"DELETE FROM events WHERE case_no = '{no}' AND seq = 3",
                "DELETE FROM events"):
        refused(db, sql, schema.EVENTS_INSERT_ONLY)
    if not db.sqlite:
        refused(db, "TRUNCATE events", schema.EVENTS_INSERT_ONLY, "TRUNCATE")
        refused(db, "TRUNCATE events CASCADE", schema.EVENTS_INSERT_ONLY)
    assert snapshot(db) == before
    # appending still works, and the program's own writes never touch old events
    desk.take(db, rules, no, operator="med_medical", at=AT)
    after = snapshot(db)
    assert after["events"][:3] == before["events"]
    assert len(after["events"]) == 4


def test_a_connection_that_is_not_the_programs_is_refused_too(db, rules):
    no = moved(db, rules)
    if db.sqlite:
        plain = sqlite3.connect(sqlite_path(db.url))
        try:
            for sql in ("UPDATE events SET operator = 'nobody'", f"DELETE FROM events WHERE case_no = '{no}'"):
                with pytest.raises(sqlite3.IntegrityError, match=schema.EVENTS_INSERT_ONLY):
                    plain.execute(sql)
            plain.rollback()
        finally:
            plain.close()
    else:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(db.url)
        options = url.query.get("options")
        plain = psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database,
                                options=options)
        try:
            with pytest.raises(psycopg.errors.RestrictViolation, match=schema.EVENTS_INSERT_ONLY):
                plain.execute("UPDATE events SET operator = 'nobody'")
        finally:
            plain.close()
    with db.read() as conn:
        assert set(conn.execute(select(schema.events.c.operator)).scalars()) == {"clerk01"}


def test_the_triggers_are_in_place(db):
    dialect = "sqlite" if db.sqlite else "postgresql"
    with db.read() as conn:
        if db.sqlite:
            names = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'").scalars()
        else:
            names = conn.exec_driver_sql(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'events'::regclass AND NOT tgisinternal").scalars()
        expected = schema.EVENTS_TRIGGERS[dialect]
        if not db.sqlite:
            expected += (schema.ACTS_AS_ITSELF_TRIGGERS["events"],)
        assert sorted(names) == sorted(expected)


UPDATES_EVENTS = re.compile(
    r"\b(?:update|delete)\(\s*(?:schema\.)?events\b"          # update(events) / delete(schema.events)
    r"|\bevents\.(?:update|delete)\("                         # events.update()
    r"|\b(?:UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+\"?events\b",  # raw SQL
    re.IGNORECASE,
)


def test_nothing_in_the_code_updates_or_deletes_events():
    offenders = []
    for path in sorted((ROOT / "mediation").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if UPDATES_EVENTS.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
    # the pattern does find what it looks for
    for sample in ("conn.execute(update(events).values(x=1))", "sa.delete(schema.events)",
                   'exec_driver_sql("DELETE FROM events")', "TRUNCATE TABLE events"):
        assert UPDATES_EVENTS.search(sample), sample


# ----------------------------------------------------------------------- migrations


def _at_revision(url: str, revision: str):
    database = open_database(url, check=False, create=True)
    upgrade(database, revision)
    return database


def test_0002_upgrades_a_database_at_0001_with_its_data_intact(db_url, rules):
    database = _at_revision(db_url, "0001")
    try:
        assert database.revision() == "0001"
        with pytest.raises(DatabaseError, match="older than this program: run `mediation init"):
            database.check_schema()
        # at 0001 there is no staff table for the desk to check roles in: cases stored as a load does
        batch = [history_case(rules, r) for r in history_rows()[:3]]
        with database.write() as conn:
            insert_cases(conn, batch)
        nos = [c.row["case_no"] for c in batch]
        with database.write() as conn:  # at 0001 nothing stopped this
            conn.exec_driver_sql(f"UPDATE events SET reason = 'before 0002' WHERE case_no = '{nos[0]}' AND seq = 1")
        before = snapshot(database, without=("entered_by",))  # 0005 adds it, NULL
        assert upgrade(database) == ("0001", schema.HEAD_REVISION)
        database.check_schema()
        assert snapshot(database, without=("entered_by",)) == before
        refused(database, f"UPDATE events SET reason = 'after 0002' WHERE case_no = '{nos[0]}'",
                schema.EVENTS_INSERT_ONLY)
        refused(database, "DELETE FROM events", schema.EVENTS_INSERT_ONLY)
        set_up(database, rules)  # what `mediation init` does after the migrations: the staff
        no = moved(database, rules)
        assert no not in nos and desk.take(database, rules, no, operator="med_medical", at=AT).version == 4
    finally:
        database.dispose()


def test_0002_downgrades_to_0001(db_url, rules):
    from alembic import command

    database = _at_revision(db_url, "head")
    set_up(database, rules)
    try:
        no = moved(database, rules)
        config = alembic_config(database.url)
        with database.engine.connect() as conn:
            conn.execution_options(mediation_write=True)
            config.attributes["connection"] = conn
            command.downgrade(config, "0001")
            conn.commit()
        assert database.revision() == "0001"
        with database.write() as conn:
            conn.exec_driver_sql(f"UPDATE events SET reason = 'allowed at 0001' WHERE case_no = '{no}'")
        assert upgrade(database) == ("0001", schema.HEAD_REVISION)
        refused(database, "DELETE FROM events", schema.EVENTS_INSERT_ONLY)
    finally:
        database.dispose()


def test_init_takes_a_new_database_to_the_head_and_a_0001_one_up(db_url, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["init", "--db", db_url])
    assert result.exit_code == 0 and f"已创建（schema {schema.HEAD_REVISION}）" in result.output
    result = runner.invoke(cli, ["init", "--db", db_url])
    assert result.exit_code == 0 and "已是最新" in result.output
    database = open_database(db_url)
    assert database.revision() == schema.HEAD_REVISION
    database.dispose()

    old = db_url.replace("mediation.db", "old.db") if db_url.startswith("sqlite") else None
    if old is None:  # PostgreSQL: take the same schema back to 0001 and up again
        from alembic import command

        database = open_database(db_url, check=False)
        config = alembic_config(database.url)
        with database.engine.connect() as conn:
            conn.execution_options(mediation_write=True)
            config.attributes["connection"] = conn
            command.downgrade(config, "0001")
            conn.commit()
        database.dispose()
        old = db_url
    else:
        _at_revision(old, "0001").dispose()
    result = runner.invoke(cli, ["init", "--db", old])
    assert result.exit_code == 0, result.output
    assert f"已从 schema 0001 升级到 {schema.HEAD_REVISION}" in result.output


def test_check_constraints_are_named_as_the_models_name_them(db):
    from sqlalchemy import CheckConstraint, inspect

    expected = {(t.name, c.name) for t in schema.metadata.sorted_tables
                for c in t.constraints if isinstance(c, CheckConstraint)}
    with db.engine.connect() as conn:
        inspector = inspect(conn)
        stored = {(t, c["name"]) for t in inspector.get_table_names() if t != "alembic_version"
                  for c in inspector.get_check_constraints(t)}
    assert stored == expected


def test_revisions_are_alembics_chain():
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    chain = [s.revision for s in scripts.walk_revisions()][::-1]
    assert tuple(chain) == schema.REVISIONS
