"""Replay benchmark: 1,000,000 synthetic cases through the dry run and into a database; prints its figures.

    .venv/bin/python benchmarks/replay.py                 # generates the file into a temp dir
    .venv/bin/python benchmarks/replay.py --cases 200000  # smaller
    .venv/bin/python benchmarks/replay.py --keep /tmp/bench  # reuse (or keep) the generated file
    .venv/bin/python benchmarks/replay.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python benchmarks/replay.py --persisted-only   # only the persisted replay

The cases come from examples/make_history.py (the example history's columns
and proportions: parties, replay columns and all), spread over 2010-2020 so
that case numbers stay XS-YYYY-NNNNN. Each measurement runs in a fresh
process, which reports its own time and peak resident memory
(``resource.getrusage``); ``--tracemalloc`` adds a run that reports the peak
of Python's own allocations.

Two files are measured: A, the example history's 27 columns (parties' names,
ID numbers and phones, and the replay columns, all of which a dry run
checks), and B, the same cases with only the 17 case columns of docs/design.md §2.
Peak memory is the process's own (VmHWM; with workers, the parent's: each
worker is a process of about the same size). When the worker processes are
no faster than one, look for other processes using the cores; "per CPU s"
(cases per second of the process's own CPU time) is the steadier figure on a
shared machine.

The persisted replay (``--db``) stores file A into a new SQLite file (and,
with ``--pg URL``, into a new schema of that PostgreSQL database, dropped
after): every case with its parties and all its events, as
:mod:`mediation.replay.persisted` writes them; the database is initialised by
a separate process first, so the figures are the load's own. Then the same
file once more into the SQLite file, where every case is already stored (a
rerun, or a restart after a crash).

Targets (issue 5): dry run >= 250,000 cases/s on one process, peak < 200 MB;
persisted replay into SQLite >= 15,000 cases/s with all events.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
YEARS = range(2010, 2021)

# Each measurement: Python code run in a fresh process; it prints a JSON object.
_PRELUDE = """
import json, resource, sys, time, gc
path = sys.argv[1]
def peak_mb():
    # VmHWM: this process's own peak (ru_maxrss would include what the parent held when it forked)
    try:
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""
DICTREADER = _PRELUDE + """
import csv
t, c = time.perf_counter(), time.process_time()
with open(path, encoding="utf-8", newline="") as f:
    n = sum(1 for _ in csv.DictReader(f))
s, c = time.perf_counter() - t, time.process_time() - c
print(json.dumps({"rows": n, "seconds": s, "cpu": c, "peak_mb": peak_mb()}))
"""
READER = DICTREADER.replace("csv.DictReader(f)", "csv.reader(f)").replace("n = sum", "n = -1 + sum")
DRY_RUN = _PRELUDE + """
from mediation.rules import load_rules
from mediation.replay import dry_run
from mediation.cli.common import long_running
workers, out, trace = int(sys.argv[2]), sys.argv[3] or None, sys.argv[4] == "1"
long_running()  # the collector as the replay command sets it
rules = load_rules(sys.argv[5])
if trace:
    import tracemalloc
    tracemalloc.start()
t, c = time.perf_counter(), time.process_time()
summary = dry_run(path, rules, workers=workers, out=out)
s, c = time.perf_counter() - t, time.process_time() - c
result = {"rows": summary.read, "rejected": summary.rejected, "seconds": s, "cpu": c if workers == 1 else None,
          "peak_mb": peak_mb()}
if trace:
    result["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
print(json.dumps(result))
"""
PERSISTED = _PRELUDE + """
from mediation.rules import load_rules
from mediation.replay.persisted import persist
from mediation.store.database import open_database
from mediation.cli.common import long_running
long_running()
rules = load_rules(sys.argv[3])
db = open_database(sys.argv[2])
t, c = time.perf_counter(), time.process_time()
summary = persist(path, rules, db, operator="sup01").as_dict()
s, c = time.perf_counter() - t, time.process_time() - c
stored = summary["database"]
print(json.dumps({"rows": summary["read"], "stored": stored["stored"], "events": stored["events"],
                  "refused": stored["refused"], "seconds": s, "cpu": c, "peak_mb": peak_mb()}))
"""


