"""``mediation replay``: replay historical cases through the rules (a dry run), or load them (``--db``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mediation.cli.common import console, dumps, long_running, place_text
from mediation.cli.options import input_format, input_format_option, load, parse_day, rules_option
from mediation.desk.identity import identify
from mediation.errors import InputError
from mediation.replay import dry_run, persist
from mediation.replay.output import is_stdout
from mediation.store.database import open_database
from mediation.text import CSV_ENCODINGS


@click.command()
@click.argument("file", type=str)
@rules_option
@click.option("--as-of", "as_of", metavar="DATE", help="Route every case by the rules in force on DATE "
              "(default: each case by its own date). Dry runs only.")
@click.option("--compare", is_flag=True, help="Compare with the file's actual_destination column: agreement "
              "rate and the disagreements.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write one result per case: JSON Lines (docs/design.md §7 shape plus line), or CSV for *.csv; "
                   "- for standard output (the summary then goes to standard error).")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Where unreadable rows go (line, reason, original columns), and with --db the rows "
                   "not stored; default beside --out, else NAME.rejects.csv in the current directory; "
                   "- for standard output.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes to use; the result is the same as with one. Dry runs only.")
@click.option("--encoding", metavar="NAME", help="The file's encoding (default: UTF-8, UTF-8 with BOM or "
              "GB18030, detected).")
@input_format_option
@click.option("--csv-encoding", "csv_encoding", type=click.Choice(CSV_ENCODINGS, case_sensitive=False),
              help="Encoding of the CSV files written (--out *.csv, a CSV rejects file): utf-8-sig (UTF-8 with the "
                   "BOM Excel needs; the default, but a GB18030 input's rejects stay GB18030), utf-8, or gb18030.")
@click.option("--ignore", multiple=True, metavar="COLUMN", help="A column to skip (repeatable).")
@click.option("--db", "db", metavar="PATH|URL", default=None,
              help="Store the cases in this database (a SQLite file or a postgresql+psycopg:// URL) with "
                   "their history; without it nothing is stored.")
@click.option("--strict", is_flag=True, help="Exit 1 when any row was rejected (or, with --db, not stored); "
              "for scripts. The summary and files are written as without it.")
@click.option("--operator", "operator", metavar="ID", envvar="MEDIATION_OPERATOR", default=None,
              help="With --db: the supervisor importing the history; may be left out, since the login "
                   "says who you are; given, it must be you (default: $MEDIATION_OPERATOR).")
@click.option("--batch", "batch", type=click.IntRange(min=1), default=5000, show_default=True,
              help="With --db: cases per transaction.")
def replay(file: str, rules_dir: Path | None, as_of: str | None, compare: bool, as_json: bool, out: Path | None,
           rejects: Path | None, workers: int, encoding: str | None, fmt: str | None, old_format: str | None,
           csv_encoding: str | None, ignore: tuple[str, ...], db: str | None, operator: str | None,
           strict: bool, batch: int) -> None:
    """Review and route every case in FILE (CSV or JSON Lines) as the rules would.

    Without --db nothing is stored (a dry run). Each case is routed by the rules
    in force on its received_at date (or on --as-of). The summary counts review
    outcomes, destinations, rules and territorial units, and always states
    read = routed + rejected. Rows that cannot be read never stop the run: they
    go to the rejects file with their line number and the reason.

    With --db (run by a supervisor) every case is registered,
    reviewed and diverted at its received_at and carried through taken_at,
    outcome and closed_at as the file says, with the events a desk would
    write. Each row needs its case_no; a rerun adds only what is missing, and a
    case stored with different content goes to the rejects file, untouched.

    The rejects file goes beside --out, else into the current directory
    (never beside FILE); --strict makes any rejected or refused row exit 1.
    """
    long_running()
    fmt = input_format(fmt, old_format)
    rules = load(rules_dir)
    day = parse_day(as_of, "--as-of")
    if db is not None:
        _check_persisted(as_of=day, workers=workers)
    bar = _ProgressBar() if sys.stderr.isatty() and not as_json else None
    try:
        if db is None:
            summary = dry_run(file, rules, as_of=day, compare=compare, out=out, rejects=rejects, workers=workers,
                              encoding=encoding, format=fmt, ignore=ignore, csv_encoding=csv_encoding,
                              progress=bar.update if bar is not None else None)
        else:
            summary = _persisted(file, rules, db, operator=operator, compare=compare, out=out, rejects=rejects,
                                 encoding=encoding, fmt=fmt, ignore=ignore, batch=batch, csv_encoding=csv_encoding,
                                 progress=bar.update if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()
    data = summary.as_dict()
    # results or rejects on standard output (-): the summary goes to standard error
    to_stderr = is_stdout(out) or is_stdout(rejects)
    if as_json:
        click.echo(dumps(data), err=to_stderr)
    else:
        show_summary(data, rules, stderr=to_stderr)
    if strict and not_replayed(data):
        sys.exit(1)


def not_replayed(s: dict) -> int:
    """The rows a replay did not route (rejected), refused, or with --db did not store: what --strict counts."""
    stored = s.get("database")
    n = s["rejected"] + s["refused"]
    if stored:
        n += stored["conflicts"] + stored["unnumbered"]
    return n


def _check_persisted(*, as_of, workers: int) -> None:
    if workers > 1:
        raise InputError("--workers is for dry runs: a persisted replay (--db) runs on one process "
                         "(the database takes one writer at a time)")
    if as_of is not None:
        raise InputError("--as-of is for dry runs: a persisted replay (--db) routes each case by the rules "
                         "in force on its own date")


def _persisted(file: str, rules, db: str, *, operator: str | None, compare: bool, out, rejects, encoding, fmt,
               ignore, batch: int, csv_encoding, progress):
    with open_database(db) as database:
        acting = identify(database, operator)
        return persist(file, rules, database, operator=acting.operator, compare=compare, out=out, rejects=rejects,
                       encoding=encoding, format=fmt, ignore=ignore, batch_size=batch, progress=progress,
                       csv_encoding=csv_encoding)


class _ProgressBar:
    """A rich progress bar on stderr (rows/s, ETA from bytes read), started on the first report."""

    def __init__(self) -> None:
        self.progress = None
        self.task = None

    def update(self, rows: int, position: int, size: int) -> None:
        from time import perf_counter

        if self.progress is None:
            from rich.progress import (
                BarColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.progress = Progress(
                TextColumn("回放 replay"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                TextColumn("{task.fields[rows]:,} 件"), TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=console(stderr=True), transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task("replay", total=size, rows=0, rate="")
            self.started = perf_counter()
        elapsed = perf_counter() - self.started
        rate = f"{rows / elapsed:,.0f} 件/秒" if elapsed > 0 else ""
        self.progress.update(self.task, completed=position, rows=rows, rate=rate)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def show_summary(s: dict, rules, *, stderr: bool = False) -> None:
    """The summary as tables, with the catalogue's Chinese labels (on standard error if ``stderr``)."""
    from rich.table import Table

    cat = rules.catalogue
    out = console(stderr=stderr)
    inp = s["input"]
    stored = s.get("database")
    mode = f"→ {stored['url']}" if stored else "(dry run)"
    out.print(f"[bold]回放[/bold] {mode}  {inp['file']}  ({inp['format']}, {inp['encoding']})  "
              f"规则集 {s['rules']['path']} {s['rules']['digest'][:19]}…"
              + (f"  按 {s['as_of']} 的规则" if s["as_of"] else ""))
    rate = f"{s['cases_per_second']:,} 件/秒" if s["cases_per_second"] else ""
    out.print(f"读取 read {s['read']} = 已审查 routed {s['routed']} + 无法读取 rejected {s['rejected']}    "
              f"{s['seconds']:.2f} s  {rate}" + (f"  ({s['workers']} 进程)" if s["workers"] > 1 else ""))
    if stored:
        out.print(f"入库 routed {s['routed']} = 已存入 stored {stored['stored']} + 已存在 already present "
                  f"{stored['already_present']} + 拒绝 refused {stored['refused']}    事件 events "
                  f"{stored['events']}  操作员 operator {stored['operator']}")
    review = s["review"]
    out.print("审查 review: " + " · ".join(f"{cat.label('review_outcome', k)} {k} {v}" for k, v in review.items()))

    out.print(_stored_destinations(s, cat) if stored else _rules_destinations(s, cat))

    t = Table(title="规则命中 (rules hit)", title_justify="left")
    for c in ("阶段", "规则", "件数"):
        t.add_column(c, justify="right" if c == "件数" else "left")
    for stage, label in (("review", "审查"), ("routing", "分流")):
        for rule, n in s["rules_hit"][stage].items():
            t.add_row(label, rule, str(n) if n else "[dim]0[/dim]")
    out.print(t)

    t = Table(title="属地 (territorial units)", title_justify="left")
    for c in ("属地", "id", "件数"):
        t.add_column(c, justify="right" if c == "件数" else "left")
    for unit, n in s["units"].items():
        t.add_row(cat.label("unit", unit), unit, str(n))
    out.print(t)

    cmp = s["compare"]
    if cmp is not None:
        rate = f"{cmp['agreement']:.1%}" if cmp["agreement"] is not None else "—"
        out.print(f"[bold]对照 compare[/bold]: 一致 agreed {cmp['agreed']} / {cmp['compared']} = {rate}"
                  f"  (无实际去向 not compared: {cmp['not_compared']})")
        if cmp["disagreements"]:
            t = Table(title="不一致 (actual → rules)", title_justify="left")
            for c in ("实际去向 actual", "规则去向 rules", "件数"):
                t.add_column(c, justify="right" if c == "件数" else "left")
            for d in cmp["disagreements"]:
                t.add_row(place_text(cat, d["actual"]), place_text(cat, d["predicted"]), str(d["count"]))
            out.print(t)

    files = s["files"]
    if files["out"]:
        out.print(f"结果 results → {files['out']}")
    if files["rejects"] and stored:
        out.print(f"无法读取或拒绝入库的行 rejects ({s['rejected'] + stored['refused']}) → {files['rejects']}")
    elif files["rejects"]:
        out.print(f"无法读取的行 rejects ({s['rejected']}) → {files['rejects']}")
    else:
        out.print("无法读取的行 rejects: 0 (no rejects file written)")


