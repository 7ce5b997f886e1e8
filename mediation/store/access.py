"""Who is connected, and the PostgreSQL group roles with the least grants they need.

docs/design.md §8: on PostgreSQL each desk connects with its own login role,
and ``mediation init`` creates three group roles without login
(:data:`GROUPS`) with the grants a clerk, a mediator and a supervisor need:

- every group: SELECT on everything it reads; INSERT on ``events`` and
  ``audit`` but never UPDATE or DELETE (and the triggers refuse those to
  anyone); UPDATE on ``cases``; USAGE on the sequences;
- clerks and supervisors also INSERT cases, parties, case numbers and
  idempotent requests (``requests``);
- supervisors also INSERT and UPDATE ``staff`` and ``partners`` (and INSERT
  ``partner_changes``).

No group may alter a table: only the schema owner (who ran ``init``) can. A
member's login is made a member of their group by ``mediation staff``
(:func:`grant_group`). Roles are global to a PostgreSQL cluster: the groups
are created once and each database's (schema's) tables granted to them.

On SQLite there are no roles: the operating-system user is who is connected
(:func:`current_login`), and the file's permissions say who may open it.
"""

from __future__ import annotations

import os
import pwd

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from mediation.errors import Refused
from mediation.store.database import DatabaseError

#: staff role -> PostgreSQL group role.
GROUPS = {"clerk": "mediation_clerk", "mediator": "mediation_mediator",
          "supervisor": "mediation_supervisor"}

_ALL = tuple(GROUPS.values())
_DESK = (GROUPS["clerk"], GROUPS["supervisor"])
#: (privileges, tables, groups)
GRANTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("SELECT", "alembic_version, cases, parties, events, case_numbers, staff, audit, partners, "
               "partner_changes, requests", _ALL),
    ("INSERT", "events, audit", _ALL),
    ("UPDATE", "cases", _ALL),
    ("INSERT", "cases, parties, requests", _DESK),
    ("INSERT, UPDATE", "case_numbers", _DESK),
    ("INSERT, UPDATE", "staff, partners", (GROUPS["supervisor"],)),
    ("INSERT", "partner_changes", (GROUPS["supervisor"],)),
)


def os_user() -> str:
    """The operating-system user this process runs as (its effective uid, not ``$USER``)."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid with no name (a container's): the number is still who it is
        return str(uid)


def current_login(conn: Connection) -> str:
    """Who is connected: the PostgreSQL role (``current_user``), or on SQLite the OS user."""
    if conn.dialect.name == "postgresql":
        return conn.exec_driver_sql("SELECT current_user").scalar()
    return os_user()


def ident(name: str) -> str:
    """``name`` quoted as a PostgreSQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def create_groups(conn: Connection) -> None:
    """Create the group roles (once per cluster) and grant them this schema's tables."""
    if conn.dialect.name != "postgresql":
        return
    for group in _ALL:
        try:
            with conn.begin_nested():
                conn.exec_driver_sql(
                    f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{group}') THEN "
                    f"CREATE ROLE {group} NOLOGIN; END IF; "
                    "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
        except DBAPIError as exc:
            raise DatabaseError(
                f"cannot create the group role {group}: {_first_line(exc)} (mediation init needs CREATEROLE, "
                f"or an administrator creates {', '.join(_ALL)} as NOLOGIN roles first)", why="group_role",
                reason=_first_line(exc)) from None
    schema = ident(conn.exec_driver_sql("SELECT current_schema()").scalar())
    everyone = ", ".join(_ALL)
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {schema} TO {everyone}")
    conn.exec_driver_sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {everyone}")
    for privileges, tables, groups in GRANTS:
        conn.exec_driver_sql(f"GRANT {privileges} ON {tables} TO {', '.join(groups)}")


def _role_exists(conn: Connection, login: str) -> bool:
    return conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %(n)s", {"n": login}).first() is not None


def _membership(conn: Connection, sql: str, login: str) -> None:
    try:
        with conn.begin_nested():
            conn.exec_driver_sql(sql)
    except DBAPIError as exc:
        raise Refused(f"cannot change the group of login {login!r}: {_first_line(exc)}",
                      hint="the database owner (who ran mediation init) can", why="login_group", option="--login",
                      value=login, bound=_first_line(exc)) from None


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__


def grant_group(conn: Connection, login: str, role: str) -> bool:
    """Make PostgreSQL role ``login`` a member of the group of ``role``, if it exists; whether it did."""
    if conn.dialect.name != "postgresql" or not _role_exists(conn, login):
        return False
    if conn.exec_driver_sql("SELECT current_user").scalar() == login:
        return False  # the owner seeding itself: it has every right already
    _membership(conn, f"GRANT {GROUPS[role]} TO {ident(login)}", login)
    return True


def revoke_group(conn: Connection, login: str, role: str) -> None:
    """Take PostgreSQL role ``login`` out of the group of ``role`` (no-op elsewhere or if absent)."""
    if conn.dialect.name != "postgresql" or not _role_exists(conn, login):
        return
    if conn.exec_driver_sql("SELECT current_user").scalar() == login:
        return
    _membership(conn, f"REVOKE {GROUPS[role]} FROM {ident(login)}", login)
