"""Schema migrations with Alembic (imported only here: it is slow to import).

The migration scripts ship inside the package (``mediation/store/migrations``);
no ``alembic.ini`` is needed at run time. For writing a new revision by hand:
``alembic -c mediation/store/migrations/alembic.ini revision -m "..."``, then add
its id to :data:`mediation.store.schema.REVISIONS` and make it the
:data:`~mediation.store.schema.HEAD_REVISION`.
"""

from __future__ import annotations

from pathlib import Path

from mediation.store.database import Database, DatabaseError, newer_schema, translated
from mediation.store.schema import REVISIONS, metadata
from mediation.store.url import redact

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str):
    """An Alembic ``Config`` for the shipped migrations and ``url``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(db: Database, revision: str = "head") -> tuple[str | None, str]:
    """Upgrade ``db`` to ``revision``; return (revision before, revision after).

    Refused with :class:`DatabaseError` (one line) for a database of a newer
    schema than this program knows, and for one that holds this program's
    tables without a schema revision (``alembic_version`` dropped, or tables
    made by hand): migrating either would fail half-way or guess.
    """
    from alembic import command

    before = db.revision()
    if before is not None and before not in REVISIONS:
        raise newer_schema(before)
    if before is None:
        found = sorted(set(db.table_names()) & {t.name for t in metadata.sorted_tables})
        if found:
            raise DatabaseError(f"the database {redact(db.url)} holds tables ({', '.join(found)}) but no schema "
                                "revision (table alembic_version): it was not made by `mediation init`, or its "
                                "revision was removed; not touching it", why="foreign_tables",
                                where=redact(db.url), reason=", ".join(found))
    config = alembic_config(db.url)
    with translated(db.url), db.engine.connect() as conn:  # read-only, locked, corrupt: one line
        conn.execution_options(mediation_write=True)
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.commit()
    return before, db.revision()