def persisted(path: Path, url: str, rules: str) -> dict:
    """A persisted replay of ``path`` into the new, empty database ``url`` (initialised first, apart)."""
    init = subprocess.run([sys.executable, "-m", "mediation", "init", "--db", url], capture_output=True, text=True,
                          cwd=ROOT)
    if init.returncode:
        raise SystemExit(f"mediation init failed:\n{init.stderr}")
    return measure(PERSISTED, str(path), url, rules)


def pg_schema(base: str):
    """(a URL working in a new schema of ``base``, a function that drops it)."""
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()

    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), drop


def generate(path: Path, count: int) -> None:
    """``count`` cases in the example history's format, written year by year (memory stays flat)."""
    spec = importlib.util.spec_from_file_location("make_history", ROOT / "examples" / "make_history.py")
    history = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(history)
    from mediation.rules import load_rules

    rules = load_rules(ROOT / "rules")
    per_year = -(-count // len(YEARS))
    oral_share = history.ORAL / history.TOTAL
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(history.HEADINGS)
        for year in YEARS:
            n = min(per_year, count - written)
            if n <= 0:
                break
            w.writerows(history.generate(rules, count=n, oral=round(n * oral_share), year=year))
            written += n


def narrow(wide: Path, path: Path) -> None:
    """The same cases with the case columns of docs/design.md §2 only (no parties, no replay columns)."""
    drop = {"applicant_name", "applicant_id", "applicant_phone", "respondent_name", "respondent_phone",
            "actual_destination", "taken_at", "outcome", "agreement_form", "closed_at"}
    with open(wide, encoding="utf-8", newline="") as f, open(path, "w", encoding="utf-8", newline="") as out:
        reader, writer = csv.reader(f), csv.writer(out, lineterminator="\n")
        header = next(reader)
        keep = [i for i, h in enumerate(header) if h not in drop]
        writer.writerow([header[i] for i in keep])
        for row in reader:
            writer.writerow([row[i] for i in keep])


def measure(code: str, *args: str, tree: Path | None = None) -> dict:
    """Run a measurement in a fresh process (with ``tree``: against the package of that checkout)."""
    env = dict(os.environ, PYTHONPATH=str(tree)) if tree is not None else None
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=tree or ROOT,
                          env=env)
    if proc.returncode:
        raise SystemExit(f"measurement failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="directory for the generated file (reused if there)")
    parser.add_argument("--tracemalloc", action="store_true", help="also measure with tracemalloc (slower)")
    parser.add_argument("--pg", metavar="URL", help="also replay into PostgreSQL (a new schema, dropped after)")
    parser.add_argument("--persisted-only", action="store_true", help="measure only the persisted replay")
    parser.add_argument("--compare-with", metavar="DIR", type=Path,
                        help="also measure the dry runs of the checkout in DIR (e.g. a `git worktree` of an older "
                             "commit), each right after this one's, and print the ratios")
    parser.add_argument("--repeat", type=int, default=1, help="measure each dry run this many times; report the best")
    args = parser.parse_args()

    tmp = None
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        directory = args.keep
    else:
        tmp = tempfile.TemporaryDirectory(prefix="mediation-replay-bench-")
        directory = Path(tmp.name)
    path = directory / f"history-{args.cases}.csv"
    if not path.exists():
        t = time.perf_counter()
        generate(path, args.cases)
        print(f"generated {args.cases:,} cases in {time.perf_counter() - t:.1f} s: {path} "
              f"({path.stat().st_size / 2**20:.0f} MiB)")
    slim = directory / f"cases-{args.cases}.csv"
    if not slim.exists():
        narrow(path, slim)
    rules = str(ROOT / "rules")
    out = str(directory / "results.jsonl")
    cpus = str(os.cpu_count() or 2)

    print(f"A: {path.name}: the example history's 27 columns (parties and replay columns included)")
    print(f"B: {slim.name}: the 17 case columns of docs/design.md §2 only")
    rows = []
    if not args.persisted_only:
        def best(*spec: str, tree: Path | None = None) -> dict:
            runs = [measure(DRY_RUN, *spec, tree=tree) for _ in range(args.repeat)]
            return min(runs, key=lambda r: r["seconds"])

        dry = [("A  dry run, 1 process", (str(path), "1", "", "0")),
               ("A  dry run, 1 process, --out JSONL", (str(path), "1", out, "0")),
               (f"A  dry run, --workers {cpus}", (str(path), cpus, "", "0")),
               ("B  dry run, 1 process", (str(slim), "1", "", "0")),
               (f"B  dry run, --workers {cpus}", (str(slim), cpus, "", "0"))]
        rows += [("A  csv.DictReader alone", measure(DICTREADER, str(path))),
                 ("A  csv.reader alone", measure(READER, str(path))),
                 ("B  csv.DictReader alone", measure(DICTREADER, str(slim)))]
        for name, spec in dry:
            rows.append((name, best(*spec, rules)))
            if args.compare_with:
                other_rules = str(args.compare_with / "rules")
                rows.append((f"{name[:2]} (compared) {name[3:]}"[:38], best(*spec, other_rules, tree=args.compare_with)))
        if args.tracemalloc:
            rows.append(("A  dry run, 1 process, tracemalloc", measure(DRY_RUN, str(path), "1", "", "1", rules)))
    database = directory / "persisted.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    rows.append(("A  persisted replay into SQLite", persisted(path, f"sqlite:///{database}", rules)))
    # the same file again: every case is already there (what a restart after a crash skips)
    rows.append(("A  persisted replay again (all stored)", measure(PERSISTED, str(path), f"sqlite:///{database}",
                                                                   rules)))
    if args.pg:
        url, drop = pg_schema(args.pg)
        try:
            rows.append(("A  persisted replay into PostgreSQL", persisted(path, url, rules)))
        finally:
            drop()

    print(f"{'':38s} {'cases/s':>10s} {'per CPU s':>10s} {'seconds':>8s} {'peak MB':>8s}")
    for name, r in rows:
        rate = r["rows"] / r["seconds"]
        cpu = f"{r['rows'] / r['cpu']:10,.0f}" if r.get("cpu") else f"{'':10s}"
        extra = ""
        if "traced_peak_mb" in r:
            extra = f"  (Python allocations peak {r['traced_peak_mb']:.0f} MB)"
        if "events" in r:
            extra = f"  ({r['stored']:,} cases stored, {r['events']:,} events: {r['events'] / r['seconds']:,.0f}/s)"
            if not r["stored"]:
                extra = "  (every case already stored: nothing written)"
        print(f"{name:38s} {rate:10,.0f} {cpu} {r['seconds']:8.2f} {r['peak_mb']:8.0f}{extra}")
    rate = {name: r["rows"] / r["seconds"] for name, r in rows}
    if not args.persisted_only:
        for f in "AB":
            print(f"{f}: dry run / DictReader = "
                  f"{rate[f + '  dry run, 1 process'] / rate[f + '  csv.DictReader alone']:.2f}")
        if args.compare_with:
            print(f"compared with {args.compare_with} (this tree / that tree, cases/s):")
            for name, _spec in dry:
                other = f"{name[:2]} (compared) {name[3:]}"[:38]
                print(f"  {name:36s} {rate[name] / rate[other]:.3f}")
    print("targets: dry run >= 250,000 cases/s on one process (a third of DictReader), peak < 200 MB; "
          "persisted replay into SQLite >= 15,000 cases/s with all events")
    print(f"load average while measuring: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
