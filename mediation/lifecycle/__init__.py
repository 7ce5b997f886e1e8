"""The case lifecycle (docs/design.md §4): one table, one ``transitions`` machine per process.

- :mod:`.table`: :data:`TABLE`, the whole lifecycle, and what is derived from it
  (states, triggers, the allowed steps);
- :mod:`.guards`: the named conditions and callbacks the table uses;
- :mod:`.statemachine`: the process's one machine and :func:`fire`, which moves a
  :class:`CaseModel` (:mod:`.model`) or refuses with a typed error;
- :mod:`.folding`: the state a case's events lead to, each step checked;
- :mod:`.flow`: the table drawn as a diagram (Mermaid or Graphviz).
"""

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

__all__ = [
    "FINAL_STATES", "INITIAL", "MAX_EXTENSION_DAYS", "MAX_TRANSFERS_WITHOUT_SUPERVISOR", "OPEN_STATES",
    "REGISTER", "ROUTES", "STATES", "TABLE", "TRIGGERS", "CaseModel", "allowed_triggers", "fire", "fold",
    "machine", "render_flow",
]
