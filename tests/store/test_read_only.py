"""Issue 11: a SQLite database on a read-only file system (or a file this user cannot write)
can still be read: ``case show``, ``case list``, ``queue`` and ``report`` work; a write is
one line (``attempt to write a readonly database``), exit 1.

In WAL mode SQLite reads through the ``-wal`` and ``-shm`` files, which cannot be created
there: such a file is opened ``mode=ro`` (``immutable`` when no writer has it open).
As root the read-only file system is a bind mount remounted read-only in a mount
namespace of the command's own (``unshare -m``); as another user, the file and its
directory lose their write permission.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mediation import desk
from mediation.store.database import IMMUTABLE, READ_ONLY, sqlite_read_only
from mediation.store.url import sqlite_path

ROOT = Path(__file__).resolve().parents[2]
AT = "2020-06-01T10:00"
CASE = {"form": "口头", "category": "邻里", "street": "东街道", "summary": "只读（合成示例）"}


def _unshare_works() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


def run_read_only(directory: Path, *args: str) -> subprocess.CompletedProcess:
    """``mediation ARGS`` with ``directory`` read-only (see the module doc)."""
    env = dict(os.environ, MEDIATION_ON_BEHALF_OF="clerk01")
    env.pop("MEDIATION_DEBUG", None)
    command = shlex.join([sys.executable, "-m", "mediation", *args])
    d = shlex.quote(str(directory))
    if os.geteuid() == 0:
        script = f"mount --bind {d} {d} && mount -o remount,bind,ro {d} && exec {command}"
        argv = ["unshare", "-m", "sh", "-c", script]
    else:
        argv = ["sh", "-c", f"exec {command}"]
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


@pytest.fixture
def read_only_db(tmp_path, rules):
    if os.geteuid() == 0 and not _unshare_works():
        pytest.skip("as root, needs `unshare -m` to make a read-only file system")
    from tests.conftest import migrated

    directory = tmp_path / "ro"
    directory.mkdir()
    db = migrated(f"sqlite:///{directory / 'mediation.db'}")
    no = desk.register(db, rules, CASE, operator="clerk01", at=None).case_no
    db.dispose()  # the last connection closed: no -wal, no -shm
    path = sqlite_path(db.url)
    if os.geteuid() != 0:
        path.chmod(0o444)
        directory.chmod(0o555)
    yield directory, path, no
    directory.chmod(0o755)
    path.chmod(0o644)


def test_read_only_commands_read_a_database_that_cannot_be_written(read_only_db):
    directory, path, no = read_only_db
    db = ["--db", str(path)]
    for args in (["case", "show", no, "--json"], ["case", "list"], ["queue", "room.general"],
                 ["report", "--json"]):
        result = run_read_only(directory, *args, *db)
        assert result.returncode == 0, (args, result.stderr)
    shown = run_read_only(directory, "case", "show", no, *db)
    assert no in shown.stdout
    write = run_read_only(directory, "case", "review", no, *db)
    assert write.returncode == 1 and write.stderr.count("\n") == 1
    assert "attempt to write a readonly database" in write.stderr
    assert sorted(p.name for p in directory.iterdir()) == ["mediation.db"]  # nothing created beside it


def test_how_a_file_is_opened(tmp_path, monkeypatch):
    path = tmp_path / "m.db"
    path.write_bytes(b"")
    assert sqlite_read_only(path) is None
    monkeypatch.setattr(os, "access", lambda p, mode: False)
    assert sqlite_read_only(path) == IMMUTABLE
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"m.db{suffix}").write_bytes(b"")
    assert sqlite_read_only(path) == READ_ONLY


def test_init_cannot_upgrade_a_read_only_database_and_says_so_in_one_line(tmp_path):
    if os.geteuid() == 0 and not _unshare_works():
        pytest.skip("as root, needs `unshare -m` to make a read-only file system")
    from mediation.store.database import open_database
    from mediation.store.migrate import upgrade

    directory = tmp_path / "ro"
    directory.mkdir()
    path = directory / "mediation.db"
    db = open_database(str(path), check=False, create=True)
    upgrade(db, "0002")
    db.dispose()
    if os.geteuid() != 0:
        path.chmod(0o444)
        directory.chmod(0o555)
    try:
        result = run_read_only(directory, "init", "--db", str(path))
    finally:
        directory.chmod(0o755)
        path.chmod(0o644)
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    assert "attempt to write a readonly database" in result.stderr and "internal error" not in result.stderr
