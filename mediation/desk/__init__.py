"""The front desk's use cases: each one transaction on the store, with its events.

- :mod:`.registration`: 登记 a new case;
- :mod:`.moves`: review, divert (and a supervisor's override), take, settle,
  fail, serve, transfer, extend, withdraw, close, reveal;
- :mod:`.transaction`: how each of them reads, checks and writes a case;
- :mod:`.read`: one case with its timeline, filtered lists, a destination's queue;
- :mod:`.views`: what is shown of them (the JSON of ``case show``, list lines);
- :mod:`.roles`: who may do what (roles read from the database);
- :mod:`.staff`: the staff table, seeded by ``init``, changed by supervisors (audited);
- :mod:`.identity`: who acts, from the login (PostgreSQL role or OS user);
- :mod:`.escalation`: 督办 of overdue cases;
- :mod:`.partners`: institutions entrusting cases over HTTP, with their tokens.

Names are resolved on first use (PEP 562), so that a command that only reads
(``case show``, ``case list``, ``queue``) does not import the lifecycle machine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_MOVES = "mediation.desk.moves"
#: name -> the module that defines it.
_API: dict[str, str] = {
    "EscalationRun": "mediation.desk.escalation", "escalate": "mediation.desk.escalation",
    **{name: _MOVES for name in ("close", "destination_id", "divert", "extend", "fail", "reveal", "review",
                                 "serve", "settle", "take", "transfer", "withdraw")},
    **{name: "mediation.desk.read" for name in ("CaseRecord", "Page", "list_cases", "queue", "show")},
    **{name: "mediation.desk.registration" for name in ("answered", "entrust", "number_ahead", "register")},
    **{name: "mediation.desk.partners" for name in ("Partner", "add_partner", "authenticate", "list_partners",
                                                     "partner_history", "revoke_partner")},
    **{name: "mediation.desk.views" for name in ("case_view", "deadline_view", "summary_view")},
}

__all__ = [
    "CaseRecord", "EscalationRun", "Page", "case_view", "close", "deadline_view", "destination_id", "divert",
    "escalate", "extend", "fail", "list_cases", "number_ahead", "queue", "register", "reveal", "review", "serve",
    "settle", "show", "summary_view", "take", "transfer", "withdraw",
    "Partner", "add_partner", "answered", "authenticate", "entrust", "list_partners", "partner_history",
    "revoke_partner",
]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'mediation.desk' has no attribute {name!r}")
    found = getattr(importlib.import_module(module), name)
    globals()[name] = found
    return found


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from mediation.desk.escalation import EscalationRun, escalate
    from mediation.desk.moves import (
        close,
        destination_id,
        divert,
        extend,
        fail,
        reveal,
        review,
        serve,
        settle,
        take,
        transfer,
        withdraw,
    )
    from mediation.desk.partners import (
        Partner,
        add_partner,
        authenticate,
        list_partners,
        partner_history,
        revoke_partner,
    )
    from mediation.desk.read import CaseRecord, Page, list_cases, queue, show
    from mediation.desk.registration import answered, entrust, number_ahead, register
    from mediation.desk.views import case_view, deadline_view, summary_view
