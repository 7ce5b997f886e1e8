"""Killing a process at a chosen point, and checking a database afterwards (for crash tests).

Reusable pieces (``from tests.crash_support import ...``):

- :func:`table_rows` is every row of every table (equal before and after: nothing written).
- :func:`database_problems` lists every broken invariant of a database: a case
  without its registration event, an event or party without its case, a version
  that is not the number of events, a sequence with holes, a state that is not
  the fold of the events, a year counter behind the numbers stored.
- :func:`run_killed` runs a command whose database statements are *traced*: a
  child about to execute a statement (or to commit) writes ``S <first word>``
  (``C``) on a pipe and waits for the test to let it go on. The test lets it go until the
  k-th such point and then SIGKILLs the child's whole process group, so the
  child dies exactly before that statement: inside a transaction, before a
  commit, or between two commands. No sleeps, no timing: the kill point is a
  number. Lines the child writes with :func:`report` (``D ...``) come back as
  what it said it had finished (committed) before it died.
- :func:`traced_cli` is the command line of ``mediation ARGS`` (the real
  console-script entry point, :func:`mediation.cli.main`) with tracing on;
  e.g. a persisted replay killed after its 40th statement::

      result = run_killed(traced_cli(["replay", str(path), "--db", url]), kill_at=40)
      assert result.killed and database_problems(db) == []

- The *burst* (``python -m tests.crash_support burst SPEC``) plays a list of
  desk steps, through the service in-process or as one ``mediation case ...``
  process per step, each step guarded so that a rerun skips what is already
  done (a given case number, ``--if-version``); it reports ``D <step>`` after
  each step committed.

The child side (:func:`install_tracer`) runs only when ``MEDIATION_TEST_TRACE``
names the two pipe descriptors; this module imports nothing heavy at the top
so that a traced ``mediation`` starts as fast as the plain one.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRACE_ENV = "MEDIATION_TEST_TRACE"
#: Seconds a traced child may stay silent before the test gives up on it.
SILENCE_LIMIT = 120

# ----------------------------------------------------------------------------- child side

_trace: list[int] = []  # [write fd, ack fd] once installed


def install_tracer() -> bool:
    """In a child started by :func:`run_killed`: stop before every statement and commit
    until the test says go on. Returns whether tracing is on."""
    spec = os.environ.get(TRACE_ENV)
    if not spec or _trace:
        return bool(_trace)
    write_fd, ack_fd = (int(x) for x in spec.split(","))
    _trace[:] = [write_fd, ack_fd]
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def statement(conn, cursor, sql, *rest) -> None:
        _stop(b"S " + (sql.split(None, 1) or ["?"])[0].upper().encode())

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "commit", lambda conn: _stop(b"C"))
    return True


def _stop(point: bytes) -> None:
    write_fd, ack_fd = _trace
    os.write(write_fd, point + b"\n")
    if not os.read(ack_fd, 1):  # the test stopped listening: run on freely
        _trace.clear()


def report(text: str) -> None:
    """Tell the test (one line, no wait) that something is done, e.g. ``D 7``."""
    if _trace:
        os.write(_trace[0], ("D " + text.replace("\n", " ") + "\n").encode())


def trace_cli() -> None:
    """``python -c 'import tests.crash_support as k; k.trace_cli()' ARGS``: ``mediation ARGS``, traced."""
    install_tracer()
    from mediation.cli import main

    main(sys.argv[1:])


def traced_cli(args: list[str]) -> list[str]:
    """The command line that runs ``mediation ARGS`` with statement tracing (see the module doc)."""
    return [sys.executable, "-c", "import tests.crash_support as k; k.trace_cli()", *args]


# ----------------------------------------------------------------------------- test side


@dataclass
class Killed:
    """What a :func:`run_killed` child did: trace points passed, what it reported, how it ended."""

    killed: bool
    points: int
    done: list[str] = field(default_factory=list)
    #: Where it died: just before "COMMIT" or a statement ("SELECT", "INSERT", "BEGIN" ...).
    died_before: str | None = None
    #: Whether it died inside a transaction that had already written (UPDATE/INSERT).
    after_a_write: bool = False
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""


def run_killed(cmd: list[str], kill_at: int | None, *, env: dict | None = None,
               cwd: Path = ROOT) -> Killed:
    """Run ``cmd`` traced; SIGKILL its process group just before its ``kill_at``-th trace point.

    Trace points are counted over the child and every process it starts (they
    inherit the pipes), one at a time. With ``kill_at`` None (or larger than the
    number of points) the child runs to its end. Returns a :class:`Killed`.
    """
    trace_r, trace_w = os.pipe()
    ack_r, ack_w = os.pipe()
    child_env = dict(os.environ, **(env or {}))
    child_env[TRACE_ENV] = f"{trace_w},{ack_r}"
    child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(cwd), child_env.get("PYTHONPATH")]))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env=child_env, pass_fds=(trace_w, ack_r), stdout=out,
                                stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
        os.close(trace_w)
        os.close(ack_r)
        result = Killed(killed=False, points=0)
        buffer = b""
        wrote = False  # (a killed PostgreSQL client's transaction ends with its process; so does this)
        try:
            while True:
                ready, _, _ = select.select([trace_r], [], [], SILENCE_LIMIT)
                if not ready:
                    os.killpg(proc.pid, signal.SIGKILL)
                    raise AssertionError(f"traced child silent for {SILENCE_LIMIT}s: {cmd}")
                chunk = os.read(trace_r, 4096)
                if not chunk:
                    break  # every writer has exited
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.startswith(b"D "):
                        result.done.append(line[2:].decode())
                        continue
                    result.points += 1
                    if result.points == kill_at:
                        os.killpg(proc.pid, signal.SIGKILL)
                        result.killed = True
                        result.died_before = "COMMIT" if line == b"C" else line[2:].decode()
                        result.after_a_write = wrote
                        break
                    os.write(ack_w, b"1")
                    if line == b"C" or line.startswith(b"S BEGIN"):
                        wrote = False
                    elif line.startswith((b"S INSERT", b"S UPDATE", b"S DELETE")):
                        wrote = True
                if result.killed:
                    break
        finally:
            os.close(trace_r)
            os.close(ack_w)
            result.returncode = proc.wait(timeout=SILENCE_LIMIT)
            out.seek(0)
            err.seek(0)
            result.stdout = out.read().decode(errors="replace")
            result.stderr = err.read().decode(errors="replace")
    return result


# ----------------------------------------------------------------------------- consistency


def table_rows(db) -> dict[str, list[dict]]:
    """Every row of every table, in key order: compare two of these to prove nothing was written."""
    from sqlalchemy import select

    from mediation.store.schema import case_numbers, cases, events, parties

    out = {}
    with db.read() as conn:
        for table in (cases, parties, events, case_numbers):
            key = list(table.primary_key.columns)
            out[table.name] = [dict(r) for r in conn.execute(select(table).order_by(*key)).mappings()]
    return out


def database_problems(db) -> list[str]:
    """Every broken invariant of the database ``db`` (a ``Database``); empty when all hold.

    - every case has events 1..n with n == its version, the first a ``register``;
    - no event or party refers to a case that does not exist;
    - a case's state is the fold of its events, and ``updated_at`` its last event's time;
    - every number up to each year's counter is stored (the desk issued it, or
      skipped it as taken by a paper record): the desk's numbers leave no gap.
    """
    from sqlalchemy import func, select

    from mediation.errors import MediationError
    from mediation.lifecycle import fold
    from mediation.store.numbers import parse_case_no
    from mediation.store.schema import case_numbers, cases, events, parties

    problems: list[str] = []
    with db.read() as conn:
        rows = {r["case_no"]: r for r in conn.execute(select(cases)).mappings()}
        by_case: dict[str, list] = {}
        for e in conn.execute(select(events).order_by(events.c.case_no, events.c.seq)).mappings():
            by_case.setdefault(e["case_no"], []).append(e)
        party_cases = set(conn.execute(select(parties.c.case_no).distinct()).scalars())
        counters = dict(conn.execute(select(case_numbers.c.year, case_numbers.c.last)).all())
        total = conn.execute(select(func.count()).select_from(events)).scalar_one()
    for no in sorted(set(by_case) - set(rows)):
        problems.append(f"{no}: {len(by_case[no])} events without their case")
    for no in sorted(party_cases - set(rows)):
        problems.append(f"{no}: parties without their case")
    top: dict[int, set[int]] = {}
    for no, row in sorted(rows.items()):
        evs = by_case.get(no, [])
        if not evs or evs[0]["trigger"] != "register":
            problems.append(f"{no}: no registration event")
            continue
        if [e["seq"] for e in evs] != list(range(1, len(evs) + 1)):
            problems.append(f"{no}: event numbers {[e['seq'] for e in evs]} have holes")
        if row["version"] != len(evs):
            problems.append(f"{no}: version {row['version']} but {len(evs)} events")
        try:
            state = fold(evs)
        except MediationError as exc:
            problems.append(f"{no}: events do not fold: {exc}")
        else:
            if state != row["state"]:
                problems.append(f"{no}: state {row['state']} but its events fold to {state}")
        if row["updated_at"] != evs[-1]["at"]:
            problems.append(f"{no}: updated_at {row['updated_at']} but last event at {evs[-1]['at']}")
        year, seq = parse_case_no(no)
        top.setdefault(year, set()).add(seq)
    for year, last in sorted(counters.items()):
        missing = sorted(set(range(1, last + 1)) - top.get(year, set()))
        if missing:
            problems.append(f"counter of {year} at {last}, but XS-{year}-{missing[0]:05d} is not stored")
    if total != sum(len(v) for v in by_case.values()):
        problems.append("events changed while being counted")
    return problems


# ----------------------------------------------------------------------------- the burst

#: A step: ``{"case_no", "verb", "operator", "at", "version" (the case's version
#: before it; 0 for register), "args": {...}}``; register's args are the case's fields.
#: A register step with ``case_no`` None takes the next number (service mode only;
#: a rerun registers it again) and reports ``D <step> <case number>``.
VERBS = ("register", "review", "divert", "take", "settle", "fail", "serve", "transfer", "extend",
         "withdraw", "close")


def burst_command(spec: dict) -> list[str]:
    """The command line of a burst child for ``spec`` (``url``, ``mode``: service|cli, ``steps``)."""
    return [sys.executable, "-m", "tests.crash_support", "burst", json.dumps(spec, ensure_ascii=False)]


def _service_burst(spec: dict) -> None:
    install_tracer()
    from datetime import datetime

    from mediation import desk
    from mediation.errors import ConcurrentUpdate, Refused
    from mediation.rules import load_rules
    from mediation.store.database import open_database

    rules = load_rules(ROOT / "rules")
    db = open_database(spec["url"])
    for n, step in enumerate(spec["steps"]):
        at = datetime.fromisoformat(step["at"])
        try:
            if step["verb"] == "register" and step["case_no"] is None:  # the next number: not repeatable
                record = desk.register(db, rules, step["args"], operator=step["operator"], at=at)
                report(f"{n} {record.case_no}")
                continue
            if step["verb"] == "register":
                desk.register(db, rules, dict(step["args"], case_no=step["case_no"]),
                                 operator=step["operator"], at=at)
            else:
                getattr(desk, step["verb"])(db, rules, step["case_no"], operator=step["operator"], at=at,
                                               expect_version=step["version"], **step["args"])
        except ConcurrentUpdate:
            report(f"{n} skipped")  # done before the crash: the case has moved on
            continue
        except Refused as exc:
            if "already exists" not in str(exc):
                raise
            report(f"{n} skipped")
            continue
        report(str(n))
    db.dispose()


def cli_args(step: dict, url: str) -> list[str]:
    """``case VERB ...`` arguments of a step (see :data:`VERBS`)."""
    args = ["case", step["verb"]]
    if step["verb"] == "register":
        args += ["--case-no", step["case_no"]]
        for key, value in step["args"].items():
            args += [f"--{key.replace('_', '-')}", str(value)]
    else:
        args += [step["case_no"], "--if-version", str(step["version"])]
        for key, value in step["args"].items():
            if key == "agreement_form":
                args += ["--agreement", value]
            elif key == "agreement":
                args += ["--facts", value["facts"], "--performance", value["performance"]]
                args += [a for term in value["terms"] for a in ("--terms", term)]
            elif key == "routes":
                for route in value:
                    args += ["--route", route]
            elif key == "consent":
                args += ["--consent"] if value else []
            else:
                args += [f"--{key}", str(value)]
    return args + ["--on-behalf-of", step["operator"], "--at", step["at"], "--db", url,
                   "--rules", str(ROOT / "rules")]


def _cli_burst(spec: dict) -> None:
    env = dict(os.environ)
    write_fd, ack_fd = (int(x) for x in env[TRACE_ENV].split(",")) if env.get(TRACE_ENV) else (None, None)
    if write_fd is not None:
        _trace[:] = [write_fd, ack_fd]  # only to report; this process runs no SQL
    for n, step in enumerate(spec["steps"]):
        done = subprocess.run(traced_cli(cli_args(step, spec["url"])), env=env, cwd=ROOT,
                              pass_fds=tuple(_trace), capture_output=True, text=True)
        if done.returncode == 0:
            report(str(n))
        elif done.returncode == 2 and ("已存在。" in done.stderr  # the desk's words (mediation.cli.words)
                                       or "在您查看后已变" in done.stderr):
            report(f"{n} skipped")
        else:
            sys.stderr.write(f"step {n} {cli_args(step, spec['url'])} failed ({done.returncode}):\n"
                             f"{done.stdout}{done.stderr}")
            sys.exit(3)


def main(argv: list[str]) -> None:
    if argv[:1] == ["burst"]:
        spec = json.loads(argv[1])
        (_cli_burst if spec["mode"] == "cli" else _service_burst)(spec)
    else:
        sys.exit(f"usage: python -m tests.crash_support burst SPEC_JSON (not {argv})")


if __name__ == "__main__":
    main(sys.argv[1:])
