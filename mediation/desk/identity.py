"""Who acts: established from the connection, not claimed (docs/design.md §8).

The person at a desk is the database login: on PostgreSQL the role the desk
connects as (``current_user``), on a SQLite file the operating-system user
the program runs as (its effective uid; never ``$USER``, which anyone can
set). ``staff.login`` maps it to one member of staff. ``--operator`` may
then be omitted; given, it must name that member. A supervisor entering a
paper record for another member (``--on-behalf-of ID``) acts as that member
(whose role must allow the act) and is recorded as ``entered_by``.

:func:`identify` runs at the edges (the CLI, the HTTP service); the desk's
use cases take the established staff id (and ``entered_by``) as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from mediation.desk.staff import SUPERVISOR, get_member, member_by_login, staff_ids
from mediation.errors import NotFound, PermissionDenied
from mediation.store.access import current_login
from mediation.text import nearest, quoted

ON_BEHALF_ENV = "MEDIATION_ON_BEHALF_OF"


@dataclass(frozen=True, slots=True)
class Acting:
    """Who an act is recorded for (``operator``), who entered it if someone else did, and the login."""

    operator: str
    entered_by: str | None
    login: str


def identify(db, claimed_operator: str | None = None, on_behalf_of: str | None = None) -> Acting:
    """The member of staff acting through ``db``'s connection, as :class:`Acting`.

    Raises :class:`PermissionDenied` for a login that is not active staff (saying
    how a supervisor adds it), for a ``claimed_operator`` that is not the login's
    member, and for ``on_behalf_of`` asked by anyone but a supervisor;
    :class:`NotFound` for an unknown ``on_behalf_of``.
    """
    with db.read() as conn:
        login = current_login(conn)
        me = member_by_login(conn, login)
        if me is None:
            raise PermissionDenied(
                f"login {quoted(login)} is not staff of this database: a supervisor adds it with "
                f"`mediation staff add ID --name NAME --role ROLE --login {login}` "
                f"(or gives an existing member it: `mediation staff set ID --login {login}`)",
                login=login, why="not_staff")
        if not me.active:
            raise PermissionDenied(f"login {quoted(login)} is staff member {me.id}, no longer active: "
                                   f"a supervisor reactivates them with `mediation staff set {me.id} --active`",
                                   who=me.id, role=me.role, login=login, action="act", why="inactive")
        if claimed_operator and claimed_operator != me.id:
            raise PermissionDenied(
                f"--operator {claimed_operator} is not who you are: login {quoted(login)} is staff member "
                f"{me.id}" + (" (a supervisor enters another's record with --on-behalf-of ID)"
                             if me.role == SUPERVISOR else ""),
                who=me.id, role=me.role, login=login, other=claimed_operator, why="not_you")
        if not on_behalf_of or on_behalf_of == me.id:
            return Acting(me.id, None, login)
        if me.role != SUPERVISOR:
            raise PermissionDenied(f"{me.id} ({me.role}) may not act on behalf of {on_behalf_of}: "
                                   "only supervisors may", who=me.id, role=me.role, action="on_behalf_of",
                                   other=on_behalf_of, may=("supervisor",), why="role")
        other = get_member(conn, on_behalf_of)
        if other is None:
            near = nearest(on_behalf_of, staff_ids(conn))
            raise NotFound(f"unknown operator {quoted(on_behalf_of)} (--on-behalf-of)", what="operator",
                           key=on_behalf_of, near=near,
                           hint=f"did you mean {near!r}?" if near else "mediation staff list shows the staff")
        if not other.active:
            raise PermissionDenied(f"{other.id} is no longer active staff: nobody may act on their behalf",
                                   who=other.id, role=other.role, action="on_behalf_of", why="inactive")
        return Acting(other.id, me.id, login)
