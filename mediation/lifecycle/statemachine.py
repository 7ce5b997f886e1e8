"""One ``transitions`` machine per process, built from the table, and :func:`fire` to drive a case.

``transitions`` at scale (docs/design.md §4): one ``Machine(model=None, ...)`` per
process, a case driven with ``machine.events[name].trigger(case)``; never
``add_model`` per case (its cost grows with the number of attached models).
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable
from typing import Any

from transitions import EventData, Machine

from mediation.errors import InvalidTransition, Refused
from mediation.lifecycle.guards import CALLBACKS
from mediation.lifecycle.table import (
    ALLOWED,
    FINAL_STATES,
    INITIAL,
    STATES,
    STEPS,
    TABLE,
    TRIGGERS,
    moves_for,
)


class _CaseMachine(Machine):
    """A Machine whose named callbacks come from :data:`~mediation.lifecycle.guards.CALLBACKS`, not from the model."""

    @staticmethod
    def resolve_callable(func: Any, event_data: EventData) -> Callable[..., Any]:
        if isinstance(func, str):
            return CALLBACKS[func]
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


def refusal(state: object, trigger: object) -> str:
    """Why ``trigger`` cannot fire from ``state``, and what can."""
    if not isinstance(state, str) or state not in ALLOWED:
        return f"cannot {trigger} a case in unknown state {state!r}"
    allowed = ALLOWED[state]
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
    if (state, trigger) not in STEPS:
        raise InvalidTransition(refusal(state, trigger), state=state, trigger=trigger,
                                destination=model.destination, moves=moves_for(state, model.destination, model.extended))
    events = (_machine or machine()).events
    if not events[trigger].trigger(model, **context):
        # Unreachable while every guard raises; kept so a False never passes silently.
        raise Refused(f"{trigger} was refused from {state}")
    return model.state


