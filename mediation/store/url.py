"""Where the database is: a file path or a URL, resolved without importing SQLAlchemy.

``--db`` wins, then ``$MEDIATION_DB``, then ``./mediation.db``. A value with
``://`` is a URL (``sqlite:///PATH``, ``postgresql+psycopg://...``; a bare
``postgresql://`` gets the psycopg 3 driver); anything else is the path of a
SQLite file.
"""

from __future__ import annotations

import os
from pathlib import Path

from mediation.errors import InputError

DB_ENV = "MEDIATION_DB"
DEFAULT_DB = "mediation.db"

_BARE_PG = ("postgresql", "postgres", "postgresql+psycopg")


def resolve_url(db: str | None = None) -> str:
    """The SQLAlchemy URL for ``db`` (or ``$MEDIATION_DB``, or ``./mediation.db``).

    Raises :class:`InputError` for a URL whose database is not SQLite or PostgreSQL.
    """
    value = (db or os.environ.get(DB_ENV) or DEFAULT_DB).strip()
    if "://" not in value:
        return "sqlite:///" + str(Path(value).expanduser().resolve())
    scheme, rest = value.split("://", 1)
    scheme = scheme.lower()
    if scheme in _BARE_PG:
        return "postgresql+psycopg://" + rest
    if scheme in ("sqlite", "sqlite+pysqlite") or scheme.startswith("postgresql+"):
        return f"{scheme}://{rest}"
    raise InputError(
        f"unsupported database URL {redact(value)!r}",
        hint="give a file path, sqlite:///PATH or postgresql+psycopg://USER@HOST/DB",
        why="db_url", value=redact(value),
    )


def display_name(db: str | None = None) -> str:
    """The database as the user named it (``mediation.db``, a redacted URL), for messages."""
    return redact((db or os.environ.get(DB_ENV) or DEFAULT_DB).strip())


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for an in-memory database)."""
    rest = url.split("://", 1)[1]
    path = rest[1:] if rest.startswith("/") else rest
    path = path.split("?", 1)[0]
    if path in ("", ":memory:"):
        return None
    return Path(path)


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages)."""
    if "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, at, host = rest.rpartition("@")
    if not at or ":" not in creds:
        return url
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
