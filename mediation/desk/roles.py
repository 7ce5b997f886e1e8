"""Who may do what: the role matrix over the staff in the database (:mod:`.staff`).

======================  =====  ==============================  ==========
action                  clerk  mediator                        supervisor
======================  =====  ==============================  ==========
register, review,       yes    no                              yes
divert
override (routing)      no     no                              yes
take, settle, fail,     no     cases at their own rooms and    yes
serve, extend,                 windows
transfer
withdraw, close,        yes    cases at their own rooms and    yes
reveal                         windows
escalate                no     no                              yes
======================  =====  ==============================  ==========

A third or later transfer of one case needs a supervisor whoever asks (the
lifecycle's guard). Reading (show, list, queue) needs no operator; personal
data is then masked. Every refusal is a one-line :class:`PermissionDenied`.
Changing the staff (``mediation staff ...``) is for supervisors only.

Roles are read from the ``staff`` table through the caller's connection
(docs/design.md §8), never from a rule set: ``authorise(conn, ...)``. Who the
operator *is* was established before (:mod:`.identity`); here an operator id
is only looked up.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from mediation.desk.staff import StaffMember, get_member, staff_ids
from mediation.errors import InputError, NotFound, PermissionDenied
from mediation.text import nearest, quoted

CLERK, MEDIATOR, SUPERVISOR = "clerk", "mediator", "supervisor"

#: action -> (roles allowed on any case, whether a mediator may act on cases at
#: their own destinations).
PERMISSIONS: dict[str, tuple[frozenset[str], bool]] = {
    "register": (frozenset({CLERK, SUPERVISOR}), False),
    "review": (frozenset({CLERK, SUPERVISOR}), False),
    "divert": (frozenset({CLERK, SUPERVISOR}), False),
    "override": (frozenset({SUPERVISOR}), False),
    "take": (frozenset({SUPERVISOR}), True),
    "settle": (frozenset({SUPERVISOR}), True),
    "fail": (frozenset({SUPERVISOR}), True),
    "serve": (frozenset({SUPERVISOR}), True),
    "extend": (frozenset({SUPERVISOR}), True),
    "transfer": (frozenset({SUPERVISOR}), True),
    "withdraw": (frozenset({CLERK, SUPERVISOR}), True),
    "close": (frozenset({CLERK, SUPERVISOR}), True),
    "reveal": (frozenset({CLERK, SUPERVISOR}), True),
    "escalate": (frozenset({SUPERVISOR}), False),
}

_ROLE_NAMES = {CLERK: "clerks", MEDIATOR: "mediators", SUPERVISOR: "supervisors"}


def who_may(action: str) -> str:
    """``"clerks and supervisors"``, ``"supervisors and mediators at the case's destination"``..."""
    roles, own = PERMISSIONS[action]
    names = [_ROLE_NAMES[r] for r in (CLERK, SUPERVISOR) if r in roles]
    if own:
        names.append("mediators at the case's destination")
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def operator_of(conn: Connection, operator_id: str | None) -> StaffMember:
    """The active member of staff ``operator_id``, read from the database through ``conn``."""
    if not isinstance(conn, Connection):
        raise TypeError("roles come from the database: pass a connection (db.read() or db.write()), "
                        f"not {type(conn).__name__}")
    if not operator_id:
        raise InputError("this needs an operator: give --operator ID or set MEDIATION_OPERATOR", why="no_operator",
                         option="--operator")
    found = get_member(conn, operator_id)
    if found is None:
        near = nearest(operator_id, staff_ids(conn))
        raise NotFound(f"unknown operator {quoted(operator_id)}", what="operator", key=operator_id, near=near,
                       hint=f"did you mean {near!r}?" if near else "mediation staff list shows the staff")
    if not found.active:
        raise PermissionDenied(f"{found.id} is no longer active staff: they may not act",
                               who=found.id, role=found.role, action="act", why="inactive")
    return found


def entering(conn: Connection, entered_by: str | None, operator_id: str | None) -> StaffMember | None:
    """The supervisor ``entered_by`` who enters a record for ``operator_id`` (None if nobody does).

    Only an active supervisor may enter another's record (``--on-behalf-of``).
    """
    if entered_by is None:
        return None
    member = operator_of(conn, entered_by)
    if member.role != SUPERVISOR:
        raise PermissionDenied(f"{member.id} ({member.role}) may not act on behalf of {operator_id}: "
                               "only supervisors may", who=member.id, role=member.role, action="on_behalf_of",
                               other=operator_id, may=("supervisor",), why="role")
    return member


def authorise(conn: Connection, operator_id: str | None, action: str, *, destination: str | None = None,
              case_no: str | None = None) -> StaffMember:
    """The operator, if their role (in the database behind ``conn``) allows ``action`` on a case at ``destination``.

    Raises :class:`InputError` without an operator, :class:`NotFound` for an
    unknown one, and :class:`PermissionDenied` when the role does not allow it.
    """
    op = operator_of(conn, operator_id)
    roles, own = PERMISSIONS[action]
    if op.role in roles:
        return op
    what = f"{action} {case_no}" if case_no else action
    may = (*(r for r in (CLERK, SUPERVISOR) if r in roles), *((MEDIATOR,) if own else ()))
    facts = {"who": op.id, "role": op.role, "places": op.destinations, "action": action, "case_no": case_no,
             "place": destination, "may": may}
    if own and op.role == MEDIATOR:
        if destination is not None and destination in op.destinations:
            return op
        mine = ", ".join(op.destinations) or "no destination"
        where = f"it is at {destination}" if destination else "it has no destination yet"
        raise PermissionDenied(f"{op.id} (mediator at {mine}) may not {what}: {where}", why="place", **facts)
    raise PermissionDenied(f"{op.id} ({op.role}) may not {what}: only {who_may(action)} may", why="role",
                           **facts)
