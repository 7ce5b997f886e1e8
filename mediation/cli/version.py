"""``mediation --version``: the program, the rule set and the database it would work with.

    mediation 0.1.0
    rules     /srv/mediation/rules  sha256:44300d44...
    database  sqlite:////srv/mediation/mediation.db  schema 0002 (this program: 0002)

The rule set is the one a command would use (``$MEDIATION_RULES``, ``./rules``
or the shipped one), the database ``$MEDIATION_DB`` or ``./mediation.db`` when
that file exists: nothing is created, and what cannot be read is said on its
line (the exit code stays 0). The rules and the database layer are imported
only here, when asked, so that every other command starts without them.
"""

from __future__ import annotations

import importlib

import click

from mediation import __version__
from mediation.errors import MediationError
from mediation.store.url import DB_ENV, is_sqlite, redact, resolve_url, sqlite_path


def rules_line() -> str:
    try:
        locate = importlib.import_module("mediation.rules.locate")
        cache = importlib.import_module("mediation.rules.cache")
        directory = locate.default_rules_dir()
        rules = cache.load_cached(directory)
    except MediationError as exc:
        return f"rules     cannot be loaded: {exc}"
    return f"rules     {directory.resolve()}  {rules.digest}"


def database_line() -> str:
    try:
        url = resolve_url()
    except MediationError as exc:
        return f"database  {exc}"
    shown = redact(url)
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is None or not path.exists():
            return f"database  none found ({shown} does not exist; ${DB_ENV} names another)"
        revision = _sqlite_revision(path)
    else:
        try:
            database = importlib.import_module("mediation.store.database").open_database(url, check=False)
            try:
                revision = database.revision()
            finally:
                database.dispose()
        except MediationError as exc:
            return f"database  {shown}  {exc}"
    head = importlib.import_module("mediation.store.schema").HEAD_REVISION
    return f"database  {shown}  schema {revision or 'none (not initialised)'} (this program: {head})"


def _sqlite_revision(path) -> str | None:
    """The schema revision stamped in a SQLite file, read without SQLAlchemy (and without writing)."""
    import sqlite3  # only here: every command imports this module

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        finally:
            conn.close()
    except (sqlite3.Error, TypeError):
        return None


def version_text() -> str:
    """What ``mediation --version`` prints (see the module's doc)."""
    return "\n".join((f"mediation {__version__}", rules_line(), database_line()))


def show_version(ctx: click.Context, _param, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(version_text())
    ctx.exit()


def version_option(f):
    return click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=show_version,
                        help="Show the version, the rule set's digest and the database's schema, and exit.")(f)
