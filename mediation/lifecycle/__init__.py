"""The case lifecycle (docs/design.md §4): one table, one ``transitions`` machine per process.

- :mod:`.table`: :data:`TABLE`, the whole lifecycle, and what is derived from it
  (states, triggers, the allowed steps);
- :mod:`.guards`: the named conditions and callbacks the table uses;
- :mod:`.statemachine`: the process's one machine and :func:`fire`, which moves a
  :class:`CaseModel` (:mod:`.model`) or refuses with a typed error;
- :mod:`.folding`: the state a case's events lead to, each step checked;
- :mod:`.flow`: the table drawn as a diagram (Mermaid or Graphviz).

Names are resolved on first use (PEP 562): what only needs the table (the
states a listing sorts by) does not import ``transitions``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_TABLE = "mediation.lifecycle.table"
#: name -> the module that defines it.
_API: dict[str, str] = {
    **{name: _TABLE for name in ("FINAL_STATES", "INITIAL", "MAX_EXTENSION_DAYS",
                                 "MAX_TRANSFERS_WITHOUT_SUPERVISOR", "OPEN_STATES", "REGISTER", "ROUTES",
                                 "STATES", "TABLE", "TRIGGERS", "allowed_triggers")},
    "CaseModel": "mediation.lifecycle.model", "fire": "mediation.lifecycle.statemachine",
    "machine": "mediation.lifecycle.statemachine", "fold": "mediation.lifecycle.folding",
    "render_flow": "mediation.lifecycle.flow",
}

__all__ = [
    "FINAL_STATES", "INITIAL", "MAX_EXTENSION_DAYS", "MAX_TRANSFERS_WITHOUT_SUPERVISOR", "OPEN_STATES",
    "REGISTER", "ROUTES", "STATES", "TABLE", "TRIGGERS", "CaseModel", "allowed_triggers", "fire", "fold",
    "machine", "render_flow",
]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'mediation.lifecycle' has no attribute {name!r}")
    found = getattr(importlib.import_module(module), name)
    globals()[name] = found
    return found


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from mediation.lifecycle.flow import render_flow
    from mediation.lifecycle.folding import fold
    from mediation.lifecycle.model import CaseModel
    from mediation.lifecycle.statemachine import fire, machine
    from mediation.lifecycle.table import (
        FINAL_STATES,
        INITIAL,
        MAX_EXTENSION_DAYS,
        MAX_TRANSFERS_WITHOUT_SUPERVISOR,
        OPEN_STATES,
        REGISTER,
        ROUTES,
        STATES,
        TABLE,
        TRIGGERS,
        allowed_triggers,
    )
