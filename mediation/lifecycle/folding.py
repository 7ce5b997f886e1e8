"""Folding a case's events: the state they lead to, checked step by step against the table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mediation.errors import InputError, InvalidTransition
from mediation.lifecycle.statemachine import refusal
from mediation.lifecycle.table import INITIAL, REGISTER, STEPS, TRIGGERS

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
        expected = STEPS.get((state, trigger))
        if expected is not None:
            if dest != expected:
                raise InvalidTransition(
                    f"event {number}: {trigger} from {state} leads to {expected}, not {dest}"
                )
        elif trigger in TRIGGERS:
            raise InvalidTransition(f"event {number}: {refusal(state, trigger)}")
        elif dest != state:
            raise InvalidTransition(
                f"event {number}: {trigger} is not a lifecycle trigger and cannot move "
                f"the case from {state} to {dest}"
            )
        state = dest
    if state is None:
        raise InvalidTransition(f"a case's events start with {REGISTER}; there are none")
    return state
