"""Alembic migration environment and scripts (see :mod:`mediation.store.migrate`)."""
