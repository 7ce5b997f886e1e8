"""``mediation route``: review and route cases from JSON, without a database."""

from __future__ import annotations

from pathlib import Path

import click

from mediation.case_files import parse_cases
from mediation.cli.common import console, echo_json
from mediation.cli.options import load, parse_day, rules_option
from mediation.rules.results import route_result


@click.command()
@click.argument("file", type=str)
@rules_option
@click.option("--explain", is_flag=True, help="Show every rule tried and why it did or did not match.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the shape of docs/design.md §7).")
@click.option("--as-of", "as_of", metavar="DATE", help="Use the rules in force on DATE instead of each case's date.")
def route(file: str, rules_dir: Path | None, explain: bool, as_json: bool, as_of: str | None) -> None:
    """Review and route the case(s) in FILE (one JSON object or a list; - for stdin).

    Nothing is stored. Each case is reviewed (受理审查) and, if accepted,
    routed (分流) to a room or window by the rules in force on its
    received_at date, or on --as-of.
    """
    rules = load(rules_dir)
    day = parse_day(as_of, "--as-of")
    cases, is_list = parse_cases(file, rules)
    results = [route_result(c, rules, as_of=day, explain=explain) for c in cases]
    if as_json:
        echo_json(results if is_list else results[0])
        return
    out = console()
    if len(cases) == 1 and not is_list:
        show_one(out, cases[0], results[0], rules)
    else:
        show_table(out, cases, results, rules)
        if explain:
            for n, (case, result) in enumerate(zip(cases, results, strict=True), 1):
                out.print()
                out.print(f"[bold]案件 {case.case_no or n}[/bold]")
                show_trace(out, result["trace"], rules)


def show_one(out, case, result: dict, rules) -> None:
    from rich.table import Table

    cat = rules.catalogue
    review, decision = result["review"], result["decision"]
    t = Table(show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold")
    t.add_column()
    t.add_row("案件", case.case_no or "(未编号)")
    t.add_row("纠纷", f"{cat.label('category', case.category)} · {cat.label('form', case.form)} · "
                    f"{cat.label('request', case.request)} · {cat.label('channel', case.channel)}")
    t.add_row("审查", f"{cat.label('review_outcome', review['outcome'])}  ({review['rule']}) {review['reason']}"
              + (f" → {cat.place(review['to'])}" if review["to"] else ""))
    if decision:
        t.add_row("分流", f"[bold]{cat.label('destination', decision['destination'])}[/bold]  "
                        f"{decision['destination']}")
        t.add_row("责任部门", f"{cat.label('department', decision['department'])}  ({decision['department']})")
        office = decision["judicial_office"] or "无（区外）"
        t.add_row("属地", f"{cat.label('unit', decision['unit'])} · {office}")
        t.add_row("调解类型", cat.label("mediation_type", decision["mediation_type"]))
        rule = next((r for r in rules.routing_rules if r.id == decision["rule"]), None)
        t.add_row("规则", f"{decision['rule']}" + (f"  {rule.label}" if rule and rule.label else ""))
        t.add_row("规则集", decision["rules_digest"][:19] + "…")
    out.print(t)
    if "trace" in result:
        out.print()
        show_trace(out, result["trace"], rules)


def show_table(out, cases, results, rules) -> None:
    from rich.table import Table

    cat = rules.catalogue
    t = Table(title=f"{len(cases)} 件")
    for heading in ("#", "案件", "纠纷类型", "街道", "审查", "分流去向", "责任部门", "规则"):
        t.add_column(heading)
    for n, (case, r) in enumerate(zip(cases, results, strict=True), 1):
        review, decision = r["review"], r["decision"]
        outcome = cat.label("review_outcome", review["outcome"])
        if review["to"]:
            outcome += f" → {cat.place(review['to'])}"
        t.add_row(
            str(n), case.case_no or "", cat.label("category", case.category), cat.label("unit", case.street),
            outcome,
            cat.label("destination", decision["destination"]) if decision else "",
            cat.label("department", decision["department"]) if decision else "",
            decision["rule"] if decision else review["rule"],
        )
    out.print(t)


def show_trace(out, trace: list[dict], rules) -> None:
    from rich.table import Table

    t = Table(title="规则轨迹 (explain)", title_justify="left")
    for heading in ("阶段", "规则", "结果", "条件", "未满足", "案件值"):
        t.add_column(heading, overflow="fold")
    for s in trace:
        stage = "审查" if s["stage"] == "review" else "分流"
        mark = "[green]✓ 命中[/green]" if s["matched"] else "✗"
        t.add_row(stage, s["rule"], mark, s["condition"], s["failed"] or "", s["value"] or "")
    out.print(t)
