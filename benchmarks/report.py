"""Time of ``build_report`` over a large database (issue 6: "a report over a million cases is quick").

    .venv/bin/python benchmarks/report.py [--cases N] [--db URL] [--keep] [--runs R]

Fills a new database (default: a SQLite file in a temp directory; or --db, an
initialised, empty database) with N cases (default 1,000,000): the example
history of 2020 repeated, shifted by whole weeks into the years 2010-2020 with
case numbers of their own, each with its events (register, review, divert,
take, outcome, close), then prints the loading time and the median of R runs
(default 3) of :func:`mediation.report.build_report` for one year (~100,000
cases) and for the whole span. Synthetic case data only.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PER_YEAR = 54  # copies of the 1847 cases per year: 99,738 case numbers (at most 99,999)
CHUNK = 20_000


def copies(template, rules, n: int):
    """``n`` cases made from the history's, ``CHUNK`` at a time."""
    size = len(template)
    batch = []
    for k in range(n):
        copy_no, i = divmod(k, size)
        year = 2010 + copy_no // PER_YEAR
        seq = (copy_no % PER_YEAR) * size + i + 1
        shift = timedelta(weeks=52 * (year - 2020))
        item = template[i]
        row = dict(item.row, case_no=f"XS-{year}-{seq:05d}")
        for key in ("received_at", "registered_at", "stage_at", "updated_at"):
            row[key] = row[key] + shift
        events = [dict(e, at=e["at"] + shift) for e in item.events]
        parties = copy.copy(item.parties)
        batch.append(type(item)(row, [dict(p, case_no=row["case_no"]) for p in parties], events))
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def main() -> None:
    from tests.test_report import history_case, history_rows

    from mediation.report.figures import build_report
    from mediation.rules import load_rules
    from mediation.store.bulk import insert_cases
    from mediation.store.database import open_database
    from mediation.store.migrate import upgrade

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--db", help="an initialised, empty database URL (default: a new SQLite file)")
    parser.add_argument("--keep", metavar="PATH", help="build the SQLite file at PATH and keep it")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rules = load_rules(ROOT / "rules")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{args.keep or Path(tmp) / 'report.db'}"
        db = open_database(url, check=False, create=True)
        upgrade(db)
        template = [history_case(rules, data) for data in history_rows()]
        start = time.perf_counter()
        loaded = 0
        for batch in copies(template, rules, args.cases):
            with db.write() as conn:
                loaded += insert_cases(conn, batch)
        print(f"loaded {loaded:,} cases in {time.perf_counter() - start:.1f} s ({url.split(':')[0]})")
        last_year = 2010 + (args.cases - 1) // len(template) // PER_YEAR
        for label, first, last in (("one year (2015)", date(2015, 1, 1), date(2015, 12, 31)),
                                   (f"all ({2010}-{last_year})", date(2009, 1, 1), date(2020, 12, 31))):
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                report = build_report(db, rules, first, last, as_of=date(2026, 11, 27))
                times.append(time.perf_counter() - t0)
            print(f"build_report {label}: {report.total:,} cases, median {statistics.median(times):.2f} s, "
                  f"fastest {min(times):.2f} s")
        db.dispose()


if __name__ == "__main__":
    main()
