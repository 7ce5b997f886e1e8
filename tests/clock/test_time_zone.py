"""Issue 12, point 5: the centre's time zone (docs/design.md §3, "Time").

The centre works in China Standard Time (Asia/Shanghai, UTC+8, no daylight saving since 1991):
"now", dates without a zone, working days and deadlines are taken there whatever the host's
zone, and a time given with another offset is converted. Checked three ways:

- no module but ``mediation/clock.py`` reads the host's clock or local time;
- the manual's clerk's day (docs/clerks-day.md), run command by command in subprocesses under ``TZ=UTC`` and
  ``TZ=America/New_York``, prints exactly what the page shows, in both;
- on a UTC host, ``--at "<UTC time now>Z"`` is accepted (not "in the future") and stored as
  that moment in the centre's time; two desks in different zones record the same time.
"""

from __future__ import annotations

import ast
import json
import os
import shlex
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mediation import clock
from tests.docs.test_transcripts import normal, steps_of, write_files_of

ROOT = Path(__file__).resolve().parents[2]
ZONES = ("UTC", "America/New_York")
#: Calls that read the host's clock or its local zone: only mediation/clock.py may make them.
CLOCK_CALLS = {("datetime", "now"), ("date", "today"), ("datetime", "today"), ("datetime", "utcnow"),
               ("time", "localtime"), ("time", "time"), ("time", "mktime"), ("time", "ctime"),
               ("time", "strftime"), ("datetime", "fromtimestamp"), ("date", "fromtimestamp"),
               ("datetime", "utcfromtimestamp")}


def clock_calls(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
            if (name, node.func.attr) in CLOCK_CALLS:
                found.append((node.lineno, f"{name}.{node.func.attr}"))
            elif node.func.attr == "astimezone" and not node.args and not node.keywords:
                found.append((node.lineno, "astimezone() to the host's zone"))
    return found


def test_the_checker_finds_host_time():
    src = "import time\nfrom datetime import date, datetime\nx = datetime.now()\ny = date.today()\nz = time.time()\n"
    assert [name for _, name in clock_calls(src)] == ["datetime.now", "date.today", "time.time"]
    assert clock_calls("d.astimezone()\n") == [(1, "astimezone() to the host's zone")]


def test_only_the_clock_module_reads_the_host_s_time():
    offenders = []
    for path in sorted((ROOT / "mediation").rglob("*.py")):
        if path.name == "clock.py" and path.parent.name == "mediation":
            continue
        offenders += [f"{path.relative_to(ROOT)}:{line}: {name}"
                      for line, name in clock_calls(path.read_text(encoding="utf-8"))]
    assert offenders == []


def mediation_in(zone: str, cwd: Path, *args: str, extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIATION_")}
    env.update(TZ=zone, MEDIATION_RULES=str(ROOT / "rules"), COLUMNS="80", **(extra or {}))  # as the pages show
    return subprocess.run([sys.executable, "-m", "mediation", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_a_host_zone_is_really_applied():
    """The subprocesses below do run in another zone (else the test could not fail)."""
    probe = "import time, datetime; print(time.strftime('%z'), datetime.datetime.now().hour)"
    out = {zone: subprocess.run([sys.executable, "-c", probe], env={**os.environ, "TZ": zone},
                                capture_output=True, text=True).stdout.split()[0] for zone in ZONES}
    assert out["UTC"] == "+0000" and out["America/New_York"] in ("-0500", "-0400")


@pytest.mark.slow
@pytest.mark.parametrize("zone", ZONES)
def test_the_clerk_s_day_reads_the_same_in_any_host_zone(zone, tmp_path):
    steps = steps_of("docs/clerks-day.md")
    assert steps, "docs/clerks-day.md has no transcript"
    write_files_of("docs/clerks-day.md", tmp_path)
    for command, expected in steps:
        result = mediation_in(zone, tmp_path, *shlex.split(command)[1:])
        fails = expected.lstrip().startswith("mediation: error:")
        assert (result.returncode != 0) == fails, f"TZ={zone} $ {command}\n{result.stdout}{result.stderr}"
        assert normal(result.stdout + result.stderr) == normal(expected), f"TZ={zone} $ {command}"


@pytest.mark.slow
def test_utc_now_with_z_is_not_the_future_and_two_zones_record_the_same_time(tmp_path):
    db = f"sqlite:///{tmp_path / 'desk.db'}"
    assert mediation_in("UTC", tmp_path, "init", "--db", db).returncode == 0
    register = ["case", "register", "--form", "口头", "--category", "邻里", "--street", "东街道",
                "--summary", "时区（合成示例）", "--db", db, "--on-behalf-of", "clerk01", "--json"]
    utc_now = (clock.now() - timedelta(hours=8)).replace(second=0)
    at = f"{utc_now:%Y-%m-%dT%H:%M}Z"  # what `date -u +%FT%H:%MZ` prints on the UTC host
    first = mediation_in("UTC", tmp_path, *register, "--at", at)
    assert first.returncode == 0, first.stderr
    view = json.loads(first.stdout)
    assert view["registered_at"] == (utc_now + timedelta(hours=8)).isoformat()
    # the same moment written with New York's offset, from a New York host
    ny = mediation_in("America/New_York", tmp_path, *register, "--at",
                      f"{utc_now - timedelta(hours=5):%Y-%m-%dT%H:%M}-05:00")
    assert json.loads(ny.stdout)["registered_at"] == view["registered_at"]
    # "now" from two hosts in different zones: the same centre time, not 8 or 13 hours apart
    moments = []
    for zone in ZONES:
        result = mediation_in(zone, tmp_path, *register)
        assert result.returncode == 0, result.stderr
        moments.append(datetime.fromisoformat(json.loads(result.stdout)["registered_at"]))
    assert abs(moments[1] - moments[0]) < timedelta(minutes=2)
    assert abs(moments[0] - clock.now()) < timedelta(minutes=2)
    # and a time later than now in the centre's zone is still refused
    future = mediation_in("UTC", tmp_path, *register, "--at", f"{utc_now + timedelta(hours=1):%Y-%m-%dT%H:%M}Z")
    assert future.returncode == 2 and "还没到：不能预先记录" in future.stderr
