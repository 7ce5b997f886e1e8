"""Eight desks at once: every kind of action, shared cases, stale views, contested paper numbers.

Eight processes start together (a barrier, no sleeps) and each does a fixed
number of operations: registering cases (new numbers, and paper records whose
numbers every desk tries to register), and moving cases (review, divert,
override, take, transfer, extend, settle, fail, serve, withdraw, close,
reveal), mostly on a few shared cases, often with a stale or deliberately
outdated version, sometimes as an operator whose role does not allow it.

Afterwards:

- case numbers are unique, and the year's numbers run 1..n without a gap;
  each contested paper number is stored once, every other try refused;
- the database is consistent (:func:`tests.crash_support.database_problems`:
  state == fold of the events, version == number of events, ...);
- every refusal was a typed refusal (ConcurrentUpdate, InvalidTransition,
  PermissionDenied, Refused), never another exception;
- the events stored are exactly the events the successful operations wrote
  (case, sequence number, trigger, operator): nothing lost, nothing extra.

On SQLite (a file; writes serialised by BEGIN IMMEDIATE) and PostgreSQL (row
locks and the version check; here a desk can lose a race *inside* its
transaction, counted as ``ConcurrentUpdate:race``).
"""

from __future__ import annotations

import multiprocessing
import random
import traceback
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import select

from mediation import desk
from mediation.lifecycle import FINAL_STATES
from mediation.store.schema import cases, events
from tests.crash_support import database_problems
from tests.support import AGREEMENT

#: A guarantee test: run by the full suite, left out by `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

DESKS = 8
OPS_EACH = 80
AT = datetime(2020, 6, 15, 9, 30)
GIVEN = [f"XS-2019-{n:05d}" for n in range(1, 7)]  # paper records every desk tries to register
EXPECTED = {"ConcurrentUpdate", "ConcurrentUpdate:race", "InvalidTransition", "PermissionDenied", "Refused"}

KINDS = [
    {"form": "书面", "category": "医疗", "street": "相南街道", "summary": "医疗（合成示例）",
     "applicant_name": "测试甲", "applicant_phone": "13800001234"},
    {"form": "口头", "category": "邻里", "street": "东街道", "summary": "咨询（合成示例）", "request": "咨询"},
    {"form": "口头", "category": "劳动争议", "street": "曲阳街道", "summary": "欠薪（合成示例）"},
    {"form": "口头", "category": "邻里", "street": "西街道", "summary": "漏水（合成示例）", "amount": 800},
]
SHARED = 12
ACTIONS = ("review", "divert", "override", "take", "transfer", "extend", "settle", "fail", "serve",
           "withdraw", "close", "reveal")
PLACES = ("room.general", "room.medical", "room.labor", "window.mediation", "window.consult", "room.lawyer")


def natural(state: str, destination: str | None, rng: random.Random) -> str:
    """The step a desk would normally take next."""
    if state == "in_progress":
        if destination and destination.startswith("window."):
            return "serve"
        return rng.choice(["settle", "settle", "fail", "extend"])
    return {"registered": "review", "under_review": "divert", "diverted": "take", "settled": "close",
            "unsettled": "close", "served": "close"}.get(state, "withdraw")  # final: refused


def operator_for(action: str, destination: str | None, owners: dict, rng: random.Random, wrong: bool) -> str:
    own = owners.get(destination, "med_general")
    if wrong:
        return rng.choice(["clerk01", "sup01", own, "med_traffic", "med_family"])
    if action in ("review", "divert", "withdraw", "close", "reveal"):
        return "clerk01"
    if action == "override":
        return "sup01"
    return own if rng.random() < 0.8 else "sup01"


def act(db, rules, rng: random.Random, no: str, owners: dict):
    seen = desk.show(db, no)
    state, destination = seen.state, seen.row["destination"]
    wrong = rng.random() < 0.25
    if seen.state in FINAL_STATES and not wrong and rng.random() < 0.7:  # a new case comes in instead
        return desk.register(db, rules, rng.choice(KINDS), operator="clerk02", at=AT)
    action = rng.choice(ACTIONS) if wrong else natural(state, destination, rng)
    operator = operator_for(action, destination, owners, rng, wrong)
    kw = {"operator": operator, "at": AT}
    pick = rng.random()
    if action != "reveal" and pick < 0.35:
        kw["expect_version"] = seen.version
    elif action != "reveal" and pick < 0.5:
        kw["expect_version"] = seen.version - 1  # a view that is out of date
    if action == "override":
        return desk.divert(db, rules, no, to=rng.choice(PLACES), reason="改派（测试）", **kw)
    if action == "settle":
        kw["agreement_form"] = rng.choice(["oral", "written"])
        kw["agreement"] = AGREEMENT if kw["agreement_form"] == "written" else None
    elif action == "fail":
        kw["routes"] = ["litigation"]
    elif action == "transfer":
        kw.update(to=rng.choice(PLACES), reason="转办（测试）")
    elif action == "extend":
        kw.update(days=rng.randint(1, 30), consent=True)
    return getattr(desk, action)(db, rules, no, **kw)


