"""``mediation init``: create the database or upgrade its schema to this program's, and seed its staff."""

from __future__ import annotations

from pathlib import Path

import click

from mediation.cli.common import desk_words
from mediation.cli.options import db_option, load, rules_option
from mediation.desk.staff import set_up
from mediation.store.database import open_database
from mediation.store.migrate import upgrade
from mediation.store.url import display_name


@click.command()
@db_option
@rules_option
def init(db: str | None, rules_dir: Path | None) -> None:
    """Create the database, or upgrade it to this program's schema (Alembic migrations).

    Safe to run again: an up-to-date database is left as it is. A SQLite file
    is created if it does not exist; a PostgreSQL database must exist already.

    A database without staff gets those of the rule set's staff.yaml, and
    whoever runs this (the PostgreSQL login, or the operating-system user of a
    SQLite file) becomes the login of its first supervisor. From then on the
    staff change only with `mediation staff`, never with --rules. On
    PostgreSQL it also creates the group roles mediation_clerk,
    mediation_mediator and mediation_supervisor with the grants they need.
    """
    rules = load(rules_dir)
    database = open_database(db, check=False, create=True)
    try:
        before, after = upgrade(database)
        seeded, login = set_up(database, rules)
    finally:
        database.dispose()
    words = desk_words()
    click.echo(words.database_ready(display_name(db), before, after))
    if seeded:
        first = next(m.id for m in rules.staff.values() if m.role == "supervisor")
        click.echo(words.staff_seeded(seeded, login, first))
