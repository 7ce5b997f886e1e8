"""Options shared by the commands, and turning their text into values (one place for each).

Nothing here imports the database layer: ``mediation route`` and the help
texts stay quick.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from mediation.cases import parse_datetime
from mediation.errors import CaseError, InputError
from mediation.rules import RuleSet, load_rules
from mediation.rules.locate import default_rules_dir

OPERATOR_ENV = "MEDIATION_OPERATOR"
ON_BEHALF_ENV = "MEDIATION_ON_BEHALF_OF"


def rules_option(f):
    return click.option(
        "--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Rule set directory (default: $MEDIATION_RULES, ./rules, or the shipped rules).",
    )(f)


def db_option(f):
    return click.option(
        "--db", "db", metavar="PATH|URL", default=None,
        help="Database: a SQLite file or a postgresql+psycopg:// URL "
             "(default: $MEDIATION_DB, else ./mediation.db).",
    )(f)


def operator_option(f):
    """``--operator ID`` and ``--on-behalf-of ID`` (the command gets ``operator`` and ``on_behalf_of``)."""
    f = click.option(
        "--on-behalf-of", "on_behalf_of", metavar="ID", envvar=ON_BEHALF_ENV, default=None,
        help="Supervisors: enter this for staff member ID (a paper record); both are recorded "
             "(default: $MEDIATION_ON_BEHALF_OF).",
    )(f)
    return click.option(
        "--operator", "operator", metavar="ID", envvar=OPERATOR_ENV, default=None,
        help="Who acts: may be left out, since the login says who you are; given, it must be you "
             "(default: $MEDIATION_OPERATOR).",
    )(f)


def at_option(f):
    return click.option(
        "--at", "at", metavar="DATETIME", default=None,
        help="When it happened (default: now), to enter a paper record after the fact.",
    )(f)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="Print the case as JSON.")(f)


def version_option(f):
    return click.option(
        "--if-version", "expect_version", type=int, metavar="N", default=None,
        help="Refuse if the case is no longer at version N (as last shown).",
    )(f)


_loaded: dict[Path, Any] = {}


def load(rules_dir: Path | None) -> RuleSet:
    """The compiled rule set of ``--rules`` (or the default one), loaded once per process."""
    path = rules_dir or default_rules_dir()
    key = path.resolve()
    if key not in _loaded:
        _loaded[key] = load_rules(path)
    return _loaded[key]


def parse_at(value: str | None) -> datetime | None:
    """``--at``: a date-time in the centre's time (an offset is converted)."""
    if value is None:
        return None
    try:
        return parse_datetime(value, field="--at")
    except CaseError:
        raise InputError(f"--at must be a date-time YYYY-MM-DDTHH:MM, not {value!r}") from None


def parse_day(value: str | None, option: str) -> date | None:
    """A date option (``--as-of``, ``--from``, ``--to``): YYYY-MM-DD."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} must be a date YYYY-MM-DD, not {value!r}") from None
