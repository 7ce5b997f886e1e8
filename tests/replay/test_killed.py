"""A persisted replay killed part-way (a real SIGKILL) and run again stores every case exactly once."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from mediation.cli import cli
from mediation.replay.persisted import persist
from mediation.store.schema import cases
from tests.conftest import migrated
from tests.crash_support import database_problems, run_killed, table_rows, traced_cli

#: A guarantee test: run by the full suite, left out by `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT / "examples" / "history-2020.csv"
RULES = str(ROOT / "rules")
BATCH = 50  # small batches, so that a kill lands in the middle of the file


@pytest.fixture(scope="module")
def reference(tmp_path_factory, rules):
    """Every row of a database the example history was replayed into in one go (ids left out)."""
    directory = tmp_path_factory.mktemp("reference")
    history = shutil.copy(HISTORY, directory / HISTORY.name)
    db = migrated(f"sqlite:///{directory / 'reference.db'}")
    try:
        persist(history, rules, db, operator="sup01")
        return _without_ids(table_rows(db))
    finally:
        db.dispose()


def _without_ids(rows: dict[str, list[dict]]) -> dict[str, list]:
    """The rows without their ids, and without the replay digests' values (each database has its own key)."""
    out = {}
    for table, items in rows.items():
        stripped = [{k: _unkeyed(v) if k == "details" else v for k, v in r.items() if k != "id"} for r in items]
        out[table] = sorted(stripped, key=lambda r: tuple(str(v) for v in r.values()))
    return out


def _unkeyed(details):
    replay = details.get("replay") if isinstance(details, dict) else None
    if not isinstance(replay, dict):
        return details
    return {**details, "replay": {**replay, "content": replay["content"][:len("keyed:")]}}


def _cases(db) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(cases)).scalar_one()


@pytest.mark.parametrize("seed", [1, 2, 3, 7])  # kill points 37, 27, 50, 61 (of about 82 on PostgreSQL)
def test_killed_mid_file_then_run_again(db, db_url, tmp_path, reference, seed):
    history = shutil.copy(HISTORY, tmp_path / HISTORY.name)
    # the rejects named: a killed run's temporary rejects file stays in the test's directory
    args = ["replay", str(history), "--db", db_url, "--operator", "sup01", "--batch", str(BATCH), "--rules", RULES,
            "--rejects", str(tmp_path / "rejects.csv")]
    # A statement or commit after the first batches, before the last (37 batches of 50); the
    # first 8 or so are who acts (the login's staff member, then the importer's role).
    kill_at = random.Random(seed).randint(20, 108)
    killed = run_killed(traced_cli(args), kill_at=kill_at)
    assert killed.killed, (killed.returncode, killed.stderr)
    where = f"killed before {killed.died_before} (trace point {kill_at})"
    assert database_problems(db) == [], where
    stored = _cases(db)
    assert 0 < stored < 1847 and stored % BATCH == 0, (stored, where)  # whole batches only
    assert list(tmp_path.glob(".*.tmp")), where  # what the killed run left (its rejects file)

    again = CliRunner().invoke(cli, [*args, "--json"])
    assert again.exit_code == 0, again.output
    summary = json.loads(again.output)
    assert summary["read"] == summary["routed"] == 1847
    assert (summary["database"]["stored"], summary["database"]["already_present"],
            summary["database"]["refused"]) == (1847 - stored, stored, 0), where
    assert database_problems(db) == [], where
    assert _cases(db) == 1847
    assert _without_ids(table_rows(db)) == reference, where
    assert not list(tmp_path.glob(".*.tmp")), where  # cleaned up by the next run
