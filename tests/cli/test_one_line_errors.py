"""Issue 11: inputs that used to end in ``internal error`` are one line naming what is wrong.

``replay --out ""``, ``case list --page 9223372036854775807``, ``report --year 9999``,
``--encoding rot13`` (hex, base64, idna, punycode), ``init`` on a database of a newer
schema or with this program's tables but no ``alembic_version``, and a corrupted
SQLite file (said to be corrupt).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from mediation.cli import cli
from mediation.store.database import open_database
from mediation.store.url import sqlite_path

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT / "examples" / "history-2020.csv"


def one_line(*args: str, code: int = 2, db: str | None = None) -> str:
    env = {"MEDIATION_OPERATOR": "sup01", **({"MEDIATION_DB": db} if db else {})}
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == code, (result.output, result.stderr)
    assert result.stderr.startswith("mediation: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "internal error" not in result.stderr
    return result.stderr


@pytest.fixture
def history(tmp_path) -> Path:
    return Path(shutil.copy(HISTORY, tmp_path / HISTORY.name))


@pytest.mark.parametrize("option", ["--out", "--rejects"])
def test_an_empty_output_name(history, option):
    assert f"{option} needs a file name" in one_line("replay", str(history), option, "")


@pytest.mark.parametrize("encoding", ["rot13", "hex", "base64", "idna", "punycode", "undefined"])
def test_only_text_encodings(history, encoding):
    assert f"{encoding!r} is not a text encoding of files" in one_line("replay", str(history), "--encoding",
                                                                      encoding)


def test_a_page_beyond_any_list(db):
    err = one_line("case", "list", "--page", "9223372036854775807", db=db.url)
    assert "--page 9223372036854775807 太远" in err


def test_the_last_years_of_the_calendar(db):
    result = CliRunner().invoke(cli, ["report", "--year", "9999", "--json"], env={"MEDIATION_DB": db.url})
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["case", "list", "--to", "9999-12-31"], env={"MEDIATION_DB": db.url})
    assert result.exit_code == 0, result.output


def test_init_on_a_newer_schema(db):
    with db.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    err = one_line("init", code=1, db=db.url)
    assert "数据库的结构（版本 0099）比本程序新：请先升级本程序" in err


def test_init_on_tables_without_a_revision(db):
    with db.write() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    err = one_line("init", code=1, db=db.url)
    assert "已有本程序的表（" in err and "case_numbers, cases, events, " in err and "却没有结构版本" in err
    assert open_database(db.url, check=False).revision() is None  # untouched


def _corrupt(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as f:
        for offset in range(4096, size, 4096):
            f.seek(offset)
            f.write(os.urandom(512))


def test_a_corrupted_sqlite_file_is_said_to_be_corrupt(db, rules, history, tmp_path):
    if not db.sqlite:
        pytest.skip("a SQLite file")
    from mediation.replay.persisted import persist

    persist(history, rules, db, operator="sup01")
    db.dispose()
    path = sqlite_path(db.url)
    plain = sqlite3.connect(path)
    plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything into the main file, which is then damaged
    plain.close()
    _corrupt(path)
    for args in (["report", "--year", "2020"], ["case", "list"], ["init"]):
        err = one_line(*args, code=1, db=db.url)
        if args[0] == "report":  # not a desk command: its English
            assert "is corrupt, or not a SQLite database" in err and "restore it from a backup" in err, args
        else:
            assert "已损坏，或不是本程序的数据库：请从备份恢复" in err, args
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(os.urandom(100))
    assert "已损坏" in one_line("case", "list", code=1, db=str(garbage))
