"""Desk commands as new processes, as ratios to ``python -c pass`` (issue 13, point 11).

    .venv/bin/python benchmarks/desk.py [--runs N] [--install editable|wheel|both]
                                        [--server own|server|both] [--baseline REF] [--db URL]

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
machine runs. ``--baseline main`` adds a wheel of that commit, timed in the
same rounds: before and after a change, under the same load.

``--server both`` (the default) times every install twice: each command in its
own process (``MEDIATION_SERVER=off``: what the first command of the day costs)
and through the command server (mediation.launch; started with ``mediation
server start`` before the first round), which is how an installed ``mediation``
runs desk commands.

Target (issue 13): ``case show``, ``case list``, ``queue`` and ``case register``
at most 6x ``python -c pass`` on the wheel, the same or better on the editable
install (through the server; the exit status says whether it was met). The row
``import click, sqlalchemy`` is the floor of a desk command in its own process.
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


def wheel_install(tmp: Path, source: Path = ROOT, name: str = "wheel") -> tuple[str, str]:
    """(python, mediation) of a new venv holding a wheel of ``source`` (dependencies: this venv's).

    The wheel is built from a copy: a build in place would leave ``build/`` in the checkout."""
    copy = tmp / f"source-{name}"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis"))
    wheels = tmp / f"wheels-{name}"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(copy)],
                   check=True, stdout=subprocess.DEVNULL)
    venv = tmp / f"venv-{name}"
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


def baseline_install(tmp: Path, ref: str) -> tuple[str, str]:
    """A wheel install of the commit ``ref`` of this repository (``git archive``: the checkout is untouched)."""
    source = tmp / "baseline-archive"
    source.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    return wheel_install(tmp, source, "baseline")


SEEDED: dict[str, dict[str, str]] = {}


def seed(exe: str, env: dict) -> dict[str, str]:
    """A few cases, one diverted to a room; returns {case_no, room} (seeded once per database)."""
    if env["MEDIATION_DB"] in SEEDED:
        return SEEDED[env["MEDIATION_DB"]]

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
    SEEDED[env["MEDIATION_DB"]] = {"case_no": first, "room": json.loads(shown)["destination"]}
    return SEEDED[env["MEDIATION_DB"]]


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


class Install:
    """One installed program to time: its own database (seeded) and cache directory.

    ``server``: False, each command in its own process (``MEDIATION_SERVER=off``); True,
    through the command server (mediation.launch), started before the first round."""

    def __init__(self, name: str, python: str, exe: str, db: str | None, tmp: Path, server: bool) -> None:
        self.name = f"{name}/{'server' if server else 'own'}"
        self.exe = exe
        self.url = db or f"sqlite:///{tmp / (name + '.db')}"
        self.env = dict(os.environ, MEDIATION_DB=self.url, MEDIATION_ON_BEHALF_OF="clerk01", COLUMNS="80",
                        MEDIATION_CACHE=str(tmp / f"cache-{name}"),
                        MEDIATION_SERVER="on" if server else "off")
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)  # a clerk's install has its byte code written
        if not db and not Path(tmp / (name + ".db")).exists():
            subprocess.run([exe, "init"], env=self.env, check=True, stdout=subprocess.DEVNULL)
        if server:  # ready before the first round (`start` waits until it takes commands)
            subprocess.run([exe, "server", "start"], env=self.env, check=True, stdout=subprocess.DEVNULL)
        self.cmds = {"python -c pass": [python, "-c", "pass"],
                     # the floor: importing the libraries a desk command cannot do without
                     "import click, sqlalchemy": [python, "-c", "import click, sqlalchemy"],
                     **commands(exe, seed(exe, self.env))}
        self.times: dict[str, list[float]] = {k: [] for k in self.cmds}

    def round(self, count: bool = True) -> None:
        for key, cmd in self.cmds.items():
            took = timed(cmd, self.env)
            if count:
                self.times[key].append(took)

    def ratios(self) -> dict[str, tuple[float, float]]:
        """{command: (median seconds, ratio to python -c pass)}."""
        base = statistics.median(self.times["python -c pass"])
        return {k: (statistics.median(ts), statistics.median(ts) / base) for k, ts in self.times.items()}


def report(installs: list[Install], runs: int, loads: list[float]) -> bool:
    """Print the table; True if every targeted command of the checkout met the target."""
    kind = "SQLite" if installs[0].url.startswith("sqlite") else "PostgreSQL"
    print(f"{runs} rounds, interleaved, {kind}; load average {min(loads):.1f}-{max(loads):.1f} "
          f"on {os.cpu_count()} cores; median, and ratio to `python -c pass` of the same install")
    figures = [i.ratios() for i in installs]
    print(f"{'command':<24}" + "".join(f" {i.name:>18}" for i in installs))
    ok = True
    for key in installs[0].cmds:
        cells = []
        for install, fig in zip(installs, figures, strict=True):
            median, ratio = fig[key]
            cells.append(f"{median * 1000:>7.0f}ms {ratio:>5.1f}x")
            # the target is for the program as installed: commands through its server
            if key in TARGETED and install.name.endswith("/server"):
                ok = ok and ratio <= TARGET
        mark = f"  (target <= {TARGET:g}x)" if key in TARGETED else ""
        print(f"{key:<24}" + "".join(f" {c:>18}" for c in cells) + mark)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--install", choices=("editable", "wheel", "both"), default="both")
    parser.add_argument("--baseline", metavar="REF",
                        help="also time a wheel of this commit (e.g. main), interleaved: before and after")
    parser.add_argument("--db", help="database URL (default: a new SQLite file per install)")
    parser.add_argument("--server", choices=("own", "server", "both"), default="both",
                        help="each command in its own process, through the command server, or both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        installs = []
        modes = {"own": (False,), "server": (True,), "both": (False, True)}[args.server]
        if args.baseline:
            installs.append(Install("baseline", *baseline_install(tmp, args.baseline), args.db, tmp, False))
        if args.install in ("wheel", "both"):
            wheel = wheel_install(tmp)
            installs += [Install("wheel", *wheel, args.db, tmp, mode) for mode in modes]
        if args.install in ("editable", "both"):
            installs += [Install("editable", *editable_install(), args.db, tmp, mode) for mode in modes]
        for install in installs:  # a round not counted: byte code and caches written
            install.round(count=False)
        loads = []
        for _ in range(args.runs):  # interleaved: a change of load touches every install alike
            for install in installs:
                install.round()
            loads.append(os.getloadavg()[0])
        ok = report(installs, args.runs, loads)
        for install in installs:  # the servers of this run's temporary installs
            if install.name.endswith("/server"):
                subprocess.run([install.exe, "server", "stop"], env=install.env, stdout=subprocess.DEVNULL)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
