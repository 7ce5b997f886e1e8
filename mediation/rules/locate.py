"""Which rule set to use when none is named: ``$MEDIATION_RULES``, ``./rules``, or the shipped set."""

from __future__ import annotations

import os
from pathlib import Path

from mediation.errors import RuleError

RULES_ENV = "MEDIATION_RULES"
#: The rule set shipped with the program: ``rules/`` beside the package in a checkout.
SHIPPED = Path(__file__).resolve().parents[2] / "rules"


def default_rules_dir() -> Path:
    """``$MEDIATION_RULES``, else ``./rules`` (when it holds rule files), else the shipped rule set."""
    env = os.environ.get(RULES_ENV)
    if env:
        return Path(env)
    here = Path("rules")
    if (here / "routing.yaml").exists() or any(here.glob("*.yaml")):
        return here
    if SHIPPED.is_dir():
        return SHIPPED
    raise RuleError(f"no rule set found: pass --rules DIR or set {RULES_ENV}")
