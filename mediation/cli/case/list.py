"""``mediation case list``: cases by state, destination, street, category and date."""

from __future__ import annotations

from pathlib import Path

import click

from mediation import clock, desk
from mediation.cli.case.common import choose, destination_of, label, warn_provisional, warn_unknown
from mediation.cli.common import echo_json
from mediation.cli.complete import labels
from mediation.cli.options import check_period, db_option, load, parse_day, rules_option
from mediation.cli.tables import Column, print_table
from mediation.desk.read import MAX_OFFSET
from mediation.errors import InputError
from mediation.store.database import open_database

#: --sort COLUMN: the columns shown, by id or heading -> the listing's sort key.
SORT_COLUMNS = {
    "case_no": "case_no", "案件编号": "case_no", "received_at": "received_at", "收到时间": "received_at",
    "category": "category", "纠纷类型": "category", "street": "street", "街道": "street",
    "state": "state", "状态": "state", "destination": "destination", "去向": "destination",
    "deadline": "deadline", "期限": "deadline", "overdue": "overdue", "逾期": "overdue",
    "escalation": "escalation", "督办": "escalation", "updated_at": "updated_at",
}
#: Sorts whose natural order is largest first: newest, latest, most overdue, most escalated.
LARGEST_FIRST = ("received_at", "case_no", "updated_at", "overdue", "escalation")


@click.command("list")
@click.option("--state", "states", metavar="STATE", multiple=True, shell_complete=labels("state"),
              help="Only cases in this state (id or label, e.g. 调解中; repeatable).")
@click.option("--destination", "destinations", metavar="DEST", multiple=True, shell_complete=labels("destination"),
              help="Only cases at this room or window (repeatable).")
@click.option("--street", "streets", metavar="UNIT", multiple=True, shell_complete=labels("unit"), help="Only from this unit (repeatable).")
@click.option("--category", "categories", metavar="CAT", multiple=True, shell_complete=labels("category"),
              help="Only of this category (repeatable).")
@click.option("--from", "since", metavar="DATE", help="Received on or after DATE.")
@click.option("--to", "until", metavar="DATE", help="Received on or before DATE.")
@click.option("--sort", "sort", metavar="COLUMN", default="received_at", show_default=True,
              help="Sort by a column shown (id or heading: 期限, deadline, 状态, ...). Newest, most "
                   "overdue and most escalated first; states in lifecycle order; others ascending.")
