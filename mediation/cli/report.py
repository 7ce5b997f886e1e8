"""``mediation report``: the centre's statistics for a year or a period."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from mediation import clock
from mediation.cli.common import console, echo_json, long_running
from mediation.cli.options import db_option, load, parse_day, rules_option
from mediation.deadlines import calendar_of, calendar_warning, provisional_warning
from mediation.report import build_report, period, render
from mediation.report.chart import check_chart_path, draw_chart, require_matplotlib
from mediation.store.database import open_database

FORMATS = ("table", "csv", "json")


@click.command()
@click.option("--year", type=int, metavar="YEAR", help="The calendar year (default: the current year).")
@click.option("--from", "since", metavar="DATE", help="First day of the period (with --to).")
@click.option("--to", "until", metavar="DATE", help="Last day of the period (with --from).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--chart", "chart", metavar="FILE.png", type=click.Path(dir_okay=False, path_type=Path),
              help="Also draw a bar chart of cases per destination and month "
                   "(needs matplotlib: pip install matplotlib).")
@click.option("--as-of", "as_of", metavar="DATE", help="Judge open cases overdue on DATE (default: today).")
@db_option
@rules_option
def report(year: int | None, since: str | None, until: str | None, fmt: str, as_json: bool,
           chart: Path | None, as_of: str | None, db: str | None, rules_dir: Path | None) -> None:
    """The statistics of the cases received in a year or a period (by received_at).

    \b
    Totals, oral and written, by category, channel, request, destination and
    territorial unit; review outcomes; settled, unsettled, served, withdrawn;
    the settlement rate (settled / (settled + unsettled)); working days from
    registration to closing (mean, median); 督办 counts.
    """
    start, end = period(year, parse_day(since, "--from"), parse_day(until, "--to"), today=clock.today())
    if as_json:
        fmt = "json"
    if chart is not None:
        check_chart_path(chart)
        require_matplotlib()  # before the work: a missing extra is reported at once
    long_running()  # over many cases
    rules = load(rules_dir)
    with open_database(db) as database:
        result = build_report(database, rules, start, end, as_of=parse_day(as_of, "--as-of"))
    _print(result, rules, fmt)
    if chart is not None:
        for warning in draw_chart(result, rules, chart):
            click.echo(f"mediation: warning: {warning}", err=True)
    if result.calendar_errors:
        line = calendar_warning(result.calendar_errors, subject="some cases' dates lie outside the "
                                "working-day calendar (counted apart in the report)")
        click.echo(f"mediation: warning: {line}", err=True)
    if result.provisional_years:
        line = provisional_warning(calendar_of(rules), [date(max(result.provisional_years), 1, 1)],
                                   subject="working days")
        if line:
            click.echo(f"mediation: warning: {line}", err=True)


def _print(result, rules, fmt: str) -> None:
    if fmt == "json":
        echo_json(render.to_json(result, rules))
    elif fmt == "csv":
        click.echo(render.to_csv(result, rules), nl=False)
    else:
        render.print_table(result, rules, console())
