"""Options and output shared by ``mediation case ...`` and ``mediation queue``.

Nothing heavy is imported at module level: a command imports the service (and
with it SQLAlchemy) or rich only when it runs.
"""

from __future__ import annotations

from datetime import datetime

import click

from mediation.errors import InputError

OPERATOR_ENV = "MEDIATION_OPERATOR"


def db_option(f):
    return click.option(
        "--db", "db", metavar="PATH|URL", default=None,
        help="Database: a SQLite file or a postgresql+psycopg:// URL "
             "(default: $MEDIATION_DB, else ./mediation.db).",
    )(f)


def operator_option(f):
    return click.option(
        "--operator", "operator", metavar="ID", envvar=OPERATOR_ENV, default=None,
        help="Who acts (an id from rules/staff.yaml; default: $MEDIATION_OPERATOR).",
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


def parse_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    from mediation.cases import parse_datetime
    from mediation.errors import CaseError

    try:
        return parse_datetime(value, field="--at")
    except CaseError:
        raise InputError(f"--at must be a date-time YYYY-MM-DDTHH:MM, not {value!r}") from None


def open_db(db: str | None):
    from mediation.service import open_db as service_open

    return service_open(db)


# --------------------------------------------------------------------- output


def label(rules, kind: str, id_: str | None) -> str:
    return rules.catalogue.label(kind, id_) if id_ else ""


def place(rules, destination: str | None) -> str:
    """``医疗纠纷调解室 (room.medical)``."""
    if not destination:
        return ""
    return f"{label(rules, 'destination', destination)} ({destination})"


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
        to = d["to"]
        name = label(rules, "unit", to) if to in rules.catalogue.units else label(rules, "department", to)
        parts.append(f"→ {name} ({to})")
    elif trigger == "divert":
        parts.append(f"规则 {e['rule']}")
    elif trigger == "override":
        parts.append(f"规则去向 {place(rules, d.get('routed'))}")
    elif trigger == "settle":
        parts.append(label(rules, "agreement_form", d.get("agreement_form")))
    elif trigger == "fail":
        parts.append("告知 " + "、".join(ROUTE_LABELS.get(r, r) for r in d.get("routes", ())))
    elif trigger == "extend":
        parts.append(f"延长 {d.get('days')} 天")
    elif trigger == "transfer" and d.get("from"):
        parts.append(f"自 {label(rules, 'destination', d['from'])}")
    if e.get("reason"):
        parts.append(e["reason"])
    return " ".join(p for p in parts if p)


#: The routes a failed mediation tells the parties of, in Chinese (the ids are the lifecycle's).
ROUTE_LABELS = {"arbitration": "仲裁", "litigation": "诉讼", "administrative": "行政途径"}


def state_move(rules, e: dict) -> str:
    """``已登记 → 审查中``, or just the state when the event does not move the case."""
    to = label(rules, "state", e["to_state"])
    if e["from_state"] is None or e["from_state"] == e["to_state"]:
        return to
    return f"{label(rules, 'state', e['from_state'])} → {to}"


def amount_text(amount) -> str:
    """Yuan without needless decimals: ``86000``, ``1234.5``."""
    from decimal import Decimal

    value = Decimal(amount)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return str(value.normalize())


def deadline_text(view: dict) -> str:
    if view.get("deadline_error"):
        return "期限 未知"
    return f"期限 {view['deadline']}" if view.get("deadline") else ""


def echo_change(record, rules, as_json: bool) -> None:
    """What a state-changing command prints: the case as JSON, or one line per new event."""
    from mediation.cli.common import echo_json
    from mediation.service_read import case_view, deadline_view

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
        click.echo(f"mediation: warning: {view['deadline_error']}", err=True)


def choose(rules, kind: str, value: str, option: str) -> str:
    """An enum id from an id or a Chinese label (``--form 书面``), or an error naming the option."""
    ix = rules.catalogue.index[kind]
    found = ix.get(value)
    if found is None:
        raise InputError(f"unknown {option} {value!r}", hint=ix.suggest(value))
    return found