def _rules_destinations(s: dict, cat):
    """A dry run's destinations: where the rules send the cases."""
    from rich.table import Table

    review = s["review"]
    accepted = review.get("accepted", 0)
    t = Table(title="分流去向 (destinations)", title_justify="left")
    for c in ("去向", "id", "件数", "占受理"):
        t.add_column(c, justify="right" if c in ("件数", "占受理") else "left")
    for dest, n in s["destinations"].items():
        t.add_row(cat.label("destination", dest), dest, str(n), _pct(n, accepted))
    for to, n in s["referred_to"].items():
        t.add_row(f"移交 {cat.place(to)}", f"referred_out:{to}", str(n), "")
    if review.get("rejected"):
        t.add_row("不予受理", "rejected", str(review["rejected"]), "")
    return t


def _stored_destinations(s: dict, cat):
    """A persisted replay's destinations: where this file's cases are in the database (what ``report``
    counts: where they actually went), with where today's rules would send them beside it."""
    from rich.table import Table

    stored = s["database"]["destinations"]
    review = s["review"]
    rules_view = dict(s["destinations"])
    if review.get("rejected"):
        rules_view["rejected"] = review["rejected"]
    if s["referred_to"]:
        rules_view["referred_out"] = sum(s["referred_to"].values())
    in_db = sum(n for k, n in stored.items() if k not in _NOT_DIVERTED)
    t = Table(title="入库去向 (destinations stored; 规则 = where the rules would send them)",
              title_justify="left")
    for c in ("去向", "id", "入库 stored", "占入库", "规则 rules"):
        t.add_column(c, justify="left" if c in ("去向", "id") else "right")
    keys = list(stored) + [k for k in rules_view if k not in stored]
    keys.sort(key=lambda k: (k in _NOT_DIVERTED, -stored.get(k, 0), -rules_view.get(k, 0), k))
    for key in keys:
        n = stored.get(key, 0)
        label = cat.label("state", key) if key in _NOT_DIVERTED else cat.label("destination", key)
        t.add_row(label, key, str(n), "" if key in _NOT_DIVERTED else _pct(n, in_db),
                  str(rules_view.get(key, 0)))
    return t


#: Where a case is when it has no destination: its state.
_NOT_DIVERTED = ("rejected", "referred_out", "withdrawn", "registered", "under_review")


def _pct(n: int, total: int) -> str:
    return f"{n / total:.1%}" if total else ""
