"""``mediation rules``: show, test, check and diff rule sets."""

from __future__ import annotations

from pathlib import Path

import click

from mediation import clock
from mediation.cli import LazyGroup
from mediation.cli.common import console, echo_json
from mediation.cli.options import load, parse_day, rules_option

SUBCOMMANDS = {
    "show": ("mediation.cli.rules:show", "List the catalogue and the review and routing rules."),
    "test": ("mediation.cli.rules.tools:test", "Run the rule test files, with rule coverage."),
    "check": ("mediation.cli.rules.tools:check", "Validate a rule set and lint it for mistakes."),
    "diff": ("mediation.cli.rules.diff:diff", "Compare two rule sets over the same cases."),
    "fmt": ("mediation.cli.rules.fmt:fmt", "Rewrite rule files in the canonical form (--check: only look)."),
}


@click.group(cls=LazyGroup, lazy=SUBCOMMANDS)
def rules() -> None:
    """Rule sets: what they say, whether they are right, what a change does."""


def rule_rows(rules_set, policy: str) -> list[dict]:
    """The rules of a policy as plain rows (id, label, condition, outcome, dates, source)."""
    out = []
    items = rules_set.review_rules if policy == "review" else rules_set.routing_rules
    for r in items:
        if policy == "review":
            outcome = r.outcome + (f" → {r.to or 'street'}" if r.outcome == "referred_out" else "")
        else:
            outcome = r.to
        out.append({
            "id": r.id,
            "label": r.label,
            "when": rules_set.describe(r.when),
            "outcome": outcome,
            "valid_from": r.validity.valid_from,
            "valid_until": r.validity.valid_until,
            "source": str(r.source) if r.source else None,
        })
    return out


def catalogue_rows(rules_set) -> dict[str, list[dict]]:
    cat = rules_set.catalogue
    return {
        "units": [{"id": u.id, "name": u.name, "code": u.code, "judicial_office": u.judicial_office,
                   "outside": u.outside, "aliases": list(u.aliases)} for u in cat.units.values()],
        "categories": [{"id": c.id, "name": c.name, "department": c.department, "aliases": list(c.aliases)}
                       for c in cat.categories.values()],
        "departments": [{"id": d.id, "name": d.name, "aliases": list(d.aliases)} for d in cat.departments.values()],
        "destinations": [{"id": d.id, "name": d.name, "host": d.host, "mediation_type": d.mediation_type,
                          "responsible": d.responsible} for d in cat.destinations.values()],
    }


@click.command()
@rules_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--compiled", is_flag=True, help="Print the Python code the rules compile to.")
@click.option("--as-of", "as_of", metavar="DATE", help="With --compiled: the rules in force on DATE.")
@click.argument("section", required=False,
                type=click.Choice(["units", "categories", "departments", "destinations", "review", "routing"]))
def show(rules_dir: Path | None, as_json: bool, compiled: bool, as_of: str | None, section: str | None) -> None:
    """List the catalogue and the rules (or only SECTION)."""
    rs = load(rules_dir)
    if compiled:
        click.echo(rs.compiled_source(parse_day(as_of, "--as-of") or clock.today()))
        return
    data = {**catalogue_rows(rs), "review": rule_rows(rs, "review"), "routing": rule_rows(rs, "routing")}
    if section:
        data = {section: data[section]}
    if as_json:
        echo_json({"path": str(rs.path), "digest": rs.digest, **data})
        return
    from rich.table import Table

    out = console()
    out.print(f"[bold]规则集[/bold] {rs.path}  {rs.digest}")
    cat = rs.catalogue
    titles = {"units": "属地 (territorial units)", "categories": "纠纷类型 (categories)",
              "departments": "部门 (departments)", "destinations": "调解室与窗口 (destinations)",
              "review": "受理审查 (review)", "routing": "分流 (routing)"}
    for name, rows in data.items():
        t = Table(title=titles[name], title_justify="left")
        if name == "units":
            cols = ["id", "名称", "代码", "司法所", "别名"]
            body = [[u["id"], u["name"], u["code"] or "", u["judicial_office"] or ("区外" if u["outside"] else ""),
                     "、".join(u["aliases"])] for u in rows]
        elif name == "categories":
            cols = ["id", "名称", "主管部门", "别名"]
            body = [[c["id"], c["name"], cat.label("department", c["department"]), "、".join(c["aliases"])]
                    for c in rows]
        elif name == "departments":
            cols = ["id", "名称", "别名"]
            body = [[d["id"], d["name"], "、".join(d["aliases"])] for d in rows]
        elif name == "destinations":
            cols = ["id", "名称", "承办部门", "调解类型", "责任部门"]
            body = [[d["id"], d["name"], cat.label("department", d["host"]),
                     cat.label("mediation_type", d["mediation_type"]),
                     "纠纷类型的主管部门" if d["responsible"] == "category" else "承办部门"] for d in rows]
        else:
            cols = ["#", "规则", "说明", "条件", "结果", "有效期", "位置"]
            body = [[str(i), r["id"], r["label"] or "", r["when"], _outcome_label(cat, name, r["outcome"]),
                     _period(r), r["source"] or ""] for i, r in enumerate(rows, 1)]
        for c in cols:
            t.add_column(c, overflow="fold")
        for row in body:
            t.add_row(*row)
        out.print(t)


def _outcome_label(cat, policy: str, outcome: str) -> str:
    if policy == "routing":
        return f"{cat.label('destination', outcome)} ({outcome})"
    return outcome


def _period(row: dict) -> str:
    if not row["valid_from"] and not row["valid_until"]:
        return ""
    return f"{row['valid_from'] or '…'} – {row['valid_until'] or '…'}"
