"""The lifecycle's guards and callbacks, by the names the table gives them.

Guards never return False: each raises a typed error saying why, before the
model is touched, so a refused trigger leaves the case exactly as it was.
Callbacks are looked up in :data:`CALLBACKS` (never on the model), so a case
model only needs the attributes ``state``, ``destination``, ``transfers`` and
``extended`` (:class:`~mediation.lifecycle.model.CaseModel`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from transitions import EventData

from mediation.domain import AGREEMENT_FORMS
from mediation.errors import InvalidTransition, PermissionDenied, Refused
from mediation.lifecycle.table import (
    MAX_EXTENSION_DAYS,
    MAX_TRANSFERS_WITHOUT_SUPERVISOR,
    ROUTES,
    STATES,
    TABLE,
    moves_for,
    sources,
)

CALLBACKS: dict[str, Callable[[EventData], Any]] = {}


def _named(func: Callable[[EventData], Any]) -> Callable[[EventData], Any]:
    CALLBACKS[func.__name__] = func
    return func


def _required(event: EventData, name: str, hint: str) -> Any:
    value = event.kwargs.get(name)
    if value is None or value == "" or value == [] or value == ():
        raise Refused(f"{event.event.name} needs {name}", hint=hint, why="needs", option=f"--{name}")
    return value


def _is_destination_id(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("room.", "window.")) and value[-1] != "."


def _where(destination: object) -> str:
    """``room``, ``window`` or ``""`` for a destination id; what a place guard checks."""
    if isinstance(destination, str):
        return destination.partition(".")[0] if destination.startswith(("room.", "window.")) else ""
    return ""


def _elsewhere(destination: object) -> str:
    kind = {"room": "a mediation room", "window": "a window"}.get(_where(destination))
    if destination is None:
        return "the case has no destination"
    return f"{destination} is {kind or 'neither a room nor a window'}"


@_named
def names_destination(event: EventData) -> bool:
    destination = _required(event, "destination", "the room.* or window.* id the case goes to")
    if not _is_destination_id(destination):
        raise Refused(f"divert: {destination!r} is not a destination id (room.* or window.*)")
    return True


@_named
def at_room(event: EventData) -> bool:
    destination = event.model.destination
    if _where(destination) == "room":
        return True
    advice = ": use serve" if _where(destination) == "window" else ""
    raise _misplaced(event, f"{event.event.name} is for mediation rooms; {_elsewhere(destination)}{advice}")


@_named
def at_window(event: EventData) -> bool:
    destination = event.model.destination
    if _where(destination) == "window":
        return True
    advice = ": use settle or fail" if _where(destination) == "room" else ""
    raise _misplaced(event, f"serve is for windows; {_elsewhere(destination)}{advice}")


def _misplaced(event: EventData, message: str) -> InvalidTransition:
    """A move the case's place does not allow, with the moves that it does."""
    m = event.model
    return InvalidTransition(message, state=m.state, trigger=event.event.name,
                             destination=m.destination, moves=moves_for(m.state, m.destination, m.extended))


@_named
def has_agreement_form(event: EventData) -> bool:
    form = _required(event, "agreement_form", " or ".join(AGREEMENT_FORMS))
    if form not in AGREEMENT_FORMS:
        raise Refused(f"agreement_form must be {' or '.join(AGREEMENT_FORMS)}, not {form!r}")
    return True


@_named
def has_routes(event: EventData) -> bool:
    hint = f"the routes the parties were told of, from {', '.join(ROUTES)}"
    routes = _required(event, "routes", hint)
    if isinstance(routes, (str, bytes)) or not isinstance(routes, Iterable):
        raise Refused(f"routes must be a list, not {routes!r}", hint=hint)
    routes = list(routes)
    if not routes:
        raise Refused("fail needs routes", hint=hint)
    for route in routes:
        if route not in ROUTES:
            raise Refused(f"unknown route {route!r}", hint=f"routes are {', '.join(ROUTES)}")
    return True


_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}


@_named
def supervisor_after_two_transfers(event: EventData) -> bool:
    done = event.model.transfers or 0
    if done < MAX_TRANSFERS_WITHOUT_SUPERVISOR or event.kwargs.get("role") == "supervisor":
        return True
    nth = _ORDINALS.get(done + 1, f"{done + 1}th")
    raise PermissionDenied(
        f"a {nth} transfer needs a supervisor (case has been transferred {done} times)",
        role=event.kwargs.get("role"), action="transfer", may=("supervisor",), why="transfers", transfers=done,
    )


@_named
def names_new_destination(event: EventData) -> bool:
    to = _required(event, "to", "the room.* or window.* id to transfer the case to")
    if not _is_destination_id(to):
        raise Refused(f"transfer: {to!r} is not a destination id (room.* or window.*)")
    if to == event.model.destination:
        raise Refused(f"the case is already at {to}: transfer it to another destination", why="already_there",
                      option="--to", value=to)
    return True


@_named
def has_reason(event: EventData) -> bool:
    reason = _required(event, "reason", "why the case moves")
    if not isinstance(reason, str) or not reason.strip():
        raise Refused("transfer needs reason", hint="why the case moves", why="needs", option="--reason")
    return True


@_named
def extension_allowed(event: EventData) -> bool:
    """Refuse an extension the case's time limit does not allow (the caller says why: ``no_extension``).

    The lifecycle does not know the rules; the desk reads the case's limit
    (e.g. labour: 劳动争议调解仲裁法 art. 14, no extension) and passes the reason.
    """
    reason = event.kwargs.get("no_extension")
    if isinstance(reason, Refused):
        raise reason
    if reason:
        raise Refused(str(reason))
    return True


@_named
def not_extended(event: EventData) -> bool:
    if event.model.extended:
        raise Refused("the case was already extended once", why="extended_once")
    return True


@_named
def has_days(event: EventData) -> bool:
    days = _required(event, "days", f"1 to {MAX_EXTENSION_DAYS}")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise Refused(f"days must be a whole number from 1 to {MAX_EXTENSION_DAYS}, not {days!r}",
                      why="extension_days", option="--days", value=days, bound=MAX_EXTENSION_DAYS)
    return True


@_named
def has_consent(event: EventData) -> bool:
    consent = event.kwargs.get("consent")
    if consent is None:
        raise Refused("extend needs consent", hint="both parties must agree to the extension", why="needs",
                      option="--consent")
    if consent is not True:
        raise Refused("extend needs both parties' consent", hint=f"consent is {consent!r}", why="needs",
                      option="--consent")
    return True


@_named
def set_destination(event: EventData) -> None:
    event.model.destination = event.kwargs["destination"]


@_named
def move_destination(event: EventData) -> None:
    event.model.destination = event.kwargs["to"]
    event.model.transfers = (event.model.transfers or 0) + 1


@_named
def mark_extended(event: EventData) -> None:
    event.model.extended = True


def _check_table() -> None:
    # A misspelt guard would otherwise surface only when a case first hits that row.
    for row in TABLE:
        for key in ("conditions", "after"):
            names = row.get(key, [])
            for name in [names] if isinstance(names, str) else names:
                if name not in CALLBACKS:
                    raise RuntimeError(
                        f"lifecycle table: {row['trigger']} names unknown {key} {name!r}"
                    )
        for state in [*sources(row), row["dest"]]:
            if state not in STATES:
                raise RuntimeError(
                    f"lifecycle table: {row['trigger']} uses unknown state {state!r}"
                )


_check_table()


