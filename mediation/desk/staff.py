"""Who works at the centre: the ``staff`` table, seeded once, then changed by supervisors only.

docs/design.md §8: staff and their roles live in the database, not in a file
the caller can point elsewhere. :func:`seed` copies ``rules/staff.yaml`` into
an empty table when ``mediation init`` creates the database, and gives the
first supervisor the login of whoever ran it; afterwards only :func:`add`,
:func:`update` and :func:`deactivate` change it, each by a supervisor and each
with its row in ``audit`` in the same transaction. A rule set's ``staff``
section is then never read for who may do what.

On PostgreSQL a member's login is also granted the group role of their role
(:mod:`mediation.store.access`) in the same transaction, when that login exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from mediation.clock import now
from mediation.errors import InputError, NotFound, PermissionDenied, Refused
from mediation.store import access
from mediation.store.schema import STAFF_ROLES, audit, staff
from mediation.text import nearest, quoted

SUPERVISOR = "supervisor"
MEDIATOR = "mediator"


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A member of staff as the database knows them."""

    id: str
    name: str
    role: str  # clerk | mediator | supervisor
    destinations: tuple[str, ...] = ()
    login: str | None = None
    active: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role,
                "destinations": list(self.destinations), "login": self.login, "active": self.active}


def _member(row) -> StaffMember:
    return StaffMember(id=row.id, name=row.name, role=row.role, destinations=tuple(row.destinations or ()),
                       login=row.login, active=bool(row.active))


def get_member(conn: Connection, staff_id: str) -> StaffMember | None:
    """The member ``staff_id`` (active or not), or None."""
    row = conn.execute(select(staff).where(staff.c.id == staff_id)).first()
    return _member(row) if row else None


def member_by_login(conn: Connection, login: str) -> StaffMember | None:
    """The member whose login is ``login`` (active or not), or None."""
    row = conn.execute(select(staff).where(staff.c.login == login)).first()
    return _member(row) if row else None


def staff_ids(conn: Connection) -> list[str]:
    return list(conn.execute(select(staff.c.id).order_by(staff.c.id)).scalars())


def list_staff(db, *, include_inactive: bool = True) -> list[StaffMember]:
    """Every member of staff, by id."""
    stmt = select(staff).order_by(staff.c.id)
    if not include_inactive:
        stmt = stmt.where(staff.c.active.is_(True))
    with db.read() as conn:
        return [_member(r) for r in conn.execute(stmt)]


def _audit(conn: Connection, at: datetime, actor: str, action: str, subject: str, detail: Any) -> None:
    conn.execute(insert(audit).values(at=at, actor=actor, action=action, subject=subject, detail=detail))


def _row(member: StaffMember, at: datetime) -> dict:
    return {"id": member.id, "name": member.name, "role": member.role,
            "destinations": list(member.destinations), "login": member.login,
            "active": member.active, "updated_at": at}


def seed(db, rules, *, login: str | None, at: datetime | None = None) -> int:
    """Copy the rule set's staff into an empty ``staff`` table; returns how many (0 if not empty).

    The first supervisor of the file gets ``login`` (whoever creates the database);
    the others get none until a supervisor gives them one (``mediation staff set``).
    """
    at = at or now()
    members = list(rules.staff.values())
    first = next((m.id for m in members if m.role == SUPERVISOR), None)
    if first is None:
        raise InputError("the rule set's staff names no supervisor: the database needs one to start with")
    with db.write() as conn:
        if conn.execute(select(staff.c.id).limit(1)).first() is not None:
            return 0
        for m in members:
            member = StaffMember(id=m.id, name=m.name, role=m.role, destinations=tuple(m.destinations),
                                 login=login if m.id == first else None)
            conn.execute(insert(staff).values(_row(member, at)))
            _audit(conn, at, first, "seed", m.id, member.as_dict())
            if member.login:
                access.grant_group(conn, member.login, member.role)
        return len(members)


def set_up(db, rules, *, at: datetime | None = None) -> tuple[int, str]:
    """What ``mediation init`` does after the migrations: the PostgreSQL group roles and their
    grants (:func:`mediation.store.access.create_groups`), then :func:`seed` with the login of
    whoever runs it as the first supervisor's. Returns (members seeded, that login)."""
    with db.write() as conn:
        access.create_groups(conn)
        login = access.current_login(conn)
    return seed(db, rules, login=login, at=at), login


def _supervisor(conn: Connection, actor: str) -> StaffMember:
    member = get_member(conn, actor)
    if member is None or not member.active:
        raise NotFound(f"unknown operator {quoted(actor)}", what="operator", key=actor,
                       hint="mediation staff list shows the staff")
    if member.role != SUPERVISOR:
        raise PermissionDenied(f"{member.id} ({member.role}) may not change the staff: only supervisors may",
                               who=member.id, role=member.role, places=member.destinations, action="staff",
                               may=("supervisor",), why="role")
    return member


