"""``mediation rules diff``: what a rule change would do to real cases."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mediation.cli.common import console, echo_json, long_running, place_text
from mediation.cli.options import input_format, input_format_option, load, parse_day
from mediation.replay import diff_rules


@click.command()
@click.argument("old", type=click.Path(file_okay=False, path_type=Path))
@click.argument("new", type=click.Path(file_okay=False, path_type=Path))
@click.option("--cases", "cases", required=True, metavar="FILE",
              help="The cases to route by both rule sets (CSV or JSON Lines, as for replay).")
@click.option("--samples", type=click.IntRange(min=0), default=5, show_default=True,
              help="Case numbers shown per move.")
@click.option("--as-of", "as_of", metavar="DATE", help="Route every case by the rules in force on DATE.")
@click.option("--all-rules", is_flag=True, help="List every rule, not only those whose hits change.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (moves, matrix, rules, rejects).")
@click.option("--encoding", metavar="NAME", help="The cases file's encoding (default: detected).")
@input_format_option
@click.option("--exit-code", "exit_code", is_flag=True,
              help="Exit 1 when any case moves, 0 when none does (as git diff --exit-code).")
@click.option("--ignore", multiple=True, metavar="COLUMN", help="A column to skip (repeatable).")
def diff(old: Path, new: Path, cases: str, samples: int, as_of: str | None, all_rules: bool, as_json: bool,
         encoding: str | None, fmt: str | None, old_format: str | None, exit_code: bool,
         ignore: tuple[str, ...]) -> None:
    """Route the same cases by rule sets OLD and NEW and show which cases move.

    A case ends up at its destination, or at its review outcome (rejected,
    referred_out:<unit>). The moves are listed from the most frequent, each
    with sample case numbers, followed by the rules whose hits change. With
    --exit-code: exit 1 when a case moves (a rule hit changing without a move
    does not count), as git diff --exit-code.
    """
    long_running()
    fmt = input_format(fmt, old_format)
    result = diff_rules(load(old), load(new), cases, as_of=parse_day(as_of, "--as-of"), samples=samples,
                        encoding=encoding, format=fmt, ignore=ignore)
    data = result.as_dict()
    if as_json:
        echo_json(data)
    else:
        show(data, load(new), all_rules=all_rules)
    if exit_code and data["moved"]:
        sys.exit(1)


def show(d: dict, rules, *, all_rules: bool = False) -> None:
    from rich.table import Table

    cat = rules.catalogue
    out = console()
    out.print(f"[bold]规则集对比 rules diff[/bold]  {d['old']['path']} ({d['old']['digest'][7:19]}) → "
              f"{d['new']['path']} ({d['new']['digest'][7:19]})  cases: {d['input']['file']}")
    compared = d["compared"]
    share = f" ({d['moved'] / compared:.1%})" if compared else ""
    out.print(f"{compared} 件 cases: {d['moved']} 件改变去向 move{share}, {d['unchanged']} 件不变 stay"
              + (f"; {d['rejected']} 行无法读取 rejected" if d["rejected"] else ""))
    if d["moves"]:
        t = Table(title="去向变化 moves (from → to)", title_justify="left")
        for c in ("原去向 from", "新去向 to", "件数", "案件 samples"):
            t.add_column(c, justify="right" if c == "件数" else "left", overflow="fold")
        for m in d["moves"]:
            t.add_row(place_text(cat, m["from"]), place_text(cat, m["to"]), str(m["count"]), " ".join(m["samples"]))
        out.print(t)
    rows = [r for r in d["rules"] if all_rules or r["change"]]
    if rows:
        t = Table(title="规则命中变化 rule hits", title_justify="left")
        for c in ("阶段", "规则", "旧 old", "新 new", "变化"):
            t.add_column(c, justify="left" if c in ("阶段", "规则") else "right")
        for r in rows:
            note = {"old": " (removed)", "new": " (added)"}.get(r["in"], "")
            t.add_row("审查" if r["stage"] == "review" else "分流", r["rule"] + note, str(r["old"]), str(r["new"]),
                      f"{r['change']:+d}" if r["change"] else "0")
        out.print(t)
    for r in d["rejects"]:
        out.print(f"[dim]line {r['line']}: {r['reason']}[/dim]")
