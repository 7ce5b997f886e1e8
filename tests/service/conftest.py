"""Fixtures of the service's tests: a migrated database, partners, a running server."""

from __future__ import annotations

import shutil

import pytest

from mediation import desk
from tests.conftest import PG_SKIP, migrated, pg_base
from tests.service.server import Server
from tests.support import pg_schema_url


@pytest.fixture(scope="module")
def rules_m():
    from tests.support import shipped_rules

    return shipped_rules()


@pytest.fixture(scope="module")
def sqlite_db_url(tmp_path_factory):
    path = tmp_path_factory.mktemp("service") / "mediation.db"
    url = f"sqlite:///{path}"
    migrated(url).dispose()
    return url


@pytest.fixture(scope="module")
def pg_db_url():
    base = pg_base()  # MEDIATION_TEST_PG, else a local server that answers (tests/conftest.py)
    if not base:
        pytest.skip(PG_SKIP)
    gen = pg_schema_url(base, "service")
    url = next(gen)
    migrated(url).dispose()
    yield url
    gen.close()


def add_partners(url: str, rules, *specs: tuple[str, str]) -> dict[str, str]:
    """Partners (id, department) added by the supervisor sup01; their tokens by id."""
    from mediation.store.database import open_database

    with open_database(url) as db:
        return {pid: desk.add_partner(db, rules, pid, dept, operator="sup01")[1] for pid, dept in specs}


@pytest.fixture(scope="module")
def server(sqlite_db_url, tmp_path_factory):
    s = Server(sqlite_db_url, "--quiet", log=tmp_path_factory.mktemp("log") / "serve.log")
    yield s
    assert s.stop() == 0


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
