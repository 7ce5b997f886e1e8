"""Schema migrations with Alembic (imported only here: it is slow to import).

The migration scripts ship inside the package (``mediation/store/migrations``);
no ``alembic.ini`` is needed at run time. For writing a new revision by hand:
``alembic -c mediation/store/migrations/alembic.ini revision -m "..."``, then add
its id to :data:`mediation.store.schema.REVISIONS` and make it the
:data:`~mediation.store.schema.HEAD_REVISION`.
"""

from __future__ import annotations

from pathlib import Path

from mediation.store.database import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str):
    """An Alembic ``Config`` for the shipped migrations and ``url``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(db: Database, revision: str = "head") -> tuple[str | None, str]:
    """Upgrade ``db`` to ``revision``; return (revision before, revision after)."""
    from alembic import command

    before = db.revision()
    config = alembic_config(db.url)
    with db.engine.connect() as conn:
        conn.execution_options(mediation_write=True)
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.commit()
    return before, db.revision()
