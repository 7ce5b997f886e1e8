"""Several desks (processes) registering and moving cases at once, some on the same cases.

Afterwards: case numbers unique and gap-free, every case's state equals the
fold of its events, its version equals its number of events, every refusal
was a typed error (a conflict or a no-longer-allowed trigger, never a crash),
and the events written equal the successful actions' events: nothing lost.
On PostgreSQL this exercises the row-locked counter and the version check;
on SQLite the serialised (BEGIN IMMEDIATE) writes.
"""

from __future__ import annotations

import multiprocessing
import random
import traceback
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

#: A guarantee test: run by the full suite, left out by `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2020, 6, 15, 9, 30)
DATA = {"form": "书面", "category": "医疗", "street": "相南街道", "summary": "并发（合成示例）"}
DESKS = 6
REGISTER_EACH = 6
MOVES_EACH = 40
SHARED = 4  # cases every desk works on

#: state -> (action, operator, extra arguments): the natural next step.
NEXT = {
    "registered": ("review", "clerk01", {}),
    "under_review": ("divert", "clerk01", {}),
    "diverted": ("take", "med_medical", {}),
    "in_progress": ("settle", "med_medical", {"agreement_form": "oral"}),
    "settled": ("close", "clerk01", {}),
    "closed": ("withdraw", "clerk01", {}),  # always refused: closed is final
}


def one_desk(url: str, seed: int, barrier, results) -> None:
    try:
        from mediation import desk
        from mediation.errors import ConcurrentUpdate, InvalidTransition, MediationError
        from mediation.rules import load_rules
        from mediation.store.database import open_database

        rules = load_rules(ROOT / "rules")
        db = open_database(url)
        rng = random.Random(seed)
        tally: Counter = Counter()
        events = 0
        barrier.wait()
        mine = []
        for _ in range(REGISTER_EACH):
            mine.append(desk.register(db, rules, DATA, operator="clerk01", at=AT).case_no)
            events += 1
        pool = [f"XS-2020-{n:05d}" for n in range(1, SHARED + 1)]
        for _ in range(MOVES_EACH):
            no = rng.choice(pool if rng.random() < 0.6 else mine)
            seen = desk.show(db, no)
            action, operator, extra = NEXT[seen.state]
            stale = seen.version if rng.random() < 0.5 else None
            try:
                rec = getattr(desk, action)(db, rules, no, operator=operator, at=AT,
                                               expect_version=stale, **extra)
            except ConcurrentUpdate:
                tally["conflict"] += 1
            except InvalidTransition:
                tally["refused"] += 1
            except MediationError as exc:  # anything else is a bug in the test's plan
                tally[f"other: {exc}"] += 1
            else:
                tally["ok"] += 1
                events += rec.written
        db.dispose()
        results.put((seed, dict(tally), events, mine, None))
    except BaseException:
        results.put((seed, {}, 0, [], traceback.format_exc()))


def test_desks_at_once_lose_nothing_and_share_no_number(db, rules):
    from mediation import desk
    from mediation.lifecycle import fold
    from mediation.store.records import get_events
    from mediation.store.schema import cases, events

    for _ in range(SHARED):
        desk.register(db, rules, DATA, operator="clerk01", at=AT)
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(DESKS)
    results = ctx.Queue()
    procs = [ctx.Process(target=one_desk, args=(db.url, seed, barrier, results)) for seed in range(DESKS)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    errors = [err for *_, err in outcomes if err]
    assert not errors, errors[0]

    tally = Counter()
    written = SHARED
    for _, counts, n_events, _, _ in outcomes:
        tally.update(counts)
        written += n_events
    assert not [k for k in tally if k.startswith("other")], tally
    assert tally["ok"] > 0 and tally["ok"] + tally["conflict"] + tally["refused"] == DESKS * MOVES_EACH

    numbers = sorted(no for *_, mine, _ in outcomes for no in mine)
    assert len(set(numbers)) == len(numbers) == DESKS * REGISTER_EACH
    with db.read() as conn:
        stored = conn.execute(select(cases.c.case_no, cases.c.state, cases.c.version)).all()
        assert sorted(no for no, *_ in stored) == [f"XS-2020-{n:05d}" for n in range(1, len(stored) + 1)]
        assert len(stored) == SHARED + DESKS * REGISTER_EACH
        assert conn.execute(select(func.count()).select_from(events)).scalar_one() == written
        for no, state, version in stored:
            evs = get_events(conn, no)
            assert fold(evs) == state and version == len(evs), no
