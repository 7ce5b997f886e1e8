"""Routing speed: decisions per second, parsing included, and growth with the table.

    .venv/bin/python benchmarks/route.py [--cases N]

Prints:
  * review+route decisions/s on already parsed cases (target >= 500,000/s, one core);
  * parse+review+route/s from JSON-like dicts (target >= 200,000/s);
  * the same decisions with routing tables 10x and 100x the shipped one
    (target: cost grows by under 2x at 10x).
Cases are synthetic, drawn with a fixed seed.
"""

from __future__ import annotations

import argparse
import platform
import random
import tempfile
import time
from pathlib import Path

from mediation.cases import parse_case
from mediation.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]


def synthetic_dicts(rules, n: int, seed: int = 2020) -> list[dict]:
    rnd = random.Random(seed)
    cats = list(rules.catalogue.categories)
    streets = [u for u in rules.catalogue.units if u != "elsewhere"]
    requests = ["mediation"] * 12 + ["consultation", "legal_aid", "legal_service", "petition", "filing"]
    out = []
    for i in range(n):
        d = {
            "case_no": f"XS-2020-{i % 99999 + 1:05d}",
            "received_at": f"2020-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}T09:30:00",
            "form": rnd.choice(["oral", "oral", "written"]),
            "category": rnd.choice(cats),
            "street": rnd.choice(streets),
            "summary": "合成纠纷",
            "request": rnd.choice(requests),
            "parties": rnd.choice([1, 2, 2, 2, 3, 5, 12]),
            "amount": rnd.choice(["0", "1200", "4999", "30000", "600000"]),
            "risk": rnd.choice(["low", "low", "low", "medium", "high"]),
            "petition": rnd.random() < 0.08,
            "criminal": rnd.random() < 0.02,
            "litigation_pending": rnd.random() < 0.03,
            "party_refuses": rnd.random() < 0.03,
        }
        if rnd.random() < 0.1:
            d["channel"] = "referral"
            d["referred_by"] = rnd.choice(["court", "police", "petition_bureau", "housing_construction"])
        out.append(d)
    return out


def best_rate(fn, items, repeat: int = 5) -> float:
    best = 0.0
    for _ in range(repeat):
        t = time.perf_counter()
        fn(items)
        best = max(best, len(items) / (time.perf_counter() - t))
    return best


def decide_all(rules):
    evaluate = rules.evaluate

    def run(cases):
        for c in cases:
            evaluate(c)
    return run


def parse_and_decide_all(rules):
    evaluate = rules.evaluate

    def run(dicts):
        for d in dicts:
            evaluate(parse_case(d, rules))
    return run


def bigger_rules(base, factor: int, directory: Path) -> Path:
    """The shipped routing policy with (factor - 1) x its size of extra specific rules.

    The extra rules are the kind a district grows: a category in a street above
    an amount or at a risk goes to a given room, inserted among the shipped ones
    after the request rules, so every case still passes through them.
    """
    rnd = random.Random(factor)
    cats = list(base.catalogue.categories)
    streets = [u for u in base.catalogue.units if not base.catalogue.units[u].outside]
    rooms = [d for d in base.catalogue.destinations if d.startswith("room.")]
    shipped = (ROOT / "rules" / "routing.yaml").read_text(encoding="utf-8")
    head, tail = shipped.split("  # ---- mediation ----\n", 1)
    extra = []
    for i in range((factor - 1) * len(base.routing_rules)):
        extra.append(
            f"  - id: extra_{i}\n"
            f"    when:\n"
            f"      category: {rnd.choice(cats)}\n"
            f"      street: {rnd.choice(streets)}\n"
            f"      risk: {{in: [{rnd.choice(['low', 'medium'])}, high]}}\n"
            f"      amount: {{\">=\": {rnd.choice([1000, 20000, 100000, 300000])}}}\n"
            f"    to: {rnd.choice(rooms)}\n")
    target = directory / f"x{factor}"
    target.mkdir()
    (target / "ruleset.yaml").write_text(f"extends: {ROOT / 'rules'}\n", encoding="utf-8")
    (target / "routing.yaml").write_text(head + "".join(extra) + "  # ---- mediation ----\n" + tail,
                                         encoding="utf-8")
    return target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=200_000)
    args = ap.parse_args()

    rules = load_rules(ROOT / "rules")
    dicts = synthetic_dicts(rules, args.cases)
    cases = [parse_case(d, rules) for d in dicts]
    accepted = sum(rules.evaluate(c)[0].accepted for c in cases)
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"{args.cases} synthetic cases ({accepted / len(cases):.0%} accepted and routed)")

    rate = best_rate(decide_all(rules), cases)
    print(f"review+route, parsed cases:        {rate:>12,.0f} decisions/s   (target >= 500,000)")
    rate_parse = best_rate(parse_and_decide_all(rules), dicts, repeat=3)
    print(f"parse+review+route, from dicts:    {rate_parse:>12,.0f} cases/s       (target >= 200,000)")

    with tempfile.TemporaryDirectory() as tmp:
        base_rate = rate
        for factor in (10, 100):
            t = time.perf_counter()
            big = load_rules(bigger_rules(rules, factor, Path(tmp)))
            load_s = time.perf_counter() - t
            big_cases = [parse_case(d, big) for d in dicts]
            r = best_rate(decide_all(big), big_cases)
            print(f"routing table x{factor:<3} ({len(big.routing_rules):>5} rules): {r:>12,.0f} decisions/s   "
                  f"cost x{base_rate / r:.2f} of shipped (target < 2 at x10); load+compile {load_s:.2f} s")


if __name__ == "__main__":
    main()
