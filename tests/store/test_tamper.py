"""Issue 11, point 2: no form of INSERT rewrites an event, on SQLite or PostgreSQL.

SQLite fires no DELETE trigger when ``REPLACE INTO`` or ``INSERT OR REPLACE``
overwrites a row, so migration 0002's triggers let the attack of issue 11
through (``REPLACE INTO events ... SELECT ... 'TAMPERED' ... WHERE id=1``).
Migration 0004's ``BEFORE INSERT`` trigger refuses any insert over an existing
event (its id or its (case_no, seq)). PostgreSQL has no REPLACE; its
``ON CONFLICT DO UPDATE`` and ``MERGE`` run 0002's UPDATE trigger. Each attack
is run through the program's connection and through a plain driver
connection, and must leave every row as it was.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from mediation.store import schema
from mediation.store.url import sqlite_path
from tests.store.test_integrity import moved, snapshot

COLUMNS = "id, case_no, seq, at, operator, trigger, from_state, to_state, destination, rule, rules_digest, " \
          "reason, details"
#: The columns of event 1 with its reason rewritten (the issue's attack), as a SELECT list.
TAMPERED = COLUMNS.replace("reason", "'TAMPERED'")
#: The same, under a new id: a REPLACE keyed on (case_no, seq) instead of the id.
TAMPERED_NEW_ID = TAMPERED.replace("id,", "1000,", 1)

SQLITE_ATTACKS = {
    "REPLACE INTO": f"REPLACE INTO events ({COLUMNS}) SELECT {TAMPERED} FROM events WHERE id = 1",
    "INSERT OR REPLACE": f"INSERT OR REPLACE INTO events ({COLUMNS}) SELECT {TAMPERED} FROM events WHERE id = 1",
    "REPLACE on (case_no, seq)": f"REPLACE INTO events ({COLUMNS}) SELECT {TAMPERED_NEW_ID} FROM events "
                                 "WHERE id = 1",
    "UPSERT on id": f"INSERT INTO events ({COLUMNS}) SELECT {COLUMNS} FROM events WHERE id = 1 "
                    "ON CONFLICT (id) DO UPDATE SET reason = 'TAMPERED'",
    "UPSERT on (case_no, seq)": f"INSERT INTO events ({COLUMNS}) SELECT {TAMPERED_NEW_ID} FROM events "
                                "WHERE id = 1 ON CONFLICT (case_no, seq) DO UPDATE SET reason = 'TAMPERED'",
    "UPSERT on any conflict": f"INSERT INTO events ({COLUMNS}) SELECT {COLUMNS} FROM events WHERE true "
                              "ON CONFLICT DO UPDATE SET reason = 'TAMPERED'",
    "INSERT OR IGNORE over events": f"INSERT OR IGNORE INTO events ({COLUMNS}) SELECT {TAMPERED} FROM events",
}
PG_ATTACKS = {
    "UPSERT on id": f"INSERT INTO events ({COLUMNS}) SELECT {COLUMNS} FROM events WHERE id = 1 "
                    "ON CONFLICT (id) DO UPDATE SET reason = 'TAMPERED'",
    "UPSERT on (case_no, seq)": f"INSERT INTO events ({COLUMNS}) SELECT {TAMPERED_NEW_ID} FROM events "
                                "WHERE id = 1 ON CONFLICT (case_no, seq) DO UPDATE SET reason = 'TAMPERED'",
    "UPSERT on the constraint": f"INSERT INTO events ({COLUMNS}) SELECT {COLUMNS} FROM events WHERE id = 1 "
                                "ON CONFLICT ON CONSTRAINT pk_events DO UPDATE SET reason = excluded.reason || 'X'",
    "MERGE": "MERGE INTO events e USING (SELECT 1 AS id) s ON e.id = s.id "
             "WHEN MATCHED THEN UPDATE SET reason = 'TAMPERED'",
    "MERGE DELETE": "MERGE INTO events e USING (SELECT 1 AS id) s ON e.id = s.id WHEN MATCHED THEN DELETE",
}


def _attacks(db) -> dict[str, str]:
    return SQLITE_ATTACKS if db.sqlite else PG_ATTACKS


@pytest.fixture
def case_with_events(db, rules):
    no = moved(db, rules)
    with db.read() as conn:
        assert conn.execute(select(schema.events.c.id).where(schema.events.c.seq == 1)).scalar() == 1
    return no


@pytest.mark.parametrize("attack", sorted({*SQLITE_ATTACKS, *PG_ATTACKS}))
def test_no_insert_rewrites_an_event(db, case_with_events, attack):
    if attack not in _attacks(db):
        pytest.skip(f"{attack}: not a statement of this database")
    sql = _attacks(db)[attack]
    if attack.startswith("MERGE") and not db.sqlite:
        with db.read() as conn:
            if conn.exec_driver_sql("SHOW server_version_num").scalar() < "150000":
                pytest.skip("MERGE needs PostgreSQL 15")
    before = snapshot(db)
    with pytest.raises(DBAPIError, match=schema.EVENTS_INSERT_ONLY), db.write() as conn:
        conn.exec_driver_sql(sql)
    assert snapshot(db) == before


@pytest.mark.parametrize("attack", sorted(SQLITE_ATTACKS))
def test_a_plain_sqlite_connection_cannot_replace_an_event_either(db, case_with_events, attack):
    if not db.sqlite:
        pytest.skip("SQLite only")
    before = snapshot(db)
    plain = sqlite3.connect(sqlite_path(db.url))
    try:
        with pytest.raises(sqlite3.IntegrityError, match=schema.EVENTS_INSERT_ONLY):
            plain.execute(SQLITE_ATTACKS[attack])
        plain.rollback()
        plain.execute("PRAGMA recursive_triggers = ON")  # no setting lets it through
        with pytest.raises(sqlite3.IntegrityError, match=schema.EVENTS_INSERT_ONLY):
            plain.execute(SQLITE_ATTACKS[attack])
        plain.rollback()
    finally:
        plain.close()
    assert snapshot(db) == before


def test_appending_events_still_works(db, rules, case_with_events):
    from mediation import desk
    from tests.store.test_integrity import AT

    rec = desk.take(db, rules, case_with_events, operator="med_medical", at=AT)
    assert [e["seq"] for e in rec.events] == [1, 2, 3, 4]
