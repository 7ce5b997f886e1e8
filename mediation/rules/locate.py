"""Which rule set to use when none is named: ``$MEDIATION_RULES``, ``./rules``, or the shipped set."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mediation.errors import RuleError

RULES_ENV = "MEDIATION_RULES"
#: Where an install that is not a checkout puts the shipped rule set, under its data directory
#: (setup.cfg's ``data_files``).
INSTALLED = Path("share", "mediation", "rules")


def shipped_rules_dir() -> Path:
    """The rule set shipped with the program: ``rules/`` beside the package in a checkout (or an
    editable install), else the one a wheel installed under the data directory of its scheme:
    the environment's prefix (a venv, or the system's), the user's base (``pip install --user``)."""
    checkout = Path(__file__).resolve().parents[2] / "rules"
    if checkout.is_dir():
        return checkout
    import site
    import sysconfig

    prefixes = [sys.prefix, sysconfig.get_path("data"), getattr(site, "USER_BASE", None)]
    for prefix in prefixes:
        if prefix and (Path(prefix) / INSTALLED / "routing.yaml").is_file():
            return Path(prefix) / INSTALLED
    return checkout  # not there either: the error names no rule set found


#: The shipped rule set (see :func:`shipped_rules_dir`).
SHIPPED = shipped_rules_dir()


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
