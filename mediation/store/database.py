"""The engine, transactions and the schema check.

:func:`open_database` gives a :class:`Database`: ``db.write()`` and ``db.read()``
are context managers yielding a connection inside one transaction, committed
when the block ends normally and rolled back on any error.

SQLite: every connection uses WAL (readers never block the writer), has
foreign keys on and waits for a busy database instead of failing; a write
transaction starts with ``BEGIN IMMEDIATE``, so two clerks' read-modify-write
sequences never interleave. PostgreSQL: READ COMMITTED, with the optimistic
version check on the case row and a row-locked case-number counter.

On both, statement parameters are never shown (``hide_parameters``) and the
result rows SQLAlchemy logs at DEBUG are blanked: they carry personal data,
which must not reach a log or the text of a database error.

Alembic is not imported here (it is slow to import): the schema check reads
``alembic_version`` with plain SQL and compares it with
:data:`~mediation.store.schema.HEAD_REVISION`.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError as SQLDatabaseError
from sqlalchemy.exc import DBAPIError, OperationalError

from mediation.domain import jsonable
from mediation.errors import MediationError
from mediation.store.schema import HEAD_REVISION, REVISIONS
from mediation.store.url import is_sqlite, redact, resolve_url, sqlite_path

#: Seconds a SQLite writer waits for another to finish before giving up.
SQLITE_BUSY_TIMEOUT = 30


class DatabaseError(MediationError):
    """The database is missing, unreachable or at the wrong schema revision.

    For scripts and the desk's words, when known: ``why`` (``not_initialised``, ``older``,
    ``newer``, ``no_directory``, ``corrupt``, ``unusable``, ``foreign_tables``, ``group_role``),
    ``command``, what to run (``mediation init --db ...``), ``where`` (the database, its
    password left out, or the file), ``reason`` (the driver's first line) and ``revision``
    (the database's schema revision, against this program's ``HEAD_REVISION``).
    """

    def __init__(self, message: str, *, why: str | None = None, command: str | None = None,
                 where: str | None = None, reason: str | None = None, revision: str | None = None) -> None:
        super().__init__(message)
        self.why, self.command, self.where, self.reason, self.revision = why, command, where, reason, revision

    def __reduce__(self):  # picklable across worker processes
        return (_rebuild_database_error, (str(self), self.__dict__.copy()))


def _rebuild_database_error(message: str, facts: dict) -> DatabaseError:
    exc = DatabaseError(message)
    exc.__dict__.update(facts)
    return exc


def json_dumps(value: Any) -> str:
    """JSON as stored in ``events.details``: UTF-8 text, dates ISO, decimals as numbers."""
    return json.dumps(value, ensure_ascii=False, default=jsonable, separators=(",", ":"))


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with this project's connection settings (see the module doc)."""
    # Statement parameters and result rows hold personal data (names, ID numbers,
    # phones): keep them out of SQL logging and out of the text of database errors.
    kwargs.setdefault("hide_parameters", True)
    _hide_logged_rows()
    if is_sqlite(url):
        path = sqlite_path(url)
        read_only = sqlite_read_only(path) if path is not None and path.exists() else None
        if read_only is not None:
            # A file this user cannot write (or on a read-only file system): opened read-only,
            # so that reading works; a write fails as "attempt to write a readonly database".
            uri = f"{path.resolve().as_uri()}?mode=ro{'&immutable=1' if read_only == IMMUTABLE else ''}"
            kwargs["creator"] = lambda: sqlite3.connect(uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT,
                                                        check_same_thread=False)
        else:
            kwargs.setdefault("connect_args", {})
            kwargs["connect_args"].setdefault("timeout", SQLITE_BUSY_TIMEOUT)
        engine = create_engine(url, json_serializer=json_dumps, **kwargs)
        event.listen(engine, "connect", _sqlite_connect_read_only if read_only else _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", False)
    return create_engine(url, json_serializer=json_dumps, **kwargs)


class _RowsHidden(logging.Filter):
    """Blanks the result rows SQLAlchemy logs at DEBUG (``Row (...)``): they hold personal data."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("Row "):
            record.msg, record.args = "Row (hidden: rows may hold personal data)", ()
        return True


def _hide_logged_rows() -> None:
    logger = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, _RowsHidden) for f in logger.filters):
        logger.addFilter(_RowsHidden())


def _sqlite_connect(dbapi_connection, _record) -> None:
    # The driver's own transaction handling is off; _sqlite_begin starts them.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT * 1000}")
    cursor.close()


#: How a SQLite file that cannot be written is opened (:func:`sqlite_read_only`).
READ_ONLY, IMMUTABLE = "read-only", "immutable"


def sqlite_read_only(path: Path) -> str | None:
    """How the SQLite file at ``path`` must be opened: None (normally, read-write),
    :data:`READ_ONLY` (``mode=ro``) or :data:`IMMUTABLE` (``mode=ro&immutable=1``).

    A database in WAL mode is read through its ``-wal`` and ``-shm`` files. Where
    this user may write the file and its directory, it is opened normally. Where
    not (a read-only file system, a read-only file or directory): with both files
    present (a writer has it open), ``mode=ro`` reads through them; without them
    (no writer has it open: the last one to close removes them) they cannot be
    created, and SQLite reads such a file only as immutable (no locking, no WAL).
    """
    if os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
        return None
    wal, shm = (path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))
    return READ_ONLY if wal.exists() and shm.exists() else IMMUTABLE


def _sqlite_connect_read_only(dbapi_connection, _record) -> None:
    # No journal_mode: setting it writes. The file is in WAL mode already (mediation init).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT * 1000}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get("mediation_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """A database this program works on. Build it with :func:`open_database`."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self.sqlite = is_sqlite(url)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` on SQLite)."""
        with self.engine.connect() as conn:
            conn.execution_options(mediation_write=True)
            with translated(self.url), conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read-only transaction (a consistent snapshot on SQLite in WAL mode)."""
        with self.engine.connect() as conn, translated(self.url), conn.begin():
            yield conn

    def revision(self) -> str | None:
        """The schema revision stamped in the database, or None if it has none."""
        try:
            with self.engine.connect() as conn:
                try:
                    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
                except DBAPIError as exc:
                    if _is_missing_table(exc):
                        return None
                    raise
                finally:
                    conn.rollback()
        except DBAPIError as exc:
            raise _unreachable(self.url, exc) from None

    def table_names(self) -> list[str]:
        """The tables of the database (of the connection's schema on PostgreSQL)."""
        from sqlalchemy import inspect

        try:
            with self.engine.connect() as conn:
                return inspect(conn).get_table_names()
        except DBAPIError as exc:
            raise _unreachable(self.url, exc) from None

    def check_schema(self) -> None:
        """Raise :class:`DatabaseError` unless the database is at this program's revision."""
        revision = self.revision()
        if revision == HEAD_REVISION:
            return
        if revision is None:
            command = init_command(self.url)
            raise DatabaseError(f"database not initialised: run `{command}` ({redact(self.url)})",
                                why="not_initialised", command=command, where=redact(self.url))
        if revision in REVISIONS:
            command = init_command(self.url)
            raise DatabaseError(f"database schema is older than this program: run `{command}`",
                                why="older", command=command, where=redact(self.url), revision=revision)
        raise newer_schema(revision)

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()


def open_database(db: str | None = None, *, check: bool = True, create: bool = False,
                  **engine_kwargs: Any) -> Database:
    """The database at ``db`` (a path or URL; default ``$MEDIATION_DB`` or ``./mediation.db``).

    With ``check`` (the default) its schema must be at this program's revision.
    A SQLite file that does not exist is created only with ``create`` (``mediation
    init``); otherwise it is reported as not initialised rather than created empty.
    """
    url = resolve_url(db)
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None and not path.exists():
            if not create:
                command = init_command(url)
                raise DatabaseError(f"database not initialised: run `{command}` (no file {path})",
                                    why="not_initialised", command=command, where=str(path))
            if not path.parent.is_dir():
                raise DatabaseError(f"cannot create the database {path}: no directory {path.parent}",
                                    why="no_directory", where=str(path))
    database = Database(url, make_engine(url, **engine_kwargs))
    if check:
        try:
            database.check_schema()
        except BaseException:
            database.dispose()
            raise
    return database


def newer_schema(revision: str) -> DatabaseError:
    """A database whose schema a newer program made: this one must be upgraded, not the database."""
    return DatabaseError(f"database schema (revision {revision}) is newer than this program "
                         f"(revision {HEAD_REVISION}): upgrade mediation", why="newer", revision=revision)


def init_command(url: str) -> str:
    """The ``mediation init`` that sets up the database at ``url``: with ``--db`` unless it is the
    one a bare ``mediation init`` would take (``$MEDIATION_DB`` or ./mediation.db), which a
    bare one would create instead of the database named."""
    try:
        bare = resolve_url(None)
    except MediationError:  # $MEDIATION_DB is itself malformed: name the database outright
        bare = None
    if url == bare:
        return "mediation init"
    path = sqlite_path(url) if is_sqlite(url) else None
    target = str(path) if path is not None else redact(url)
    return f"mediation init --db {shlex.quote(target)}"


def _is_missing_table(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


#: What SQLite says of a damaged file (or of one that is no database at all).
_CORRUPT = ("database disk image is malformed", "file is not a database")


def _unreachable(url: str, exc: DBAPIError) -> DatabaseError:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
    if is_sqlite(url) and any(words in reason for words in _CORRUPT):
        return DatabaseError(f"the database {redact(url)} is corrupt, or not a SQLite database ({reason}): "
                             "restore it from a backup", why="corrupt", where=redact(url), reason=reason)
    return DatabaseError(f"cannot use the database {redact(url)}: {reason}", why="unusable", where=redact(url),
                         reason=reason)


@contextmanager
def translated(url: str) -> Iterator[None]:
    """Turn an unreachable, locked or corrupt database into one clear line."""
    try:
        yield
    except OperationalError as exc:
        raise _unreachable(url, exc) from None
    except SQLDatabaseError as exc:  # a damaged page found by a query: say so, not "internal error"
        if exc.orig is not None and any(words in str(exc.orig) for words in _CORRUPT):
            raise _unreachable(url, exc) from None
        raise
