"""Storage: tables, engine and transactions, case numbers, Alembic migrations.

Modules (import the one you need; this package imports nothing itself, so
that resolving a URL does not pull in SQLAlchemy):

- :mod:`mediation.store.url`: ``--db`` / ``$MEDIATION_DB`` / ``./mediation.db`` -> URL.
- :mod:`mediation.store.schema`: the tables and :data:`~mediation.store.schema.HEAD_REVISION`.
- :mod:`mediation.store.database`: :func:`~mediation.store.database.open_database`,
  ``db.write()`` / ``db.read()`` transactions, the schema check.
- :mod:`mediation.store.numbers`: case numbers ``XS-{year}-{seq:05d}``.
- :mod:`mediation.store.records`: rows <-> :class:`~mediation.domain.Case`,
  the version-checked :func:`~mediation.store.records.append`, bulk inserts.
- :mod:`mediation.store.migrate`: ``upgrade`` to the head revision (imports Alembic).
"""
