"""Shared fixtures.

- ``rules``: the shipped rule set, loaded once per session.
- ``db_url``: a fresh, empty database URL, parametrised over SQLite (a file in
  the test's temp dir) and PostgreSQL (``$MEDIATION_TEST_PG``, else a server
  found at :data:`PG_LOCAL`; with neither, the PostgreSQL tests are deselected
  and the terminal summary says so once). Each PostgreSQL test gets a
  schema of its own (``options=-csearch_path=...`` in the URL), dropped after.
- ``db``: a :class:`~mediation.store.database.Database` at ``db_url``, migrated
  to the head revision.
- ``pg_url``: like ``db_url`` but PostgreSQL only.

Hypothesis runs by profile (``HYPOTHESIS_PROFILE``): ``ci`` (the default),
``dev`` (a tenth of the examples, for a quick run while working) and
``thorough`` (ten times as many). A property test names its weight
(:func:`tests.support.examples`), never a number of examples.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support import pg_schema_url

#: Examples a property test of weight "normal" tries, by profile (see tests.support.examples).
PROFILES = {"ci": 300, "dev": 30, "thorough": 3000}
for _name, _examples in PROFILES.items():
    settings.register_profile(_name, max_examples=_examples, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parents[1]
# Commands the tests run as processes run in their own (python -m mediation does anyway); the
# command server is tested by tests/launch, which turns it on for its own temporary folders.
os.environ["MEDIATION_SERVER"] = "off"
PG_ENV = "MEDIATION_TEST_PG"
#: Where the PostgreSQL tests look when MEDIATION_TEST_PG is unset (set it empty to run none).
PG_LOCAL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_SKIP = f"PostgreSQL tests need {PG_ENV}, e.g. {PG_LOCAL}"

#: The lint fixtures are rule sets the tests load; their rule tests are run by tests/rules, not collected.
collect_ignore_glob = ["rules/lint_sets/*"]


def _reachable(url: str) -> bool:
    """True when a PostgreSQL server answers at ``url`` within a second."""
    try:
        import psycopg
    except ImportError:
        return False
    try:
        psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), connect_timeout=1).close()
    except Exception:
        return False
    return True


_PG: dict[str, str | None] = {}


def pg_base() -> str | None:
    """The PostgreSQL URL the tests use: MEDIATION_TEST_PG, else a local server that answers, else None."""
    if "url" not in _PG:
        env = os.environ.get(PG_ENV)
        _PG["url"] = (env or None) if env is not None else (PG_LOCAL if _reachable(PG_LOCAL) else None)
    return _PG["url"]


def _needs_pg(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("db_url") == "postgresql":
        return True
    return bool({"pg_url", "pg_db_url"} & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a PostgreSQL server, its tests are deselected (one line in the summary, not one per test)."""
    if pg_base() is not None:
        return
    dropped = [item for item in items if _needs_pg(item)]
    if dropped:
        items[:] = [item for item in items if not _needs_pg(item)]
        config.hook.pytest_deselected(items=dropped)
        _PG["deselected"] = str(len(dropped))


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if _PG.get("deselected"):
        terminalreporter.write_line(
            f"{_PG['deselected']} PostgreSQL tests not run: {PG_ENV} is unset (or empty) and no server answered at "
            f"{PG_LOCAL}")


#: The years chinesecalendar knew when these tests were written. A newer release
#: that knows 2027 must not change what the tests of "an unknown year" see.
CALENDAR_YEARS_AS_WRITTEN = frozenset(range(2004, 2027))


@pytest.fixture(autouse=True)
def calendar_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    import mediation.deadlines.calendar as calendar

    monkeypatch.setattr(calendar, "PACKAGE_YEARS", calendar.PACKAGE_YEARS & CALENDAR_YEARS_AS_WRITTEN)


@pytest.fixture(autouse=True, scope="session")
def rules_cache_of_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # The cache of loaded rule sets (mediation.rules.cache) goes to a temp dir, not
    # the user's ~/.cache; commands run as subprocesses inherit it.
    before = os.environ.get("MEDIATION_CACHE")
    os.environ["MEDIATION_CACHE"] = str(tmp_path_factory.mktemp("rules-cache"))
    yield
    if before is None:
        os.environ.pop("MEDIATION_CACHE", None)
    else:
        os.environ["MEDIATION_CACHE"] = before
@pytest.fixture
def in_tmp_path(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test in its temp dir: a replay's default rejects file goes to the current directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def rules():
    from mediation.rules import load_rules

    return load_rules(ROOT / "rules")




@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mediation.db'}"
        return
    base = pg_base()
    if not base:
        pytest.skip(PG_SKIP)
    yield from pg_schema_url(base)


@pytest.fixture
def pg_url() -> Iterator[str]:
    base = pg_base()
    if not base:
        pytest.skip(PG_SKIP)
    yield from pg_schema_url(base)


def migrated(url: str):
    """A database at ``url``, created or upgraded to the head revision, its staff seeded from the
    shipped rules as ``mediation init`` does (whoever runs the tests is sup01's login)."""
    from mediation.desk.staff import set_up
    from mediation.rules import load_rules
    from mediation.store.database import open_database
    from mediation.store.migrate import upgrade

    database = open_database(url, check=False, create=True)
    upgrade(database)
    set_up(database, load_rules(ROOT / "rules"))
    return database


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to the head revision once per session, copied by :func:`db`."""
    import sqlite3

    path = tmp_path_factory.mktemp("template") / "mediation.db"
    migrated(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as conn:  # everything into the main file: the copy needs no -wal file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def db(db_url, sqlite_template):
    """A database at ``db_url`` at the head revision (SQLite: a copy of the session's migrated template)."""
    from mediation.store.database import open_database

    if db_url.startswith("sqlite:///"):
        shutil.copyfile(sqlite_template, db_url.removeprefix("sqlite:///"))
        database = open_database(db_url)
    else:
        database = migrated(db_url)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def sqlite_history_template(tmp_path_factory, sqlite_template, rules) -> Path:
    """The migrated template with the example history of 2020 loaded (1847 cases), once per session."""
    import sqlite3

    from mediation.store.database import open_database
    from tests.support import load_history

    path = tmp_path_factory.mktemp("history") / "mediation.db"
    shutil.copyfile(sqlite_template, path)
    database = open_database(f"sqlite:///{path}")
    assert load_history(database, rules) == 1847
    database.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def history_db(db_url, sqlite_history_template, rules):
    """A database holding the example history of 2020 (SQLite: a copy of the session's template)."""
    from mediation.store.database import open_database
    from tests.support import load_history

    if db_url.startswith("sqlite:///"):
        shutil.copyfile(sqlite_history_template, db_url.removeprefix("sqlite:///"))
        database = open_database(db_url)
    else:
        database = migrated(db_url)
        assert load_history(database, rules) == 1847
    yield database
    database.dispose()
