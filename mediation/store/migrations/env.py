"""Alembic environment: runs on the connection :mod:`mediation.store.migrate` hands over.

Run from the ``alembic`` command line instead, it opens ``sqlalchemy.url`` with
this project's engine settings (WAL and foreign keys on SQLite).
"""

from __future__ import annotations

from alembic import context

from mediation.store.schema import metadata

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif config.attributes.get("connection") is not None:
    _run(config.attributes["connection"])
else:
    from mediation.store.database import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        conn.execution_options(mediation_write=True)
        _run(conn)
        conn.commit()
    engine.dispose()
