"""``mediation case show``: a case, its deadline and its timeline."""

from __future__ import annotations

from pathlib import Path

import click

from mediation import desk
from mediation.cli.case.common import (
    amount_text,
    complete_case_no,
    event_note,
    label,
    place,
    state_move,
    warn_provisional,
    warn_unknown,
)
from mediation.cli.case.list import PROVISIONAL
from mediation.cli.common import console, desk_words, echo_json
from mediation.cli.options import (
    at_option,
    db_option,
    load,
    operator_option,
    parse_at,
    rules_option,
)
from mediation.cli.tables import Column, print_table
from mediation.desk.identity import identify
from mediation.domain import FLAGS, normalize_case_no
from mediation.store.database import open_database


@click.command()
@click.argument("case_no", shell_complete=complete_case_no)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (docs/design.md §7: case_no, state, "
              "destination, deadline, escalation, events ...).")
@click.option("--reveal", is_flag=True,
              help="Show personal data unmasked (to staff allowed to; recorded as an event).")
@operator_option
@at_option
@db_option
@rules_option
def show(case_no: str, as_json: bool, reveal: bool, operator: str | None, on_behalf_of: str | None,
         at: str | None, db: str | None, rules_dir: Path | None) -> None:
    """Show CASE_NO: its fields, parties (masked), deadline and timeline, oldest first."""
    rules = load(rules_dir)
    case_no = normalize_case_no(case_no)
    with open_database(db) as database:
        if reveal:
            acting = identify(database, operator, on_behalf_of)
            record = desk.reveal(database, rules, case_no, operator=acting.operator,
                                 entered_by=acting.entered_by, at=parse_at(at))
        else:
            record = desk.show(database, case_no)
    view = desk.case_view(record, rules)
    if as_json:
        echo_json(view)
    else:
        render(record, view, rules)
    if view.get("deadline_error"):
        warn_unknown([view["deadline_error"]])
    warn_provisional([view], rules)


def _time(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def render(record, view: dict, rules) -> None:
    from rich.table import Table

    row = record.row
    out = console()
    card = Table(show_header=False, box=None, pad_edge=False)
    card.add_column(style="bold", no_wrap=True)
    card.add_column(overflow="fold")  # a long summary wraps, every character kept
    card.add_row("案件编号", f"{row['case_no']}  (版本 {row['version']})")
    state = label(rules, "state", row["state"])
    card.add_row("状态", f"{state} · {place(rules, row['destination'])}" if row["destination"] else state)
    card.add_row("期限", _deadline(view, rules))
    card.add_row("督办", str(row["escalation"]))
    card.add_row("登记时间", f"{_time(row['registered_at'])}（收到 {_time(row['received_at'])}）")
    card.add_row("纠纷", " · ".join([
        label(rules, "category", row["category"]), label(rules, "form", row["form"]),
        label(rules, "request", row["request"]), label(rules, "channel", row["channel"])]
        + ([f"{label(rules, 'department', row['referred_by'])}移送"] if row["referred_by"] else [])))
    card.add_row("属地", " · ".join(x for x in (label(rules, "unit", row["street"]), row["community"]) if x))
    card.add_row("纠纷概要", row["summary"])
    amount = amount_text(row["amount"])
    card.add_row("当事人数", f"{row['parties']} 人 · 涉及金额 {amount} 元 · 风险 {label(rules, 'risk', row['risk'])}")
    flags = [label(rules, "field", f) for f in FLAGS if view[f]]
    if flags:
        card.add_row("标记", "、".join(flags))
    for key, heading in (("applicants", "申请人"), ("respondents", "被申请人")):
        for p in view[key]:
            card.add_row(heading, " · ".join(x for x in (p["name"], p["id_number"], p["phone"]) if x))
    if row["transfers"] or row["extended"]:
        card.add_row("转办/延期", f"转办 {row['transfers']} 次 · " + (
            f"已延期 {row['extension_days']} 天" if row["extended"] else "未延期"))
    out.print(card)
    out.print()
    # At a narrow terminal the note and the place wrap, then the operator is left out.
    columns = [Column("#"), Column("时间"), Column("操作"), Column("状态"), Column("去向", give=2, wrap=True),
               Column("操作员", give=1), Column("说明", give=3, wrap=True)]
    rows = [[str(e["seq"]), _time(e["at"]), label(rules, "trigger", e["trigger"]), state_move(rules, e),
             label(rules, "destination", e["destination"]), _who(e), event_note(rules, e)]
            for e in record.events]
    print_table(columns, rows, title="经过")


def _deadline(view: dict, rules) -> str:
    if view.get("deadline_error"):
        words = desk_words()
        return f"未知：{words.deadline_unknown(view['deadline_error'])}"
    if not view.get("deadline"):
        return "无"
    limit = rules.time_limits[view["stage"]]
    notes = [limit.label]
    terms = limit.terms_for(category=view["category"], destination=view["destination"])
    if terms.counted_from == "registration":
        notes.append(f"自登记（收到申请）起{terms.limit}日，不得延期" if not terms.extendable
                     else f"自登记（收到申请）起{terms.limit}日")
    if view.get("deadline_provisional"):
        notes.append(PROVISIONAL)
    text = f"{view['deadline']}（{'，'.join(notes)}）"
    if view.get("judicial_confirmation"):
        text += f" · 司法确认提醒 {view['judicial_confirmation']}"
    return text


def _who(event: dict) -> str:
    """The operator, and the supervisor who entered it for them (代录) if someone did."""
    return f"{event['operator']}（{event['entered_by']}代录）" if event.get("entered_by") else event["operator"]
