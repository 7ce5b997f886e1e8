"""Crash safety: desks killed with SIGKILL at random points lose nothing and leave nothing half-done.

A *burst* of desk work (cases registered with their paper numbers and moved
through review, divert, take, transfer, extend, settle/fail/serve, withdraw,
close, interleaved) runs in a child process, either through the service in
one process or as one real ``mediation case ...`` process per step. The test
SIGKILLs the child's process group just before its k-th database statement or
commit (k random per seed; see :mod:`tests.crash_support`), so the kill lands
inside transactions, before commits and between commands. Afterwards:

- the database is consistent (:func:`~tests.crash_support.database_problems`:
  no case without its registration event, no event without its case, version
  == number of events, state == fold of the events, counters not behind);
- every step the child reported as committed is stored (nothing lost);
- a rerun of the same burst skips exactly what was done and does the rest, so
  every case ends with exactly the planned events, each once.

Killed registrations that take the next number leave no gap and never reuse a
number. On SQLite and PostgreSQL. The persisted replay's kill-and-restart test
can reuse :func:`~tests.crash_support.run_killed` and ``database_problems``.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from mediation.store.schema import case_numbers, cases, events
from tests.crash_support import burst_command, database_problems, run_killed
from tests.support import AGREEMENT

#: A guarantee test: run by the full suite, left out by `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

AT = datetime(2020, 6, 15, 9, 0)
SERVICE_SEEDS = range(1, 9)
CLI_SEEDS = range(1, 4)

MEDICAL = {"form": "written", "category": "medical", "street": "xiangnan", "summary": "术后赔偿（合成示例）",
           "applicant_name": "测试甲", "applicant_phone": "13800001234"}
CONSULT = {"form": "oral", "category": "neighbor", "street": "dongjie", "summary": "咨询（合成示例）",
           "request": "consultation"}
LABOR = {"form": "oral", "category": "labor", "street": "quyang", "summary": "欠薪（合成示例）"}

#: Case kinds: the data registered and the path it takes (verb, operator, arguments).
PATHS = {
    "settled": (MEDICAL, [("review", "clerk01", {}), ("divert", "clerk01", {}), ("take", "med_medical", {}),
                          ("extend", "med_medical", {"days": 10, "consent": True}),
                          ("settle", "med_medical", {"agreement_form": "written", "agreement": AGREEMENT}), ("close", "clerk01", {})]),
    "served": (CONSULT, [("review", "clerk01", {}), ("divert", "clerk01", {}), ("take", "med_lawyer", {}),
                         ("serve", "med_lawyer", {}), ("close", "clerk01", {})]),
    "withdrawn": (LABOR, [("review", "clerk01", {}), ("divert", "clerk01", {}), ("withdraw", "clerk01", {})]),
    "transferred": (MEDICAL, [("review", "clerk01", {}), ("divert", "clerk01", {}),
                              ("transfer", "med_medical", {"to": "room.general", "reason": "涉及多方"}),
                              ("take", "med_general", {}), ("fail", "med_general", {"routes": ["litigation"]}),
                              ("close", "clerk01", {})]),
}


def plan(seed: int, n_cases: int) -> list[dict]:
    """The burst of ``seed``: ``n_cases`` cases of random kinds, their steps interleaved at random."""
    rng = random.Random(seed)
    queues = []
    for i in range(n_cases):
        data, path = PATHS[rng.choice(sorted(PATHS))]
        no = f"XS-2020-{seed * 100 + i + 1:05d}"
        steps = [{"case_no": no, "verb": "register", "operator": "clerk01", "version": 0, "args": data}]
        steps += [{"case_no": no, "verb": verb, "operator": op, "version": v, "args": args}
                  for v, (verb, op, args) in enumerate(path, 1)]
        queues.append(steps)
    out = []
    while any(queues):
        steps = rng.choice([q for q in queues if q])
        out.append(steps.pop(0))
    for n, step in enumerate(out):
        step["at"] = (AT + timedelta(minutes=n)).isoformat(timespec="minutes")
    return out


def stored_events(db) -> dict[str, list[tuple]]:
    """case number -> [(seq, trigger, operator, at)] of every stored event."""
    out: dict[str, list[tuple]] = {}
    with db.read() as conn:
        stmt = select(events.c.case_no, events.c.seq, events.c.trigger, events.c.operator, events.c.at)
        for no, seq, trigger, operator, at in conn.execute(stmt.order_by(events.c.case_no, events.c.seq)):
            out.setdefault(no, []).append((seq, trigger, operator, at))
    return out


def expected_events(steps: list[dict]) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for step in steps:
        out.setdefault(step["case_no"], []).append(
            (step["version"] + 1, step["verb"], step["operator"], datetime.fromisoformat(step["at"])))
    return out


def done_steps(result) -> tuple[set[int], set[int]]:
    """(steps the child committed, steps it found done already) from its reports."""
    committed = {int(d) for d in result.done if d.isdigit()}
    skipped = {int(d.split()[0]) for d in result.done if d.endswith("skipped")}
    return committed, skipped


def kill_points(db, mode: str, seeds: range, n_cases: int) -> dict:
    """Run each seed's burst killed at a random point, check, rerun, check; return the tally."""
    tally = {"runs": 0, "killed": 0, "after_a_write": 0, "points": [], "before": []}
    # a complete run first: how many trace points a step has (k is drawn below a burst's)
    calibration = plan(0, 1)
    full = run_killed(burst_command({"url": db.url, "mode": mode, "steps": calibration}), None)
    assert full.returncode == 0 and not full.killed, full.stderr
    per_step = full.points / len(calibration)
    assert database_problems(db) == []
    for seed in seeds:
        steps = plan(seed, n_cases)
        spec = {"url": db.url, "mode": mode, "steps": steps}
        # below the burst's points, with room for a plan whose steps run fewer statements
        kill_at = random.Random(seed * 7919).randint(1, int(0.8 * per_step * len(steps)))
        result = run_killed(burst_command(spec), kill_at)
        tally["runs"] += 1
        tally["killed"] += result.killed
        tally["points"].append(kill_at)
        tally["before"].append(result.died_before)
        tally["after_a_write"] += result.after_a_write
        assert result.returncode == (-9 if result.killed else 0), result.stderr
        assert database_problems(db) == [], f"seed {seed} killed at {kill_at}"
        committed, _ = done_steps(result)
        stored = stored_events(db)
        expected = expected_events(steps)
        for n in committed:  # nothing the child saw committed is lost
            step = steps[n]
            assert expected[step["case_no"]][step["version"]] in stored.get(step["case_no"], [])
        for no, evs in expected.items():  # what is stored is a prefix of the plan: nothing half-done
            have = stored.get(no, [])
            assert have == evs[:len(have)], (seed, no)

        again = run_killed(burst_command(spec), None)
        assert again.returncode == 0 and not again.killed, again.stderr
        performed, skipped = done_steps(again)
        assert performed | skipped == set(range(len(steps))) and not performed & skipped
        assert committed <= skipped
        stored = stored_events(db)
        for no, evs in expected.items():  # exactly once
            assert stored[no] == evs, (seed, no)
        assert database_problems(db) == []
    return tally


