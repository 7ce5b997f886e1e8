"""Options shared by the commands, and turning their text into values (one place for each).

Nothing here imports the database layer: ``mediation route`` and the help
texts stay quick.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from mediation.cases import MOMENT_FORMS, parse_date, parse_moment
from mediation.cli import complete
from mediation.errors import CaseError, InputError
from mediation.rules import RuleSet, load_rules
from mediation.rules.locate import default_rules_dir
from mediation.text import quoted

OPERATOR_ENV = "MEDIATION_OPERATOR"


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
    return click.option(
        "--operator", "operator", metavar="ID", envvar=OPERATOR_ENV, default=None,
        shell_complete=complete.operators,
        help="Who acts (an id from rules/staff.yaml; default: $MEDIATION_OPERATOR).",
    )(f)


def at_option(f):
    return click.option(
        "--at", "at", metavar="DATETIME", default=None,
        help="When it happened (default: now), to enter a paper record after the fact: a date and "
             "a time, 2020-06-15T09:30, 2020/6/15 9:30 or 2020年6月15日 9:30 (a date alone is refused).",
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
    """``--at``: a date-time in the centre's time (an offset is converted), in any form
    :func:`~mediation.cases.parse_moment` reads; a date without a time is refused,
    since a paper record's time of day decides its order and deadlines."""
    if value is None:
        return None
    try:
        moment, timed = parse_moment(value, field="--at")
    except CaseError:
        raise InputError(f"--at must be a date-time YYYY-MM-DDTHH:MM, not {quoted(value)}",
                         hint=f"write it as {MOMENT_FORMS}") from None
    if not timed:
        raise InputError(f"--at {quoted(value)} has no time of day",
                         hint=f"add the time written on the record: {moment:%Y-%m-%d}T09:30")
    return moment


def parse_day(value: str | None, option: str) -> date | None:
    """A date option (``--as-of``, ``--from``, ``--to``): 2020-06-15, 2020-6-15, 2020/6/15 or 2020年6月15日."""
    if value is None:
        return None
    try:
        return parse_date(value, field=option)
    except CaseError:
        raise InputError(f"{option} must be a date YYYY-MM-DD, not {quoted(value)}",
                         hint="also 2020-6-15, 2020/6/15 or 2020年6月15日") from None
