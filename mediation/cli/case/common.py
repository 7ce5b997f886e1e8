"""What ``mediation case ...`` and ``mediation queue`` print: events, states, places, deadlines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import click
from click.shell_completion import CompletionItem
from sqlalchemy import select

from mediation import desk
from mediation.cli.common import at_terminal, committed_output, desk_words, echo_json, label, place
from mediation.cli.complete import rules_of
from mediation.deadlines import calendar_gap, calendar_of, provisional_years_through
from mediation.desk import case_view, deadline_view
from mediation.domain import normalize_case_no
from mediation.errors import AmbiguousLabel
from mediation.store.database import open_database
from mediation.store.schema import cases

# --------------------------------------------------------------------- output


def event_note(rules, e: dict) -> str:
    """What an event says beyond its states: rule, reason, agreement, routes, days, referral."""
    d = e.get("details") or {}
    parts: list[str] = []
    trigger = e["trigger"]
    if trigger == "review":
        parts.append(f"{label(rules, 'review_outcome', d.get('outcome'))} ({e['rule']})")
        if d.get("outcome") != "accepted":
            return parts[0]  # the reason follows on the reject / refer_out event
    elif trigger in ("reject", "refer_out") and d.get("to"):
        parts.append(f"→ {rules.catalogue.place(d['to'])} ({d['to']})")
    elif trigger == "divert":
        parts.append(f"规则 {e['rule']}")
    elif trigger == "override":
        parts.append(f"规则去向 {place(rules, d.get('routed'))}")
    elif trigger == "settle":
        parts.append(label(rules, "agreement_form", d.get("agreement_form")))
    elif trigger == "fail":
        parts.append("告知 " + "、".join(label(rules, "route", r) for r in d.get("routes", ())))
    elif trigger == "extend":
        parts.append(f"延长 {d.get('days')} 天")
    elif trigger == "transfer" and d.get("from"):
        parts.append(f"自 {label(rules, 'destination', d['from'])}")
    if e.get("reason"):
        parts.append(e["reason"])
    return " ".join(p for p in parts if p)


def state_move(rules, e: dict) -> str:
    """``已登记 → 审查中``, or just the state when the event does not move the case."""
    to = label(rules, "state", e["to_state"])
    if e["from_state"] is None or e["from_state"] == e["to_state"]:
        return to
    return f"{label(rules, 'state', e['from_state'])} → {to}"


def amount_text(amount) -> str:
    """Yuan without needless decimals: ``86000``, ``1234.5``."""
    value = Decimal(amount)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return str(value.normalize())


def deadline_text(view: dict) -> str:
    """``期限 2020-06-18``; ``期限 2027-01-05 暂定`` through a provisional year; ``期限 未知``."""
    if view.get("deadline_error"):
        return "期限 未知"
    if not view.get("deadline"):
        return ""
    return f"期限 {view['deadline']}" + (" 暂定" if view.get("deadline_provisional") else "")


def echo_change(record, rules, as_json: bool) -> None:
    """What a state-changing command prints: the case as JSON, or one line per new event.

    The change is committed already: if standard output fails, one line on stderr says it
    WAS recorded, and the exit code is 3 (:func:`mediation.cli.common.committed_output`)."""
    trigger = record.events[-1]["trigger"] if record.events else "change"
    with committed_output(f"{record.case_no}: {trigger}", f"mediation case show {record.case_no}",
                          case_no=record.case_no, trigger=trigger):
        _echo_change(record, rules, as_json)


def _echo_change(record, rules, as_json: bool) -> None:
    if as_json:
        echo_json(case_view(record, rules))
        return
    new = record.events[len(record.events) - record.written:]
    view = deadline_view(record.row, rules)
    for n, e in enumerate(new, 1):
        move = state_move(rules, e)
        parts = [record.case_no, label(rules, "trigger", e["trigger"]), move]
        if e["trigger"] in ("divert", "transfer", "override"):
            parts.append(place(rules, e["destination"]))
        parts.append(event_note(rules, e))
        if n == len(new):
            parts.append(deadline_text(view))
        click.echo("  ".join(p for p in parts if p))
    if view.get("deadline_error"):
        warn_unknown([view["deadline_error"]])
    warn_provisional([view], rules)


def warn_unknown(errors) -> None:
    """One warning line on stderr for the deadlines the calendar could not compute (if any)."""
    gap = calendar_gap(errors)
    if gap is not None:
        words = desk_words()
        words.warn(words.unknown_deadlines(gap))


def warn_provisional(views, rules, as_of=None) -> None:
    """One warning line on stderr naming the provisional years the shown deadlines ran through (if any)."""
    days = []
    for v in views:
        if v.get("deadline_provisional") and v.get("deadline"):
            days.append(date.fromisoformat(v["deadline"]))
        if v.get("overdue_provisional") and as_of is not None:
            days.append(as_of)
    cal = calendar_of(rules)
    years = provisional_years_through(cal, days)
    if years:
        words = desk_words()
        words.warn(words.provisional(years, cal.file))


def choose(rules, kind: str, value: str, option: str) -> str:
    """An enum id from an id or a Chinese label (``--form 书面``), or an error naming the option."""
    ix = rules.catalogue.index[kind]
    found = ix.get(value)
    if found is None:
        raise rules.catalogue.unknown(kind, value, f"unknown {option} {value!r}", option=option)
    return found



def destination_of(rules, text: str, option: str) -> str:
    """A destination id from an id or a name; an ambiguous short name (综合调解: a room and a
    window) is asked about at a terminal, and refused with both choices listed otherwise."""
    try:
        return desk.destination_id(rules, text, option=option)
    except AmbiguousLabel as exc:
        if not at_terminal():
            raise
        lines = [f"“{text}”可指："]
        lines += [f"  {n}) {place(rules, c)}" for n, c in enumerate(exc.choices, 1)]
        click.echo("\n".join(lines), err=True)
        n = click.prompt("请选择", type=click.IntRange(1, len(exc.choices)), err=True)
        return exc.choices[n - 1]


def complete_case_no(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Shell completion of a case number from the database (``--db`` if already given), newest
    first, each with its state; nothing when the database cannot be read."""
    prefix = normalize_case_no(incomplete)
    if "%" in prefix or "_" in prefix:
        return []
    rules = rules_of(ctx)
    try:
        with open_database(ctx.params.get("db")) as database, database.read() as conn:
            rows = conn.execute(select(cases.c.case_no, cases.c.state)
                                .where(cases.c.case_no.like(prefix + "%"))
                                .order_by(cases.c.case_no.desc()).limit(200)).all()
    except Exception:  # a completion never fails: it offers nothing
        return []
    return [CompletionItem(no, help=label(rules, "state", state) if rules else state) for no, state in rows]