def test_killed_service_bursts_leave_a_consistent_database_and_rerun_exactly_once(db):
    tally = kill_points(db, "service", SERVICE_SEEDS, n_cases=4)
    assert tally["killed"] == tally["runs"] == len(SERVICE_SEEDS), tally
    print("kills:", tally)  # figures for the closing note (pytest -s)


def test_killed_cli_bursts_leave_a_consistent_database_and_rerun_exactly_once(db):
    tally = kill_points(db, "cli", CLI_SEEDS, n_cases=1)  # a process per step: keep it short
    assert tally["killed"] == tally["runs"] == len(CLI_SEEDS), tally
    print("kills:", tally)  # figures for the closing note (pytest -s)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_killed_registrations_leave_no_gap_and_reuse_no_number(db, seed):
    steps = [{"case_no": None, "verb": "register", "operator": "clerk01", "version": 0, "args": MEDICAL,
              "at": (AT + timedelta(minutes=n)).isoformat(timespec="minutes")} for n in range(6)]
    spec = {"url": db.url, "mode": "service", "steps": steps}
    kill_at = random.Random(seed).randint(1, 40)
    result = run_killed(burst_command(spec), kill_at)
    assert result.killed and result.returncode == -9
    reported = [d.split()[1] for d in result.done]
    run_killed(burst_command(spec), None)
    assert database_problems(db) == []
    with db.read() as conn:
        numbers = sorted(conn.execute(select(cases.c.case_no)).scalars())
        last = conn.execute(select(case_numbers.c.last).where(case_numbers.c.year == 2020)).scalar()
    assert set(reported) <= set(numbers)
    assert numbers == [f"XS-2020-{n:05d}" for n in range(1, len(numbers) + 1)]
    # each registration reports right after its commit, before the next statement: the
    # kill can fall between commit and report of none of them
    assert last == len(numbers) == len(reported) + len(steps)