def _checked(rules, member: StaffMember) -> StaffMember:
    if not member.id or not member.id.replace("_", "").replace("-", "").isalnum() or len(member.id) > 40:
        raise InputError(f"staff id {quoted(member.id)}: letters, digits, _ and - only (at most 40)",
                         why="staff_id", value=member.id)
    if not member.name.strip() or len(member.name) > 50:
        raise InputError(f"staff name of {member.id}: 1 to 50 characters", why="staff_name", option="--name",
                         value=member.id)
    if member.role not in STAFF_ROLES:
        raise InputError(f"role {quoted(member.role)}: one of {', '.join(STAFF_ROLES)}", why="staff_role",
                         option="--role", value=member.role, bound=tuple(STAFF_ROLES))
    known = rules.catalogue.destinations
    for d in member.destinations:
        if d not in known:
            raise NotFound(f"unknown destination {quoted(d)} for {member.id}", what="destination", key=d,
                           near=next(iter(rules.catalogue.index["destination"].nearest(d)), None))
    if member.role == MEDIATOR and not member.destinations:
        raise InputError(f"mediator {member.id} needs at least one destination (--destination)",
                         why="needs_destination", option="--destination", value=member.id)
    if member.role != MEDIATOR and member.destinations:
        raise InputError(f"only mediators have destinations ({member.id} is a {member.role})",
                         why="no_destination", option="--destination", value=member.id, bound=member.role)
    if member.login is not None and (not member.login or len(member.login) > 63):
        raise InputError(f"login of {member.id}: 1 to 63 characters", why="staff_login", option="--login",
                         value=member.id)
    return member


def _write(conn: Connection, member: StaffMember, at: datetime, *, new: bool) -> None:
    try:
        with conn.begin_nested():
            if new:
                conn.execute(insert(staff).values(_row(member, at)))
            else:
                conn.execute(sql_update(staff).where(staff.c.id == member.id).values(_row(member, at)))
    except IntegrityError:
        if new and get_member(conn, member.id) is not None:
            raise Refused(f"staff member {member.id} exists already (mediation staff set changes them)",
                          why="staff_exists", value=member.id) \
                from None
        holder = member_by_login(conn, member.login) if member.login else None
        if holder is not None:
            raise Refused(f"login {quoted(member.login)} is staff member {holder.id} already", why="login_held",
                          option="--login", value=member.login, bound=holder.id) from None
        raise


def _leaves_a_supervisor(conn: Connection, changed: StaffMember) -> None:
    others = conn.execute(select(staff.c.id).where(
        staff.c.role == SUPERVISOR, staff.c.active.is_(True), staff.c.id != changed.id)).first()
    if others is None and not (changed.active and changed.role == SUPERVISOR):
        raise Refused(f"{changed.id} is the last active supervisor: add another one first",
                      why="last_supervisor", value=changed.id)


def add(db, rules, *, operator: str, id: str, name: str, role: str, destinations: Iterable[str] = (),
        login: str | None = None, at: datetime | None = None) -> StaffMember:
    """A new member of staff (a supervisor's act, audited)."""
    at = at or now()
    member = _checked(rules, StaffMember(id=id, name=name, role=role, destinations=tuple(destinations),
                                         login=login))
    with db.write() as conn:
        actor = _supervisor(conn, operator)
        _write(conn, member, at, new=True)
        _audit(conn, at, actor.id, "add", member.id, member.as_dict())
        if member.login:
            access.grant_group(conn, member.login, member.role)
    return member


_UNSET: Any = object()


def update(db, rules, staff_id: str, *, operator: str, name: str | None = None, role: str | None = None,
           destinations: Iterable[str] | None = None, login: str | None = _UNSET,
           active: bool | None = None, at: datetime | None = None) -> StaffMember:
    """Change a member's name, role, destinations, login or whether they are active (audited).

    ``login=None`` removes the login; leaving it out keeps it.
    """
    at = at or now()
    with db.write() as conn:
        actor = _supervisor(conn, operator)
        before = get_member(conn, staff_id)
        if before is None:
            near = staff_ids(conn)
            raise NotFound(f"unknown staff member {quoted(staff_id)}", what="staff", key=staff_id,
                           near=nearest(staff_id, near),
                           hint=f"staff: {', '.join(near[:20])}" if near else None)
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = name
        if role is not None:
            changes["role"] = role
            if role != MEDIATOR and destinations is None:
                changes["destinations"] = ()
        if destinations is not None:
            changes["destinations"] = tuple(destinations)
        if login is not _UNSET:
            changes["login"] = login
        if active is not None:
            changes["active"] = active
        after = _checked(rules, replace(before, **changes))
        if after == before:
            raise Refused(f"nothing to change for {staff_id}", why="nothing_to_change", value=staff_id)
        _leaves_a_supervisor(conn, after)
        _write(conn, after, at, new=False)
        diff = {k: [_plain(getattr(before, k)), _plain(getattr(after, k))]
                for k in ("name", "role", "destinations", "login", "active")
                if getattr(before, k) != getattr(after, k)}
        _audit(conn, at, actor.id, "deactivate" if diff.keys() == {"active"} and not after.active else "set",
               staff_id, diff)
        if before.login and (before.login != after.login or before.role != after.role or not after.active):
            access.revoke_group(conn, before.login, before.role)
        if after.login and after.active:
            access.grant_group(conn, after.login, after.role)
    return after


def deactivate(db, rules, staff_id: str, *, operator: str, at: datetime | None = None) -> StaffMember:
    """The member may no longer act (their events stay theirs); audited."""
    return update(db, rules, staff_id, operator=operator, active=False, at=at)


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
