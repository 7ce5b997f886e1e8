"""``mediation queue DEST``: a room's or window's open cases, oldest first."""

from __future__ import annotations

from pathlib import Path

import click

from mediation import clock, desk
from mediation.cli.case.common import destination_of, label, warn_provisional, warn_unknown
from mediation.cli.case.list import print_cases
from mediation.cli.common import echo_json
from mediation.cli.complete import labels
from mediation.cli.options import db_option, load, parse_day, rules_option
from mediation.store.database import open_database


@click.command()
@click.argument("destination", metavar="DEST", shell_complete=labels("destination"))
@click.option("--limit", type=click.IntRange(1, 1000), default=1000, show_default=True)
@click.option("--as-of", "as_of", metavar="DATE", help="Judge lateness on DATE (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: the destination and its cases.")
@db_option
@rules_option
def queue(destination: str, limit: int, as_of: str | None, as_json: bool, db: str | None,
          rules_dir: Path | None) -> None:
    """A room's or window's open cases (diverted, in progress, awaiting closing), oldest first.

    DEST is a destination id (room.medical) or its name (医疗纠纷调解室). Each case
    shows its deadline, how many days it is overdue (逾期) and its 督办 level.
    """
    rules = load(rules_dir)
    day = parse_day(as_of, "--as-of") or clock.today()
    dest = destination_of(rules, destination, "destination")
    with open_database(db) as database:
        rows = desk.queue(database, dest, limit=limit)
    views = [desk.summary_view(r, rules, day) for r in rows]
    if as_json:
        echo_json({"destination": dest, "total": len(views), "cases": views})
    else:
        late = sum(v["overdue_days"] is not None for v in views)
        caption = f"待办 {len(views)} 件" + (f"，逾期 {late} 件" if late else "")
        print_cases(views, rules, title=f"{label(rules, 'destination', dest)} ({dest})",
                    caption=caption, show_destination=False)
    warn_unknown(v.get("deadline_error") for v in views)
    warn_provisional(views, rules, day)
