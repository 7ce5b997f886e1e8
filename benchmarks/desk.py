"""Wall time of desk commands as new processes (issue 3's speed targets).

    .venv/bin/python benchmarks/desk.py [--runs N] [--db URL]

Runs each command N times (default 15) in a fresh process against a fresh
SQLite database in a temp directory (or --db, which must be initialised)
and prints the median and the fastest run:

- ``mediation --help``                      target < 150 ms
- ``mediation case register ...``           target < 300 ms (SQLite)
- ``mediation case show CASE_NO``           target < 300 ms (SQLite)

plus ``--json`` variants for reference. Synthetic case data only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"mediation --help": 150, "case register": 300, "case show": 300}


def executable() -> str:
    here = Path(sys.executable).parent / "mediation"
    found = str(here) if here.exists() else shutil.which("mediation")
    if not found:
        sys.exit("benchmarks/desk.py: no `mediation` command found (pip install -e .)")
    return found


def timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    args = parser.parse_args()
    exe = executable()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'desk.db'}"
        env = dict(os.environ, MEDIATION_DB=url, MEDIATION_OPERATOR="clerk01")
        if not args.db:
            subprocess.run([exe, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
        register = [exe, "case", "register", "--form", "口头", "--category", "邻里", "--street", "相南街道",
                    "--summary", "楼上噪音扰民（合成示例）", "--applicant-name", "测试甲",
                    "--applicant-phone", "13800000000"]
        out = subprocess.run(register, env=env, check=True, capture_output=True, text=True).stdout
        case_no = out.split()[0]
        commands = {
            "mediation --help": [exe, "--help"],
            "case register": register,
            "case register --json": [*register, "--json"],
            "case show": [exe, "case", "show", case_no],
            "case show --json": [exe, "case", "show", case_no, "--json"],
        }
        print(f"{'command':<24} {'median':>8} {'fastest':>8} {'target':>8}   ({args.runs} runs each, "
              f"{'SQLite' if url.startswith('sqlite') else 'PostgreSQL'})")
        sqlite = url.startswith("sqlite")
        for name, cmd in commands.items():
            times = sorted(timed(cmd, env) for _ in range(args.runs))
            # the targets are for SQLite; PostgreSQL adds the driver's import and a network round trip
            target = TARGETS.get(name) if sqlite or name == "mediation --help" else None
            median = statistics.median(times) * 1000
            mark = "" if target is None else ("  ok" if median < target else "  OVER")
            print(f"{name:<24} {median:>6.0f}ms {times[0] * 1000:>6.0f}ms "
                  f"{(str(target) + 'ms') if target else '':>8}{mark}")


if __name__ == "__main__":
    main()
