"""The case lifecycle (DESIGN §4): one table, one ``transitions`` machine per process.

:data:`TABLE` below is the whole lifecycle. The machine, the allowed-trigger
checks, the error messages, :func:`fold` and the diagram in :mod:`mediation.flow`
are all derived from it. Guards and callbacks are named in the table and looked
up in this module's registry (never on the model), so a case model only needs
the attributes ``state``, ``destination``, ``transfers`` and ``extended``.

Guards never return False: each raises a typed error saying why, before the
model is touched, so a refused trigger leaves the case exactly as it was.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from transitions import EventData, Machine

from mediation.domain import AGREEMENT_FORMS
from mediation.errors import InputError, InvalidTransition, PermissionDenied, Refused

# fmt: off
#: The lifecycle. Conditions run in order; each raises if it does not hold.
TABLE: tuple[dict[str, Any], ...] = (
    {"trigger": "review",    "source": "registered",   "dest": "under_review"},
    {"trigger": "reject",    "source": "under_review", "dest": "rejected"},
    {"trigger": "refer_out", "source": "under_review", "dest": "referred_out"},
    {"trigger": "divert",    "source": "under_review", "dest": "diverted",
     "conditions": ["names_destination"], "after": "set_destination"},
    {"trigger": "take",      "source": "diverted",     "dest": "in_progress"},
    {"trigger": "settle",    "source": "in_progress",  "dest": "settled",
     "conditions": ["at_room", "has_agreement_form"]},
    {"trigger": "fail",      "source": "in_progress",  "dest": "unsettled",
     "conditions": ["at_room", "has_routes"]},
    {"trigger": "serve",     "source": "in_progress",  "dest": "served",
     "conditions": ["at_window"]},
    {"trigger": "transfer",  "source": ["diverted", "in_progress"], "dest": "diverted",
     "conditions": ["supervisor_after_two_transfers", "names_new_destination", "has_reason"],
     "after": "move_destination"},
    {"trigger": "extend",    "source": "in_progress",  "dest": "in_progress",
     "conditions": ["not_extended", "has_days", "has_consent"], "after": "mark_extended"},
    {"trigger": "withdraw",  "source": ["registered", "under_review", "diverted", "in_progress"],
     "dest": "withdrawn"},
    {"trigger": "close",     "source": ["settled", "unsettled", "served"], "dest": "closed"},
)
# fmt: on

STATES: tuple[str, ...] = (
    "registered",
    "under_review",
    "rejected",
    "referred_out",
    "diverted",
    "in_progress",
    "settled",
    "unsettled",
    "served",
    "withdrawn",
    "closed",
)
FINAL_STATES: tuple[str, ...] = ("rejected", "referred_out", "withdrawn", "closed")
OPEN_STATES: tuple[str, ...] = tuple(s for s in STATES if s not in FINAL_STATES)
INITIAL = "registered"
#: The trigger of a case's first event (from no state to ``registered``); not in the table.
REGISTER = "register"
TRIGGERS: tuple[str, ...] = tuple(dict.fromkeys(row["trigger"] for row in TABLE))

#: Routes to tell the parties of when mediation fails.
ROUTES: tuple[str, ...] = ("arbitration", "litigation", "administrative")
MAX_TRANSFERS_WITHOUT_SUPERVISOR = 2
MAX_EXTENSION_DAYS = 30


def _sources(row: Mapping[str, Any]) -> list[str]:
    source = row["source"]
    return [source] if isinstance(source, str) else list(source)


# Derived once from TABLE: the fast path for the allowed-check and for fold().
_STEPS: dict[tuple[str, str], str] = {
    (source, row["trigger"]): row["dest"] for row in TABLE for source in _sources(row)
}
_ALLOWED: dict[str, tuple[str, ...]] = {
    state: tuple(t for t in TRIGGERS if (state, t) in _STEPS) for state in STATES
}


def allowed_triggers(state: str) -> tuple[str, ...]:
    """The triggers the table allows from ``state``, in table order (empty for a final state).

    Raises :class:`InputError` for a name that is not a lifecycle state.
    """
    try:
        return _ALLOWED[state]
    except (KeyError, TypeError):
        raise InputError(
            f"unknown state {state!r}", hint=f"states are {', '.join(STATES)}"
        ) from None


# --- guards and callbacks, by the names the table uses ----------------------

_CALLBACKS: dict[str, Callable[[EventData], Any]] = {}


def _named(func: Callable[[EventData], Any]) -> Callable[[EventData], Any]:
    _CALLBACKS[func.__name__] = func
    return func


def _required(event: EventData, name: str, hint: str) -> Any:
    value = event.kwargs.get(name)
    if value is None or value == "" or value == [] or value == ():
        raise Refused(f"{event.event.name} needs {name}", hint=hint)
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
    raise Refused(f"{event.event.name} is for mediation rooms; {_elsewhere(destination)}{advice}")


@_named
def at_window(event: EventData) -> bool:
    destination = event.model.destination
    if _where(destination) == "window":
        return True
    advice = ": use settle or fail" if _where(destination) == "room" else ""
    raise Refused(f"serve is for windows; {_elsewhere(destination)}{advice}")


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
        f"a {nth} transfer needs a supervisor (case has been transferred {done} times)"
    )


@_named
def names_new_destination(event: EventData) -> bool:
    to = _required(event, "to", "the room.* or window.* id to transfer the case to")
    if not _is_destination_id(to):
        raise Refused(f"transfer: {to!r} is not a destination id (room.* or window.*)")
    if to == event.model.destination:
        raise Refused(f"the case is already at {to}: transfer it to another destination")
    return True


@_named
def has_reason(event: EventData) -> bool:
    reason = _required(event, "reason", "why the case moves")
    if not isinstance(reason, str) or not reason.strip():
        raise Refused("transfer needs reason", hint="why the case moves")
    return True


@_named
def not_extended(event: EventData) -> bool:
    if event.model.extended:
        raise Refused("the case was already extended once")
    return True


@_named
def has_days(event: EventData) -> bool:
    days = _required(event, "days", f"1 to {MAX_EXTENSION_DAYS}")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise Refused(f"days must be a whole number from 1 to {MAX_EXTENSION_DAYS}, not {days!r}")
    return True


@_named
def has_consent(event: EventData) -> bool:
    consent = event.kwargs.get("consent")
    if consent is None:
        raise Refused("extend needs consent", hint="both parties must agree to the extension")
    if consent is not True:
        raise Refused("extend needs both parties' consent", hint=f"consent is {consent!r}")
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
                if name not in _CALLBACKS:
                    raise RuntimeError(
                        f"lifecycle table: {row['trigger']} names unknown {key} {name!r}"
                    )
        for state in [*_sources(row), row["dest"]]:
            if state not in STATES:
                raise RuntimeError(
                    f"lifecycle table: {row['trigger']} uses unknown state {state!r}"
                )


_check_table()


# --- the machine -------------------------------------------------------------


class _CaseMachine(Machine):
    """A Machine whose named callbacks come from this module, not from the model."""

    @staticmethod
    def resolve_callable(func: Any, event_data: EventData) -> Callable[..., Any]:
        if isinstance(func, str):
            return _CALLBACKS[func]
        return Machine.resolve_callable(func, event_data)


_machine: Machine | None = None
_machine_lock = threading.Lock()


def machine() -> Machine:
    """The process's one lifecycle machine, built from :data:`TABLE` on first use.

    It has no models attached and must never get any: drive a case with
    :func:`fire` (or ``machine().events[trigger].trigger(case, **context)``).
    """
    global _machine
    if _machine is None:
        with _machine_lock:
            if _machine is None:
                _machine = _CaseMachine(
                    model=None,
                    states=[{"name": s, "final": s in FINAL_STATES} for s in STATES],
                    transitions=[dict(row) for row in TABLE],
                    initial=INITIAL,
                    auto_transitions=False,
                    send_event=True,
                    ignore_invalid_triggers=False,
                )
    return _machine


def _refusal(state: object, trigger: object) -> str:
    if not isinstance(state, str) or state not in _ALLOWED:
        return f"cannot {trigger} a case in unknown state {state!r}"
    allowed = _ALLOWED[state]
    tail = f"allowed from {state}: " + (
        ", ".join(allowed) if allowed else f"nothing ({state} is final)"
    )
    if trigger not in TRIGGERS:
        near = difflib.get_close_matches(str(trigger), TRIGGERS, n=1)
        guess = f" (did you mean {near[0]}?)" if near else ""
        return f"unknown trigger {trigger!r}{guess}: {tail}"
    return f"cannot {trigger} a case that is {state}: {tail}"


def fire(model: Any, trigger: str, **context: Any) -> str:
    """Move ``model`` by ``trigger`` and return its new state.

    ``model`` is any object with ``state``, ``destination``, ``transfers`` and
    ``extended`` attributes; it is not attached to the machine. Context by trigger:
    divert ``destination``; settle ``agreement_form``; fail ``routes``; transfer
    ``to``, ``reason`` (and ``role="supervisor"`` from the third transfer on);
    extend ``days``, ``consent``. Other context is ignored.

    Raises :class:`InvalidTransition` when the trigger is unknown or not allowed
    from the current state, :class:`PermissionDenied` for a transfer that needs a
    supervisor, and :class:`Refused` for any other failed guard or missing context.
    On any error the model is unchanged.
    """
    state = model.state
    if (state, trigger) not in _STEPS:
        raise InvalidTransition(_refusal(state, trigger))
    events = (_machine or machine()).events
    if not events[trigger].trigger(model, **context):
        # Unreachable while every guard raises; kept so a False never passes silently.
        raise Refused(f"{trigger} was refused from {state}")
    return model.state


_MISSING = object()


def _field(event: Any, number: int, *names: str) -> Any:
    for name in names:
        if isinstance(event, Mapping):
            if name in event:
                return event[name]
        else:
            value = getattr(event, name, _MISSING)
            if value is not _MISSING:
                return value
    raise InputError(f"event {number} has no {' or '.join(names)}")


def fold(events: Iterable[Any]) -> str:
    """Replay a case's events (oldest first) through the table; return its current state.

    Each event has ``trigger`` and ``from_state``/``to_state`` (or ``from``/``to``),
    as attributes or keys. The first must be ``register`` from None to
    ``registered``. A lifecycle trigger must be a legal step of the table from the
    state reached so far and land where the table says; any other trigger
    (``escalate``, ``override``, ...) must leave the state as it is. Guards are
    not re-checked: their context is not part of an event.

    Raises :class:`InvalidTransition` naming the first event that breaks this.
    """
    state: str | None = None
    number = 0
    for number, event in enumerate(events, 1):
        trigger = _field(event, number, "trigger")
        source = _field(event, number, "from_state", "from")
        dest = _field(event, number, "to_state", "to")
        if state is None:
            if trigger != REGISTER or source is not None or dest != INITIAL:
                raise InvalidTransition(
                    f"event 1 must be {REGISTER} from none to {INITIAL}, "
                    f"not {trigger} from {source} to {dest}"
                )
            state = dest
            continue
        if source != state:
            raise InvalidTransition(
                f"event {number} ({trigger}) starts from {source} but the case was {state}"
            )
        expected = _STEPS.get((state, trigger))
        if expected is not None:
            if dest != expected:
                raise InvalidTransition(
                    f"event {number}: {trigger} from {state} leads to {expected}, not {dest}"
                )
        elif trigger in TRIGGERS:
            raise InvalidTransition(f"event {number}: {_refusal(state, trigger)}")
        elif dest != state:
            raise InvalidTransition(
                f"event {number}: {trigger} is not a lifecycle trigger and cannot move "
                f"the case from {state} to {dest}"
            )
        state = dest
    if state is None:
        raise InvalidTransition(f"a case's events start with {REGISTER}; there are none")
    return state