def one_desk(url: str, rules, seed: int, barrier, results) -> None:
    """One desk: OPS_EACH operations; puts (seed, tally, events written, own numbers, unexpected)."""
    unexpected: list[str] = []
    tally: Counter = Counter()
    written: list[tuple] = []
    mine: list[str] = []
    try:
        from mediation.errors import MediationError
        from mediation.store.database import open_database

        db = open_database(url)
        owners = {d: op.id for op in rules.staff.values() if op.role == "mediator" for d in op.destinations}
        shared = [f"XS-2020-{n:05d}" for n in range(1, SHARED + 1)]
        rng = random.Random(seed)
        barrier.wait(timeout=120)
        for _ in range(OPS_EACH):
            roll = rng.random()
            try:
                if roll < 0.08:
                    rec = desk.register(db, rules, rng.choice(KINDS), operator="clerk01", at=AT)
                    mine.append(rec.case_no)
                elif roll < 0.14:
                    rec = desk.register(db, rules, dict(rng.choice(KINDS), case_no=rng.choice(GIVEN)),
                                           operator=rng.choice(["clerk01", "clerk02"]), at=AT)
                else:
                    no = rng.choice(shared if rng.random() < 0.7 or not mine else mine)
                    rec = act(db, rules, rng, no, owners)
                    if rec.events[-1]["trigger"] == "register":
                        mine.append(rec.case_no)
            except MediationError as exc:
                name = type(exc).__name__
                if name == "ConcurrentUpdate" and "while you acted on it" in str(exc):
                    name += ":race"  # lost the race inside the transaction (PostgreSQL)
                tally[name] += 1
                if name not in EXPECTED:
                    unexpected.append(f"{name}: {exc}")
            except Exception:
                unexpected.append(traceback.format_exc())
                tally["crash"] += 1
            else:
                tally["ok"] += 1
                written += [(e["case_no"], e["seq"], e["trigger"], e["operator"])
                            for e in rec.events[len(rec.events) - rec.written:]]
        db.dispose()
    except BaseException:
        unexpected.append(traceback.format_exc())
    results.put((seed, dict(tally), written, mine, unexpected))


def stored_events(db) -> list[tuple]:
    with db.read() as conn:
        stmt = select(events.c.case_no, events.c.seq, events.c.trigger, events.c.operator)
        return sorted(tuple(r) for r in conn.execute(stmt))


def test_eight_desks_lose_nothing_share_no_number_and_refuse_only_with_typed_errors(db, rules):
    for n in range(SHARED):
        desk.register(db, rules, KINDS[n % len(KINDS)], operator="clerk01", at=AT)
    before = stored_events(db)
    db.engine.dispose()  # the desks are forked: they must not share the parent's connections
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(DESKS)
    results = ctx.Queue()
    procs = [ctx.Process(target=one_desk, args=(db.url, rules, seed, barrier, results)) for seed in range(DESKS)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    unexpected = [u for *_, found in outcomes for u in found]
    assert not unexpected, unexpected[0]

    tally: Counter = Counter()
    written = list(before)
    numbers = []
    for _, counts, evs, mine, _ in outcomes:
        tally.update(counts)
        written += evs
        numbers += mine
    print(f"{DESKS} desks x {OPS_EACH} operations:", dict(tally))  # figures for the closing note (pytest -s)
    assert sum(tally.values()) == DESKS * OPS_EACH
    assert set(tally) - {"ok"} <= EXPECTED
    assert tally["ok"] > DESKS * OPS_EACH // 4
    assert tally["ConcurrentUpdate"] + tally["ConcurrentUpdate:race"] > 0

    # nothing lost, nothing extra: the stored events are the successful operations' events
    assert stored_events(db) == sorted(written)
    assert database_problems(db) == []

    # numbers: unique, gap-free within the year; each paper number stored once
    assert len(set(numbers)) == len(numbers)
    with db.read() as conn:
        stored = sorted(conn.execute(select(cases.c.case_no)).scalars())
    of_2020 = [no for no in stored if no.startswith("XS-2020-")]
    assert of_2020 == [f"XS-2020-{n:05d}" for n in range(1, len(of_2020) + 1)]
    assert len(of_2020) == SHARED + len(numbers)
    paper = [no for no in stored if no.startswith("XS-2019-")]
    assert set(paper) <= set(GIVEN)
    registered_paper = [e for e in written if e[0].startswith("XS-2019-") and e[2] == "register"]
    assert sorted(e[0] for e in registered_paper) == paper  # once each
