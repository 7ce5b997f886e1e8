"""The case lifecycle as one table (docs/design.md §4): states, triggers and the steps between them.

:data:`TABLE` is the whole lifecycle. The machine (:mod:`.statemachine`), the
allowed-trigger checks, the error messages, :func:`~mediation.lifecycle.folding.fold` and the
diagram (:mod:`.flow`) are all derived from it. Guards and callbacks are
named in the table; :mod:`.guards` defines them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mediation.domain import ROUTES
from mediation.errors import InputError

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
     "conditions": ["extension_allowed", "not_extended", "has_days", "has_consent"],
     "after": "mark_extended"},
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

MAX_TRANSFERS_WITHOUT_SUPERVISOR = 2
MAX_EXTENSION_DAYS = 30

__all__ = [
    "ALLOWED", "FINAL_STATES", "INITIAL", "MAX_EXTENSION_DAYS", "MAX_TRANSFERS_WITHOUT_SUPERVISOR", "OPEN_STATES",
    "REGISTER", "ROUTES", "STATES", "STEPS", "TABLE", "TRIGGERS", "allowed_triggers", "moves_for", "sources",
]


def sources(row: Mapping[str, Any]) -> list[str]:
    source = row["source"]
    return [source] if isinstance(source, str) else list(source)


# Derived once from TABLE: the fast path for the allowed-check and for fold().
STEPS: dict[tuple[str, str], str] = {
    (source, row["trigger"]): row["dest"] for row in TABLE for source in sources(row)
}
ALLOWED: dict[str, tuple[str, ...]] = {
    state: tuple(t for t in TRIGGERS if (state, t) in STEPS) for state in STATES
}


#: Triggers that follow from a review's outcome, never a move a person makes.
BY_REVIEW: tuple[str, ...] = ("reject", "refer_out")
#: Triggers that only a room's (settle, fail) or a window's (serve) case allows.
AT_ROOM: tuple[str, ...] = ("settle", "fail")
AT_WINDOW: tuple[str, ...] = ("serve",)


def moves_for(state: str, destination: str | None = None, extended: bool = False) -> tuple[str, ...]:
    """The triggers a person may fire on a case in ``state`` at ``destination``, in table order:
    the table's, less those that follow from a review (:data:`BY_REVIEW`) and those the case's
    place or past rule out (settle and fail away from a room, serve away from a window, a
    second extension). Empty for a final (or unknown) state."""
    place = (destination or "").partition(".")[0]
    return tuple(t for t in ALLOWED.get(state, ()) if t not in BY_REVIEW
                 and not (t in AT_ROOM and place != "room")
                 and not (t in AT_WINDOW and place != "window")
                 and not (t == "extend" and extended))


def allowed_triggers(state: str) -> tuple[str, ...]:
    """The triggers the table allows from ``state``, in table order (empty for a final state).

    Raises :class:`InputError` for a name that is not a lifecycle state.
    """
    try:
        return ALLOWED[state]
    except (KeyError, TypeError):
        raise InputError(
            f"unknown state {state!r}", hint=f"states are {', '.join(STATES)}"
        ) from None


