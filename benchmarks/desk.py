"""Desk commands as new processes, as ratios to ``python -c pass`` (issue 13, point 11).

    .venv/bin/python benchmarks/desk.py [--runs N] [--install editable|wheel|both] [--db URL]

The machine is shared and its load changes by the minute, so absolute times
drift; a ratio to the interpreter's own start-up, measured in the same run and
interleaved with the commands, does not drift much. Each round runs every
command once (``python -c pass`` first), in a fresh process, against a SQLite
database in a temp directory seeded with a few synthetic cases (or --db, which
must be initialised and writable); the table gives each command's median and
its ratio to the median of ``python -c pass``.

``--install editable`` runs the ``mediation`` of this checkout's venv (an
editable install: its finder runs at every start-up, ``python -c pass``
included). ``--install wheel`` builds a wheel of the checkout, installs it into
a new venv whose dependencies come from this one, and runs that: what a clerk's
machine runs. Target (issue 13): ``case show``, ``case list``, ``queue`` and
``case register`` at most 6x ``python -c pass`` on the wheel, the same or
better on the editable install.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 6.0
#: The commands the target is for.
TARGETED = ("case show", "case list", "queue", "case register")


def editable_install() -> tuple[str, str]:
    """(python, mediation) of the venv this script runs in."""
    here = Path(sys.executable).parent / "mediation"
    found = str(here) if here.exists() else shutil.which("mediation")
    if not found:
        sys.exit("benchmarks/desk.py: no `mediation` command found (pip install -e .)")
    return sys.executable, found


def wheel_install(tmp: Path) -> tuple[str, str]:
    """(python, mediation) of a new venv holding a wheel of the checkout (dependencies: this venv's)."""
    wheels = tmp / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
                   check=True, stdout=subprocess.DEVNULL)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    *map(str, wheels.glob("mediation-*.whl"))], check=True, stdout=subprocess.DEVNULL)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # A path line in a .pth adds the directory without running its own .pth files,
    # so this venv's editable finder stays out.
    Path(site, "desk-benchmark-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return str(python), str(venv / "bin" / "mediation")


def seed(exe: str, env: dict) -> dict[str, str]:
    """A few cases, one diverted to a room; returns {case_no, room}."""
    def run(*args: str) -> str:
        return subprocess.run([exe, *args], env=env, check=True, capture_output=True, text=True).stdout

    first = None
    for n in range(5):
        out = run("case", "register", "--form", "口头", "--category", "邻里", "--street", "相南街道",
                  "--summary", f"楼上噪音扰民（合成示例 {n}）", "--at", f"2026-11-2{n}T09:30")
        case_no = out.split()[0]
        first = first or case_no
        run("case", "review", case_no, "--at", f"2026-11-2{n}T10:00")
        run("case", "divert", case_no, "--at", f"2026-11-2{n}T10:30")
    shown = run("case", "show", first, "--json")
    return {"case_no": first, "room": json.loads(shown)["destination"]}


def commands(exe: str, seeded: dict[str, str]) -> dict[str, list[str]]:
    register = [exe, "case", "register", "--form", "口头", "--category", "邻里", "--street", "相南街道",
                "--summary", "楼上噪音扰民（合成示例）", "--applicant-name", "测试甲",
                "--applicant-phone", "13800000000"]
    return {
        "mediation --help": [exe, "--help"],
        "mediation --version": [exe, "--version"],
        "case show": [exe, "case", "show", seeded["case_no"]],
        "case list": [exe, "case", "list"],
        "queue": [exe, "queue", seeded["room"]],
        "case register": register,
        "case show --json": [exe, "case", "show", seeded["case_no"], "--json"],
    }


def timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(name: str, python: str, exe: str, runs: int, db: str | None, tmp: Path) -> bool:
    """Print one table; True if every targeted command met the target."""
    url = db or f"sqlite:///{tmp / (name + '.db')}"
    cache = tmp / f"cache-{name}"
    env = dict(os.environ, MEDIATION_DB=url, MEDIATION_OPERATOR="clerk01", COLUMNS="80",
               XDG_CACHE_HOME=str(cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a clerk's install has its byte code written
    if not db:
        subprocess.run([exe, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    cmds = {"python -c pass": [python, "-c", "pass"],
            # the floor: what importing the libraries a desk command cannot do without costs
            "import click, sqlalchemy": [python, "-c", "import click, sqlalchemy"],
            **commands(exe, seed(exe, env))}
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for cmd in cmds.values():  # a round not counted: byte code and caches written
        timed(cmd, env)
    for _ in range(runs):  # interleaved: a change of load touches every command alike
        for key, cmd in cmds.items():
            times[key].append(timed(cmd, env))
    base = statistics.median(times["python -c pass"])
    print(f"\n{name} install, {'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}, {runs} rounds "
          f"(load average {os.getloadavg()[0]:.1f})")
    print(f"{'command':<22} {'median':>8} {'fastest':>8} {'ratio':>6}")
    ok = True
    for key, ts in times.items():
        median = statistics.median(ts)
        ratio = median / base
        mark = ""
        if key in TARGETED:
            mark = f"  <= {TARGET:g}x ok" if ratio <= TARGET else f"  > {TARGET:g}x OVER"
            ok = ok and ratio <= TARGET
        print(f"{key:<22} {median * 1000:>6.0f}ms {min(ts) * 1000:>6.0f}ms {ratio:>5.1f}x{mark}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--install", choices=("editable", "wheel", "both"), default="both")
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        ok = True
        if args.install in ("wheel", "both"):
            ok &= measure("wheel", *wheel_install(tmp), args.runs, args.db, tmp)
        if args.install in ("editable", "both"):
            ok &= measure("editable", *editable_install(), args.runs, args.db, tmp)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
