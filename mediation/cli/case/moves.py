"""``mediation case review|divert|take|settle|fail|serve|transfer|extend|withdraw|close``.

Each is one transaction through :mod:`mediation.desk.moves` and prints one line
per event it wrote (or the case as JSON with ``--json``).
"""

from __future__ import annotations

from collections.abc import Callable

import click

from mediation import desk
from mediation.cli.case.common import choose, destination_of, echo_change
from mediation.cli.options import (
    at_option,
    db_option,
    json_option,
    load,
    operator_option,
    parse_at,
    rules_option,
    version_option,
)
from mediation.desk.identity import identify
from mediation.store.database import open_database


def _common(f: Callable) -> Callable:
    for option in (rules_option, db_option, version_option, json_option, at_option, operator_option):
        f = option(f)
    return click.argument("case_no")(f)


def _run(action: str, case_no: str, *, rules_dir, db, operator, on_behalf_of, at, as_json, expect_version,
         **kwargs) -> None:
    rules = load(rules_dir)
    when = parse_at(at)
    case_no = case_no.strip().upper()
    with open_database(db) as database:
        acting = identify(database, operator, on_behalf_of)
        record = getattr(desk, action)(database, rules, case_no, operator=acting.operator,
                                       entered_by=acting.entered_by, at=when,
                                       expect_version=expect_version, **kwargs)
    echo_change(record, rules, as_json)


reason_option = click.option("--reason", metavar="TEXT", default=None, help="Why (recorded in the event).")


@click.command()
@_common
def review(case_no: str, **kw) -> None:
    """审查: review CASE_NO by the rules (受理, 不予受理 or 移交)."""
    _run("review", case_no, **kw)


@click.command()
@_common
@click.option("--to", "to", metavar="DEST", default=None,
              help="Supervisors: send it here instead of where the rules say (needs --reason).")
@reason_option
def divert(case_no: str, to: str | None, reason: str | None, **kw) -> None:
    """分流: route CASE_NO to a room or window by the routing rules.

    The decision and its explanation are stored with the event. A supervisor
    may override the destination with --to and --reason (recorded as 改派).
    """
    if to is not None:
        to = destination_of(load(kw["rules_dir"]), to, "to")
    _run("divert", case_no, to=to, reason=reason, **kw)


@click.command()
@_common
def take(case_no: str, **kw) -> None:
    """承办: take CASE_NO up at its room or window."""
    _run("take", case_no, **kw)


@click.command()
@_common
@click.option("--agreement", "agreement", metavar="FORM", required=True,
              help="The agreement's form: 口头 oral or 书面 written.")
@reason_option
def settle(case_no: str, agreement: str, reason: str | None, **kw) -> None:
    """调解成功: CASE_NO settled with an agreement (rooms)."""
    form = choose(load(kw["rules_dir"]), "agreement_form", agreement, "--agreement")
    _run("settle", case_no, agreement_form=form, reason=reason, **kw)


@click.command()
@_common
@click.option("--route", "routes", metavar="ROUTE", multiple=True, required=True,
              help="A route the parties were told of: arbitration 仲裁, litigation 诉讼, "
                   "administrative 行政途径 (repeatable).")
@reason_option
def fail(case_no: str, routes: tuple[str, ...], reason: str | None, **kw) -> None:
    """调解不成: mediation of CASE_NO failed; record the routes the parties were told of."""
    rules = load(kw["rules_dir"])
    chosen = [choose(rules, "route", r.strip(), "--route") for r in routes]
    _run("fail", case_no, routes=chosen, reason=reason, **kw)


@click.command()
@_common
@reason_option
def serve(case_no: str, reason: str | None, **kw) -> None:
    """办结: a window's service for CASE_NO is done."""
    _run("serve", case_no, reason=reason, **kw)


@click.command()
@_common
@click.option("--to", "to", metavar="DEST", required=True, help="The room or window (id or name).")
@click.option("--reason", metavar="TEXT", required=True, help="Why it moves (recorded).")
def transfer(case_no: str, to: str, reason: str, **kw) -> None:
    """转办: move CASE_NO to another room or window (a third transfer needs a supervisor)."""
    _run("transfer", case_no, to=destination_of(load(kw["rules_dir"]), to, "to"), reason=reason, **kw)


@click.command()
@_common
@click.option("--days", type=int, required=True, help="Days added to the mediation limit (at most 30).")
@click.option("--consent", is_flag=True, help="Both parties agreed to the extension (required).")
@reason_option
def extend(case_no: str, days: int, consent: bool, reason: str | None, **kw) -> None:
    """延期: extend the mediation limit of CASE_NO once, with both parties' consent."""
    _run("extend", case_no, days=days, consent=True if consent else None, reason=reason, **kw)


@click.command()
@_common
@reason_option
def withdraw(case_no: str, reason: str | None, **kw) -> None:
    """撤回: the applicant withdraws CASE_NO."""
    _run("withdraw", case_no, reason=reason, **kw)


@click.command()
@_common
@reason_option
def close(case_no: str, reason: str | None, **kw) -> None:
    """结案: close CASE_NO after the follow-up visit (回访)."""
    _run("close", case_no, reason=reason, **kw)
