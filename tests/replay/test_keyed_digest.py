"""Issue 11, point 3: the digest a replayed case stores (and ``case show --json`` prints) is keyed.

It covers the parties' names, ID numbers and phones (a rerun tells the same
row from another with the same number by it). Unkeyed, knowing a name, the
masked phone ``139****8941`` was recovered in 5,732 guesses. Keyed with the
database's secret (created by migration 0004, never printed), the printed
digest is not the unkeyed one and cannot be recomputed without the key;
a rerun still stores nothing new; a database replayed into before 0004 keeps
its unkeyed digests (events are never rewritten), recognises them on a rerun,
and shows them to nobody.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from mediation.cli import cli
from mediation.desk.staff import set_up
from mediation.replay.persisted import DIFFERENT, persist
from mediation.replay.pipeline import open_cases
from mediation.replay.plan import content_digest, unkeyed_digest
from mediation.store.database import open_database
from mediation.store.keys import (
    HIDDEN,
    KEYED,
    REPLAY_DIGEST_KEY,
    UNKEYED_DIGESTS,
    ReplayKeys,
    replay_keys,
)
from mediation.store.migrate import upgrade
from mediation.store.schema import secrets
from tests.replay.test_persisted import COLUMNS, row, write_csv
from tests.support import replay_rows

NOW = datetime(2026, 11, 27, 12, 0)
NAME, PHONE = "测试乙", "13912348941"  # synthetic
PEOPLE = (*COLUMNS, "applicant_name", "applicant_phone")


def history_file(tmp_path: Path, phone: str = PHONE) -> Path:
    return write_csv(tmp_path / "h.csv", [row(1, applicant_name=NAME, applicant_phone=phone)], PEOPLE)


def routed(path: Path, rules):
    table = open_cases(path, rules)
    try:
        (only,) = replay_rows(table, rules, now=NOW)
    finally:
        table.close()
    return only.case, only.history


def show(db_url: str, *args: str):
    result = CliRunner().invoke(cli, ["case", "show", "XS-2020-00001", "--json", *args],
                                env={"MEDIATION_DB": db_url, "MEDIATION_OPERATOR": "sup01"})
    assert result.exit_code == 0, result.output
    return result.stdout


def guesses(case, history, digest, key: bytes | None):
    """The issue's attack: every phone 139****8941 for a known name, checked against ``digest``."""
    found = []
    for middle in range(10_000):
        phone = f"139{middle:04d}8941"
        guess = replace(case, applicants=(replace(case.applicants[0], phone=phone),))
        mine = unkeyed_digest(guess, history) if key is None else content_digest(guess, history, key)
        if mine == digest:
            found.append(phone)
    return found


def test_the_printed_digest_is_keyed_and_gives_the_masked_phone_nothing(db, rules, tmp_path):
    path = history_file(tmp_path)
    assert persist(path, rules, db, operator="sup01", now=NOW).stored.stored == 1
    out = show(db.url)
    shown = json.loads(out)["events"][0]["details"]["replay"]["content"]
    assert shown.startswith(KEYED) and "139****8941" in out and PHONE not in out
    case, history = routed(path, rules)
    unkeyed = unkeyed_digest(case, history)
    assert shown != unkeyed and unkeyed not in out
    # the attack finds the phone from an unkeyed digest (so it would catch a regression) ...
    assert guesses(case, history, unkeyed, None) == [PHONE]
    # ... and nothing from the printed one, unkeyed or with any key but the database's
    assert guesses(case, history, shown, None) == []
    assert guesses(case, history, shown, os.urandom(32)) == []
    with db.read() as conn:
        key = replay_keys(conn).key
    assert content_digest(case, history, key) == shown  # only the key recomputes it
    assert key.hex() not in out and key.hex() not in repr(ReplayKeys(key, False))


def test_each_database_has_its_own_random_key(tmp_path):
    keys = []
    for name in ("a.db", "b.db"):
        database = open_database(f"sqlite:///{tmp_path / name}", check=False, create=True)
        upgrade(database)
        with database.read() as conn:
            keys.append(replay_keys(conn).key)
        database.dispose()
    assert len(keys[0]) == 32 and keys[0] != keys[1]


def test_a_rerun_stores_nothing_new_and_a_changed_row_is_a_conflict(db, rules, tmp_path):
    path = history_file(tmp_path)
    persist(path, rules, db, operator="sup01", now=NOW)
    again = persist(path, rules, db, operator="sup01", now=NOW).stored
    assert (again.stored, again.present, again.conflicts) == (0, 1, 0)
    (tmp_path / "changed").mkdir()
    changed = history_file(tmp_path / "changed", phone="13912340000")
    other = persist(changed, rules, db, operator="sup01", now=NOW,
                    rejects=tmp_path / "rejects.csv").stored
    assert (other.stored, other.present, other.conflicts) == (0, 0, 1)
    assert DIFFERENT in (tmp_path / "rejects.csv").read_text(encoding="utf-8")


def test_a_database_replayed_into_before_0004_keeps_its_digests_hidden_and_recognised(
        db_url, rules, tmp_path, monkeypatch):
    path = history_file(tmp_path)
    database = open_database(db_url, check=False, create=True)
    try:
        upgrade(database, "0003")
        # the replay of before 0004: the same digest, unkeyed (there was no key to read)
        with monkeypatch.context() as m:
            m.setattr("mediation.replay.persisted.replay_keys", lambda conn: ReplayKeys(b"", False))
            # staff came later (0005): the supervisor of before, as the rule set named them
            m.setattr("mediation.replay.persisted.importer", lambda conn, operator_id: rules.staff[operator_id])
            m.setattr("mediation.replay.plan.content_digest", lambda case, history, key: unkeyed_digest(
                case, history))
            persist(path, rules, database, operator="sup01", now=NOW)
        upgrade(database)
        set_up(database, rules)  # the staff, as init seeds them
        with database.read() as conn:
            names = set(conn.execute(select(secrets.c.name)).scalars())
        assert names == {REPLAY_DIGEST_KEY, UNKEYED_DIGESTS}
        out = json.loads(show(db_url))
        assert out["events"][0]["details"]["replay"]["content"] == HIDDEN
        case, history = routed(path, rules)
        assert unkeyed_digest(case, history) not in json.dumps(out)
        again = persist(path, rules, database, operator="sup01", now=NOW).stored
        assert (again.stored, again.present, again.conflicts) == (0, 1, 0)
    finally:
        database.dispose()


def test_a_missing_key_is_one_line(db, rules, tmp_path):
    with db.write() as conn:
        conn.execute(secrets.delete())
    result = CliRunner().invoke(cli, ["replay", str(history_file(tmp_path)), "--db", db.url,
                                      "--operator", "sup01"])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert "has no replay_digest_key" in result.stderr and "internal error" not in result.stderr
