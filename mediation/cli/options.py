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
from mediation.cli.common import RULES_META, at_terminal
from mediation.deadlines import calendar as workdays
from mediation.errors import CaseError, InputError
from mediation.rules import RuleSet
from mediation.rules.cache import load_cached
from mediation.rules.locate import default_rules_dir
from mediation.text import quoted

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
        shell_complete=complete.operators,
        help="Who acts: may be left out, since the login says who you are; given, it must be you "
             "(default: $MEDIATION_OPERATOR).",
    )(f)


def at_option(f):
    """``--at DATETIME``, with ``--yes`` to record an implausible moment without being asked."""
    f = click.option(
        "--at", "at", metavar="DATETIME", default=None, callback=_plausible_at,
        help="When it happened (default: now), to enter a paper record after the fact: a date and "
             "a time, 2020-06-15T09:30, 2020/6/15 9:30 or 2020年6月15日 9:30 (a date alone is refused).",
    )(f)
    return click.option(
        "--yes", "-y", is_flag=True, is_eager=True, expose_value=False, callback=_remember_yes,
        help="Record an implausible --at (before every year the calendar knows) without asking.",
    )(f)


def _remember_yes(ctx: click.Context, _param, value: bool) -> bool:
    ctx.meta["mediation.yes"] = value  # eager: known before --at is checked
    return value


def _plausible_at(ctx: click.Context, _param, value: str | None) -> str | None:
    """``--at`` before every year the working-day calendar knows is implausible (a typo, most
    likely: 1990 for 2019): asked about at a terminal, refused without one unless ``--yes``.
    The value is returned as given; the command parses it (and refuses the impossible)."""
    if value is None:
        return value
    try:
        when = parse_at(value)
    except InputError:
        return value  # the command's own parse says what is wrong
    first = min(workdays.PACKAGE_YEARS)
    if when is None or when.year >= first or ctx.meta.get("mediation.yes"):
        return value
    what = f"--at {when:%Y-%m-%d %H:%M} 早于工作日历所知的最早年份 {first}"
    if at_terminal() and click.confirm(f"{what}，仍要记录吗？", default=False, err=True):
        return value
    raise InputError(f"{what}，未记录：请核对日期，确有其事时加 --yes", why="before_calendar", option="--at",
                     value=value, bound=first)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="Print the case as JSON.")(f)


def version_option(f):
    return click.option(
        "--if-version", "expect_version", type=int, metavar="N", default=None,
        help="Refuse if the case is no longer at version N (as last shown).",
    )(f)


_loaded: dict[Path, Any] = {}


def load(rules_dir: Path | None) -> RuleSet:
    """The compiled rule set of ``--rules`` (or the default one), loaded once per process
    (through the user's cache of loaded rule sets: :mod:`mediation.rules.cache`), and left
    in the command's context (:data:`~mediation.cli.common.RULES_META`) for its errors' words."""
    path = rules_dir or default_rules_dir()
    key = path.resolve()
    if key not in _loaded:
        _loaded[key] = load_cached(path)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[RULES_META] = _loaded[key]
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
                         hint=f"write it as {MOMENT_FORMS}", why="not_moment", option="--at", value=value,
                         bound=MOMENT_FORMS) from None
    if not timed:
        example = f"{moment:%Y-%m-%d}T09:30"
        raise InputError(f"--at {quoted(value)} has no time of day", why="no_time", option="--at", value=value,
                         bound=example,
                         hint=f"add the time written on the record: {example}")
    return moment


def parse_day(value: str | None, option: str) -> date | None:
    """A date option (``--as-of``, ``--from``, ``--to``): 2020-06-15, 2020-6-15, 2020/6/15 or 2020年6月15日."""
    if value is None:
        return None
    try:
        return parse_date(value, field=option)
    except CaseError:
        raise InputError(f"{option} must be a date YYYY-MM-DD, not {quoted(value)}",
                         hint="also 2020-6-15, 2020/6/15 or 2020年6月15日", why="not_day", option=option,
                         value=value) from None


def check_period(start: date | None, end: date | None) -> None:
    """Refuse a period that ends before it begins (``--from`` after ``--to``), as ``report`` does."""
    if start is not None and end is not None and end < start:
        raise InputError(f"--to {end} lies before --from {start}", why="period", option="--to", value=end,
                         bound=start)


def _old_format(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        click.echo("note: --format for the input file is deprecated here: use --input-format "
                   "(--format names an output format everywhere)", err=True)
    return value


def input_format_option(f):
    """``--input-format csv|jsonl`` (the old spelling ``--format`` still works, with a note on stderr)."""
    f = click.option("--format", "old_format", type=click.Choice(["csv", "jsonl"]), hidden=True,
                     callback=_old_format, expose_value=True)(f)
    return click.option("--input-format", "fmt", type=click.Choice(["csv", "jsonl"]),
                        help="The input file's format (default: by its name, or its first character).")(f)


def input_format(fmt: str | None, old_format: str | None) -> str | None:
    """The input format named by ``--input-format`` or the deprecated ``--format``."""
    if fmt is not None and old_format is not None and fmt != old_format:
        raise InputError(f"--input-format {fmt} and --format {old_format} disagree: give --input-format only",
                         why="disagree", option="--input-format", value=fmt, bound=old_format)
    return fmt or old_format
