"""Who may do what: the role matrix over the operators of ``rules/staff.yaml``.

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
"""

from __future__ import annotations

from typing import Any

from mediation.errors import InputError, NotFound, PermissionDenied
from mediation.text import did_you_mean, quoted

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


def operator_of(rules: Any, operator_id: str | None):
    """The :class:`~mediation.rules.model.Operator` named ``operator_id`` in the rule set's staff."""
    if not operator_id:
        raise InputError("this needs an operator: give --operator ID or set MEDIATION_OPERATOR")
    staff = rules.staff
    found = staff.get(operator_id)
    if found is None:
        hint = did_you_mean(operator_id, staff) or "operators are listed in rules/staff.yaml"
        raise NotFound(f"unknown operator {quoted(operator_id)}", hint=hint)
    return found


def authorise(rules: Any, operator_id: str | None, action: str, *, destination: str | None = None,
              case_no: str | None = None):
    """The operator, if their role allows ``action`` on a case at ``destination``.

    Raises :class:`InputError` without an operator, :class:`NotFound` for an
    unknown one, and :class:`PermissionDenied` when the role does not allow it.
    """
    op = operator_of(rules, operator_id)
    roles, own = PERMISSIONS[action]
    if op.role in roles:
        return op
    what = f"{action} {case_no}" if case_no else action
    if own and op.role == MEDIATOR:
        if destination is not None and destination in op.destinations:
            return op
        mine = ", ".join(op.destinations) or "no destination"
        where = f"it is at {destination}" if destination else "it has no destination yet"
        raise PermissionDenied(f"{op.id} (mediator at {mine}) may not {what}: {where}")
    raise PermissionDenied(f"{op.id} ({op.role}) may not {what}: only {who_may(action)} may")
