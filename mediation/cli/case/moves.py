"""``mediation case review|divert|take|settle|fail|serve|transfer|extend|withdraw|close``.

Each is one transaction through :mod:`mediation.desk.moves` and prints one line
per event it wrote (or the case as JSON with ``--json``).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import click

from mediation import desk
from mediation.cli.case.common import choose, complete_case_no, destination_of, echo_change
from mediation.cli.common import at_terminal
from mediation.cli.complete import labels
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
from mediation.domain import normalize_case_no
from mediation.errors import InputError
from mediation.store.database import open_database


def _common(f: Callable) -> Callable:
    for option in (rules_option, db_option, version_option, json_option, at_option, operator_option):
        f = option(f)
    return click.argument("case_no", shell_complete=complete_case_no)(f)


def _run(action: str, case_no: str, *, rules_dir, db, operator, on_behalf_of, at, as_json, expect_version,
         **kwargs) -> None:
    rules = load(rules_dir)
    when = parse_at(at)
    case_no = normalize_case_no(case_no)
    with open_database(db) as database:
        acting = identify(database, operator, on_behalf_of)
        # a refusal is told in the desk's words where every error is (mediation.cli.words)
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
@click.option("--to", "to", metavar="DEST", default=None, shell_complete=labels("destination"),
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
@click.option("--facts", metavar="TEXT", default=None,
              help="Written agreement: the main facts, disputed matters and each side's responsibilities.")
@click.option("--terms", metavar="TEXT", multiple=True,
              help="Written agreement: one term agreed (repeatable, in order).")
@click.option("--performance", metavar="TEXT", default=None,
              help="Written agreement: how and by when it is performed.")
@click.option("--copies", type=int, default=None,
              help="Copies of the agreement (default: one per party and one for the committee).")
@click.option("--amount", metavar="YUAN", default=None, help="The sum agreed, if any (yuan).")
@click.option("--from-json", "from_json", type=click.File("r", encoding="utf-8"), default=None,
              help="The agreement's contents as a JSON object (facts, terms, performance, copies, "
                   "amount); - for stdin.")
@reason_option
def settle(case_no: str, agreement: str, facts: str | None, terms: tuple[str, ...],
           performance: str | None, copies: int | None, amount: str | None, from_json,
           reason: str | None, **kw) -> None:
    """调解成功: CASE_NO settled with an agreement (rooms).

    A written agreement (人民调解法 art. 29) needs its contents: --facts,
    --terms and --performance, or --from-json FILE; at a terminal, what is
    missing is asked for. They are stored with the event and printed in the
    agreement (mediation case document CASE_NO agreement).
    """
    form = choose(load(kw["rules_dir"]), "agreement_form", agreement, "--agreement")
    contents = agreement_contents(form, from_json, facts=facts, terms=list(terms),
                                  performance=performance, copies=copies, amount=amount)
    _run("settle", case_no, agreement_form=form, reason=reason, agreement=contents, **kw)


def agreement_contents(form: str, from_json, **flags) -> dict | None:
    """The agreement's contents from --from-json or the flags; at a terminal, asked for what is missing."""
    if from_json is not None:
        try:
            data = json.load(from_json)
        except json.JSONDecodeError as exc:
            raise InputError(f"{from_json.name}: line {exc.lineno}: not JSON: {exc.msg}", why="not_json",
                             option="--from-json", value=from_json.name, bound=exc.lineno) from None
        if not isinstance(data, dict):
            raise InputError(f"{from_json.name}: the agreement must be a JSON object", why="not_object",
                             option="--from-json", value=from_json.name)
        data = {**data, **{k: v for k, v in flags.items() if v not in (None, [])}}
    else:
        data = {k: v for k, v in flags.items() if v not in (None, [])}
    if form != "written":
        return data or None
    if at_terminal():
        for key, question in (("facts", "纠纷主要事实、争议事项及各方责任"),
                              ("terms", "协议内容（一项）"), ("performance", "履行方式、时限")):
            if not data.get(key):
                answer = click.prompt(question, err=True).strip()
                data[key] = [answer] if key == "terms" else answer
    return data
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
@click.option("--to", "to", metavar="DEST", required=True, shell_complete=labels("destination"), help="The room or window (id or name).")
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
