"""Benchmark: `mediation rules check` (load + lint) on the shipped rule set and
on a generated rule set of 1,000 routing rules (target: under 2 s each).

    .venv/bin/python benchmarks/lint.py [--rules N] [--repeat R] [--thresholds N ...] [--timeout S]

The generated set extends the shipped catalogue and replaces its routing with
N rules drawn (with a fixed seed) from the shapes real policies use: category
by street, amount and party thresholds, keywords in the summary, request and
channel, any/not combinations; and entangled sets (``generate_thresholds``)
whose rules all overlap, which the exact analysis cannot finish (issue 11) and
the bounded one does. Each set is measured in a process of its own; it prints
the time to load and to lint, the peak memory, and the findings by severity.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mediation.rules import load_rules  # noqa: E402
from mediation.rules.lint.findings import lint  # noqa: E402

CATEGORIES = ["marriage_family", "neighbor", "housing_land", "contract", "business", "damages", "forest_land",
              "demolition", "environment", "labor", "consumer", "medical", "traffic", "property", "other"]
STREETS = ["xiangnan", "dongjie", "xijie", "dongshan", "renwei", "nanli", "quyang", "sandikou", "qugou", "kaifaqu"]
DESTINATIONS = ["room.general", "room.petition", "room.property", "room.medical", "room.labor", "room.family",
                "room.traffic", "room.consumer", "room.land", "room.court", "room.lawyer", "window.mediation",
                "window.consult", "window.legal_service", "window.legal_aid", "window.petition",
                "window.litigation", "window.reconsideration"]
WORDS = ["欠薪", "讨薪", "工伤", "噪音", "漏水", "停车", "装修", "宠物", "借款", "彩礼", "抚养", "赡养", "拆迁款",
         "宅基地", "医疗事故", "交通事故", "物业费", "押金", "退款", "保险", "拖欠", "租金", "违建", "污染",
         "占道", "邻里", "遗产", "分红", "承包", "征收"]
REQUESTS = ["mediation", "consultation", "legal_aid", "legal_service", "petition", "filing"]
CHANNELS = ["walk_in", "phone", "hotline_12345", "online"]


DEPARTMENTS = ["justice", "women_federation", "natural_resources", "market_regulation", "housing_construction",
               "ecology_environment", "human_resources", "health", "traffic_police", "petition_bureau", "court",
               "police", "trade_union"]


def generate_tables(n: int, seed: int = 2020) -> str:
    """A routing section of ``n`` rules shaped like a large real policy, as YAML text.

    Ordered as an author would write it, specific before general: requests,
    referrals by referrer and category, keywords within a category, mass and
    high-risk disputes per street and category, large amounts per street and category,
    then the category-by-street-by-form table, then the fallback.
    """
    rnd = random.Random(seed)
    whens = [f"{{request: {r}}}" for r in REQUESTS[1:]]
    whens += [f"{{referred_by: {d}, category: {c}}}" for d in DEPARTMENTS for c in CATEGORIES]
    whens += [f"{{category: {c}, summary: {{contains_any: [{', '.join(rnd.sample(WORDS, 2))}]}}}}"
              for c in CATEGORIES for _ in range(6)]
    whens += [f"{{category: {c}, street: {s}, parties: {{'>=': 10}}}}" for c in CATEGORIES for s in STREETS]
    whens += [f"{{category: {c}, street: {s}, risk: high}}" for c in CATEGORIES for s in STREETS]
    whens += [f"{{category: {c}, street: {s}, amount: {{'>=': {rnd.choice([100000, 500000])}}}}}"
              for c in CATEGORIES for s in STREETS]
    whens += [f"{{category: {c}, street: {s}, form: {f}}}" for c in CATEGORIES for s in STREETS
              for f in ("oral", "written")]
    whens = whens[: n - 1]
    lines = ["routing:"]
    lines += [f"  - {{id: r{i:04d}, when: {w}, to: {rnd.choice(DESTINATIONS)}}}" for i, w in enumerate(whens)]
    lines.append("  - {id: fallback, to: room.general}")
    return "\n".join(lines) + "\n"


def generate_random(n: int, seed: int = 2020) -> str:
    """A routing section of ``n`` rules of random shapes in random order, as YAML text.

    Much denser than a real policy: keyword and request rules early in the
    list take part of nearly every later rule, so most rules are shadowed.
    """
    rnd = random.Random(seed)
    lines = ["routing:"]
    for i in range(n - 1):
        shape = rnd.randrange(7)
        c, s = rnd.choice(CATEGORIES), rnd.choice(STREETS)
        if shape == 0:
            when = f"{{category: {c}, street: {s}}}"
        elif shape == 1:
            when = f"{{category: {c}, amount: {{'>=': {rnd.choice([10000, 50000, 100000, 500000, 1000000])}}}}}"
        elif shape == 2:
            c2 = rnd.choice(CATEGORIES)
            when = (f"{{category: {{in: [{c}, {c2}]}}, parties: {{'>=': {rnd.choice([3, 5, 10, 20])}}}, "
                    f"risk: {rnd.choice(['low', 'medium', 'high'])}}}")
        elif shape == 3:
            words = ", ".join(rnd.sample(WORDS, 2))
            when = f"{{summary: {{contains_any: [{words}]}}}}"
        elif shape == 4:
            when = f"{{request: {rnd.choice(REQUESTS)}, channel: {rnd.choice(CHANNELS)}}}"
        elif shape == 5:
            when = f"{{street: {s}, form: {rnd.choice(['oral', 'written'])}, petition: {rnd.choice(['true', 'false'])}}}"
        else:
            when = (f"{{category: {c}, any: [{{parties: {{'>=': {rnd.choice([5, 10])}}}}}, {{risk: high}}], "
                    f"not: {{channel: referral}}}}")
        lines.append(f"  - {{id: r{i:04d}, when: {when}, to: {rnd.choice(DESTINATIONS)}}}")
    lines.append("  - {id: fallback, to: room.general}")
    return "\n".join(lines) + "\n"


def generate_thresholds(n: int, seed: int = 2020) -> str:
    """A routing section of ``n`` rules each with two words of its own and an ``any`` of an amount and a
    parties threshold, as YAML text: the shape of generated policy that made the exact analysis explode
    (issue 11: such sets of 60 rules took 49 s, of 300 rules ran out of memory). Every rule overlaps
    every other, so the cases split into exponentially many first-match pieces.
    """
    rnd = random.Random(seed)
    lines = ["routing:"]
    for i in range(n - 1):
        words = f"{rnd.choice(WORDS)}{i}甲, {rnd.choice(WORDS)}{i}乙"
        when = (f"{{summary: {{contains_any: [{words}]}}, any: [{{amount: {{'>=': "
                f"{rnd.randrange(1000, 1000000, 500)}}}}}, {{parties: {{'>=': {rnd.randrange(2, 60)}}}}}]}}")
        lines.append(f"  - {{id: r{i:04d}, when: {when}, to: {rnd.choice(DESTINATIONS)}}}")
    lines.append("  - {id: fallback, to: room.general}")
    return "\n".join(lines) + "\n"


GENERATORS = {"tables": generate_tables, "random": generate_random, "thresholds": generate_thresholds}


def measure(path: Path, repeat: int) -> tuple[float, float, float, object]:
    """Best-of-``repeat`` wall times of loading and linting, the CPU time of both, and the report."""
    best_load = best_lint = best_cpu = float("inf")
    report = None
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        rules = load_rules(path)
        t1 = time.perf_counter()
        report = lint(rules)
        t2, c1 = time.perf_counter(), time.process_time()
        best_load, best_lint, best_cpu = min(best_load, t1 - t0), min(best_lint, t2 - t1), min(best_cpu, c1 - c0)
    return best_load, best_lint, best_cpu, report


def _one(path: str, repeat: int) -> None:
    """Measure one rule set in this (fresh) process and print its figures as one JSON line."""
    import json
    import resource

    load_s, lint_s, cpu_s, report = measure(Path(path), repeat)
    n = len(report.rules.review_rules) + len(report.rules.routing_rules)
    print(json.dumps({"rules": n, "load": load_s, "lint": lint_s, "cpu": cpu_s,
                      "counts": {s: report.count(s) for s in ("error", "warning", "info")},
                      "bounded": any(f.code == "bounded-analysis" for f in report.findings),
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))


def _run(path: Path, repeat: int, timeout: float) -> dict | None:
    """:func:`_one` in a subprocess (so that its peak memory is its own); None when it ran past ``timeout``."""
    import json
    import subprocess

    try:
        done = subprocess.run([sys.executable, __file__, "--one", str(path), "--repeat", str(repeat)],
                              capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rules", type=int, default=1000, help="rules in the generated set (default 1000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per set; the best is reported (default 3)")
    ap.add_argument("--thresholds", type=int, nargs="*", default=[60, 100, 300], metavar="N",
                    help="sizes of the entangled generated sets (default 60 100 300)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds before a set counts as not finished")
    ap.add_argument("--one", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        _one(args.one, args.repeat)
        return
    print(f"rules check benchmark (best of {args.repeat}; cpu: process time of load + lint; "
          "rss: peak memory of the process)")
    print(f"{'rule set':<36} {'rules':>6} {'load':>8} {'lint':>8} {'total':>8} {'cpu':>8} {'rss':>7}  findings")
    sets = [("shipped rules/", ROOT / "rules")]
    with tempfile.TemporaryDirectory() as tmp:
        sizes = [("tables", generate_tables, args.rules), ("random", generate_random, args.rules)]
        sizes += [("thresholds", generate_thresholds, n) for n in args.thresholds]
        for name, make, n in sizes:
            gen = Path(tmp) / f"{name}{n}"
            gen.mkdir()
            (gen / "set.yaml").write_text(f"extends: {ROOT / 'rules'}\n", encoding="utf-8")
            (gen / "routing.yaml").write_text(make(n), encoding="utf-8")
            sets.append((f"generated {name} ({n} rules)", gen))
        for name, path in sets:
            r = _run(path, args.repeat, args.timeout)
            if r is None:
                print(f"{name:<36} {'':>6} not finished in {args.timeout:.0f} s")
                continue
            counts = ", ".join(f"{n} {s}" for s, n in r["counts"].items())
            print(f"{name:<36} {r['rules']:>6} {r['load'] * 1000:>6.0f}ms {r['lint'] * 1000:>6.0f}ms "
                  f"{(r['load'] + r['lint']) * 1000:>6.0f}ms {r['cpu'] * 1000:>6.0f}ms {r['rss_mb']:>5}MB  "
                  f"{counts}" + ("  (bounded analysis)" if r["bounded"] else ""))
    print("targets: under 2 s (load + lint) for a generated set of 1,000 rules; the entangled (thresholds) "
          "sets in seconds and under 500 MB")


if __name__ == "__main__":
    main()
