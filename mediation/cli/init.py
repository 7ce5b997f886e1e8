"""``mediation init``: create the database or upgrade its schema to this program's."""

from __future__ import annotations

import click

from mediation.cli.options import db_option
from mediation.store.database import open_database
from mediation.store.migrate import upgrade
from mediation.store.url import display_name


@click.command()
@db_option
def init(db: str | None) -> None:
    """Create the database, or upgrade it to this program's schema (Alembic migrations).

    Safe to run again: an up-to-date database is left as it is. A SQLite file
    is created if it does not exist; a PostgreSQL database must exist already.
    """
    database = open_database(db, check=False, create=True)
    try:
        before, after = upgrade(database)
    finally:
        database.dispose()
    where = display_name(db)
    if before == after:
        click.echo(f"database {where} is up to date (schema {after})")
    elif before is None:
        click.echo(f"database {where} created (schema {after})")
    else:
        click.echo(f"database {where} upgraded from schema {before} to {after}")