@click.option("--reverse", is_flag=True, help="The other way round (oldest first by default).")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True, help="Cases per page.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--overdue", is_flag=True, help="Only open cases past their deadline (督办 candidates).")
@click.option("--as-of", "as_of", metavar="DATE", help="Judge lateness on DATE (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: total, page, pages and the cases.")
@db_option
@rules_option
def list_cases(states, destinations, streets, categories, since, until, sort, reverse, limit, page,
               overdue: bool, as_of: str | None, as_json: bool, db: str | None,
               rules_dir: Path | None) -> None:
    """List cases (no personal data), newest received first unless --sort/--reverse say otherwise.

    Each case shows its deadline, how many days it is overdue (逾期) and its
    recorded 督办 level. --overdue keeps only the open cases past their deadline.
    A page past the last is refused (exit 2); --json gives the page count.
    """
    rules = load(rules_dir)
    cat = rules.catalogue
    day = parse_day(as_of, "--as-of") or clock.today()
    if (page - 1) * limit > MAX_OFFSET:
        raise InputError(f"--page {page} lies beyond any list of cases "
                         f"(at most {MAX_OFFSET // limit + 1} pages of {limit})", why="page_too_far", option="--page",
                         value=page, bound=(MAX_OFFSET // limit + 1, limit))
    key = SORT_COLUMNS.get(sort.strip().lower()) or SORT_COLUMNS.get(sort.strip())
    if key is None:
        raise InputError(f"cannot sort by {sort!r}",
                         hint="sort by a column shown: " + ", ".join(k for k in SORT_COLUMNS if k.isascii()),
                         why="sort", option="--sort", value=sort, bound=tuple(k for k in SORT_COLUMNS if k.isascii()))
    received_from, received_to = parse_day(since, "--from"), parse_day(until, "--to")
    check_period(received_from, received_to)
    database = open_database(db)
    result = desk.list_cases(
        database,
        state=[choose(rules, "state", s, "--state") for s in states],
        destination=[destination_of(rules, d, "destination") for d in destinations],
        street=[cat.resolve("unit", s, field="street") for s in streets],
        category=[cat.resolve("category", c, field="category") for c in categories],
        received_from=received_from, received_to=received_to,
        sort=key, descending=(key in LARGEST_FIRST) != reverse, limit=limit, offset=(page - 1) * limit,
        overdue_on=day if overdue else None, rules=rules, as_of=day,
    )
    database.dispose()
    if page > max(result.pages, 1):
        raise InputError(f"没有第 {page} 页：共 {result.total} 件，每页 {limit} 件，共 {result.pages} 页"
                         + (f"（最后一页: --page {result.pages}）" if result.pages else ""))
    views = [desk.summary_view(r, rules, day) for r in result.rows]
    if as_json:
        out = {"total": result.total, "page": page, "pages": result.pages, "limit": limit,
               "sort": key, "descending": (key in LARGEST_FIRST) != reverse, "cases": views}
        if overdue:
            out.update(as_of=day, unknown=result.unknown)
        echo_json(out)
    else:
        first = result.offset + 1 if views else 0
        caption = f"第 {first}–{result.offset + len(views)} 件，共 {result.total} 件"
        if result.pages > 1:
            caption += f"（第 {page}/{result.pages} 页）"
        if overdue:
            caption = f"截至 {day.isoformat()} 逾期：" + caption
        print_cases(views, rules, title=None, caption=caption)
    warn_unknown([v.get("deadline_error") for v in views] + [u["deadline_error"] for u in result.unknown])
    warn_provisional(views, rules, day)


def print_cases(views: list[dict], rules, *, title: str | None, caption: str,
                show_destination: bool = True) -> None:
    """A table of case summaries (list and queue): case numbers and states always whole;
    at a narrow terminal the street, the category and the time received give way first."""
    columns = [Column("案件编号"), Column("收到时间", give=2), Column("纠纷类型", give=3),
               Column("街道", give=5), Column("状态")]
    columns += [Column("去向", give=4, wrap=True)] if show_destination else []
    columns += [Column("期限", give=1), Column("逾期"), Column("督办")]
    rows = []
    for v in views:
        cells = [v["case_no"], v["received_at"].strftime("%Y-%m-%d %H:%M"),
                 label(rules, "category", v["category"]), label(rules, "unit", v["street"]),
                 label(rules, "state", v["state"])]
        if show_destination:
            cells.append(label(rules, "destination", v["destination"]))
        cells += [deadline_cell(v), overdue_text(v), str(v["escalation"])]
        rows.append(cells)
    print_table(columns, rows, title=title, caption=caption)


#: How a date counted through a provisional year is marked wherever it is shown.
PROVISIONAL = "暂定"


def deadline_cell(view: dict) -> str:
    """``2027-01-05 暂定`` for a provisional deadline, ``未知`` for one the calendar cannot give."""
    if view.get("deadline_error"):
        return "未知"
    if not view.get("deadline"):
        return ""
    return f"{view['deadline']} {PROVISIONAL}" if view.get("deadline_provisional") else view["deadline"]


def overdue_text(view: dict) -> str:
    """``8天/5工作日`` for a case overdue by 8 calendar (5 working) days; empty if not overdue.

    ``暂定`` follows when the count ran through a provisional year.
    """
    days = view.get("overdue_days")
    if days is None:
        return ""
    working = view.get("overdue_working_days")
    text = f"{days}天/{working}工作日" if working is not None else f"{days}天"
    return f"{text} {PROVISIONAL}" if view.get("overdue_provisional") else text
