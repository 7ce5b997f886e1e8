"""``mediation escalate``: record 督办 for the open cases that are overdue."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from mediation.cli.case.common import label
from mediation.cli.case.list import PROVISIONAL, overdue_text
from mediation.cli.common import committed_output, desk_words, echo_json, long_running
from mediation.cli.options import (
    db_option,
    load,
    operator_option,
    parse_at,
    parse_day,
    rules_option,
)
from mediation.cli.tables import Column, joined, print_table
from mediation.deadlines import calendar_gap, calendar_of, provisional_years_through
from mediation.desk import escalate as run_escalation
from mediation.desk.identity import identify
from mediation.store.database import open_database


@click.command()
@click.option("--as-of", "as_of", metavar="DATE",
              help="Judge lateness on DATE (default: the day of --at, i.e. today).")
@operator_option
@click.option("--at", "at", metavar="DATETIME", default=None,
              help="When the escalations are recorded (default: now; with a past --as-of, "
                   "the end of that day).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: what was checked, raised, not checkable.")
@db_option
@rules_option
def escalate(as_of: str | None, operator: str | None, on_behalf_of: str | None, at: str | None,
             as_json: bool, db: str | None, rules_dir: Path | None) -> None:
    """督办: raise the level of every open case past its deadline (supervisors).

    \b
    Level 1: overdue (any day after the deadline of its current stage).
    Level 2: more than 5 working days overdue (rules/sla.yaml, escalation).
    Each rise is recorded as an escalate event on the case; a case already at
    the level it is due is left alone, so running it twice changes nothing. A
    case whose deadline the working-day calendar cannot compute is reported as
    not checkable, never guessed.
    """
    long_running()  # every open case, one transaction each
    rules = load(rules_dir)
    with open_database(db) as database:
        acting = identify(database, operator, on_behalf_of)
        run = run_escalation(database, rules, operator=acting.operator, entered_by=acting.entered_by,
                             as_of=parse_day(as_of, "--as-of"), at=parse_at(at))
    raised = len(run.raised)
    with committed_output(f"督办 of {raised} case{'' if raised == 1 else 's'}",
                          "mediation case list --overdue", count=raised):
        if as_json:
            echo_json(run.as_dict())
        else:
            _print(run, rules)
    _warn(run, rules)


def _warn(run, rules) -> None:
    """A line on stderr for the cases the calendar could not judge, and one for the levels judged
    through a provisional year (each if any)."""
    gap = calendar_gap([u.reason for u in run.not_checkable if u.why in ("calendar", "level_2")])
    cal = calendar_of(rules)
    years = provisional_years_through(cal, [date(max(run.provisional_years), 1, 1)] if run.provisional_years else [])
    if gap is None and not years:
        return
    words = desk_words()
    if gap is not None:
        words.warn(words.unknown_deadlines(gap, checked=True))
    if years:
        words.warn(words.provisional(years, cal.file, judged="escalation"))


def _print(run, rules) -> None:
    if run.raised:
        # at a narrow terminal the place wraps, then the stage and the deadline give way
        columns = [Column("案件编号"), Column("状态"), Column("去向", give=2, wrap=True), Column("阶段", give=3),
                   Column("期限", give=1), Column("逾期"), Column("督办")]
        rows = [[r.case_no, label(rules, "state", r.state), label(rules, "destination", r.destination),
                 rules.time_limits[r.stage].label,
                 r.deadline.isoformat() + (f" {PROVISIONAL}" if r.deadline_provisional else ""),
                 overdue_text({"overdue_days": r.days_overdue, "overdue_working_days": r.working_days_overdue,
                               "overdue_provisional": r.provisional}),
                 f"{r.previous} → {r.level}"] for r in run.raised]
        print_table(columns, rows, title=f"督办 {run.as_of.isoformat()}")
    first = sum(r.level == 1 for r in run.raised)
    second = len(run.raised) - first
    click.echo(joined([f"{run.as_of.isoformat()} 督办：在办案件 {run.checked} 件", f"逾期 {run.overdue} 件",
                       f"新督办 {len(run.raised)} 件（一级 {first} 件，二级 {second} 件）",
                       f"无法判断 {len(run.not_checkable)} 件"], "，"))
    if run.not_checkable:
        words = desk_words()
        for u in run.not_checkable:
            click.echo(f"无法判断  {u.case_no}  {label(rules, 'state', u.state)}  {words.unchecked(u, run.at)}")
