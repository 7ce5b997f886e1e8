"""Throughput and latency of ``mediation serve``: partners submitting cases over HTTP.

    .venv/bin/python benchmarks/serve.py [--clients 16] [--each 100] [--db URL] [--workers N]
                                         [--decisions]

Starts a real server on a loopback port (a new SQLite file in a temp directory,
or --db: an initialised PostgreSQL database or schema, whose cases are kept),
adds one partner per four clients, and lets CLIENTS threads each submit EACH
cases with their own Idempotency-Key over keep-alive connections. Prints the
submissions per second and the p50/p90/p99/max latency, and checks that every
case was stored once. With --decisions, also times POST /v1/decisions. Synthetic
case data only. Not a test: nothing is asserted about speed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASE = {"form": "口头", "category": "邻里", "street": "相南街道", "summary": "噪音纠纷（基准测试）",
        "applicants": [{"name": "测试甲", "phone": "13800000001"}]}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(server, tokens: list[str], clients: int, each: int, path: str, body) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client(k: int) -> None:
        nonlocal errors
        c = server.client(tokens[k % len(tokens)])
        mine, bad = [], 0
        barrier.wait()
        for n in range(each):
            t = time.perf_counter()
            a = c.post(path, body(k, n), headers={"Idempotency-Key": f"bench-{k}-{n}-{time.time_ns()}"})
            mine.append(time.perf_counter() - t)
            bad += a.status not in (200, 201)
        c.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - start, latencies, errors


def report(title: str, seconds: float, latencies: list[float], errors: int) -> None:
    ms = [x * 1000 for x in latencies]
    print(f"{title}: {len(ms)} requests in {seconds:.2f} s = {len(ms) / seconds:,.0f}/s; "
          f"latency p50 {statistics.median(ms):.1f} ms, p90 {percentile(ms, 90):.1f} ms, "
          f"p99 {percentile(ms, 99):.1f} ms, max {max(ms):.1f} ms; errors {errors}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--each", type=int, default=100)
    parser.add_argument("--db", help="an initialised database URL (default: a new SQLite file)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--decisions", action="store_true", help="also time POST /v1/decisions")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from mediation import desk
    from mediation.store.database import open_database
    from mediation.store.migrate import upgrade
    from mediation.store.schema import cases
    from tests.service.server import Server
    from tests.support import shipped_rules

    rules = shipped_rules()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        if not args.db:
            upgrade(open_database(url, check=False, create=True))
        stamp = time.strftime("%H%M%S")
        with open_database(url) as db:
            with db.read() as conn:
                before = conn.execute(select(func.count()).select_from(cases)).scalar_one()
            tokens = [desk.add_partner(db, rules, f"bench{stamp}-{i}", "court", operator="sup01")[1]
                      for i in range(max(1, args.clients // 4))]
        server = Server(url, "--quiet", "--rate-limit", "0", "--workers", str(args.workers),
                        log=Path(tmp) / "serve.log")
        try:
            backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
            title = f"POST /v1/cases, {args.clients} clients x {args.each}, {backend}, {args.workers} worker(s)"
            report(title, *run(server, tokens, args.clients, args.each, "/v1/cases",
                               lambda k, n: {**CASE, "summary": f"基准 {k}-{n}"}))
            if args.decisions:
                report(f"POST /v1/decisions, {args.clients} clients x {args.each}",
                       *run(server, tokens, args.clients, args.each, "/v1/decisions", lambda k, n: CASE))
        finally:
            server.stop()
        with open_database(url) as db, db.read() as conn:
            after = conn.execute(select(func.count()).select_from(cases)).scalar_one()
        print(f"stored: {after - before} new cases (expected {args.clients * args.each})")


if __name__ == "__main__":
    main()
