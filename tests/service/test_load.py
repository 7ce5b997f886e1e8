"""Bounded load and a graceful stop, through a real server: 16 concurrent clients × 100 submissions
on SQLite and PostgreSQL, with retries: 0 lost, 0 duplicated, case numbers unique.

Speed is measured by benchmarks/serve.py, never asserted here.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from mediation.store.database import open_database
from mediation.store.schema import cases, events, requests
from tests.service.conftest import add_partners
from tests.service.server import Server

CLIENTS, EACH, RETRIED = 16, 100, 10
CASE = {"form": "口头", "category": "邻里", "street": "相南街道", "summary": "噪音纠纷（负载测试）",
        "applicants": [{"name": "测试甲", "phone": "13800000001"}]}


def hammer(server: Server, tokens: dict[str, str]) -> tuple[dict, list[str]]:
    """Every client submits EACH cases, each under its own key, then retries its first RETRIED.
    Returns {(client, n): case_no} of the first answers, and the failures."""
    ids = sorted(tokens)
    numbers: dict[tuple[int, int], str] = {}
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)

    def client(k: int) -> None:
        partner = ids[k % len(ids)]
        c = server.client(tokens[partner])
        barrier.wait()
        mine = {}
        for n in range(EACH):
            a = c.post("/v1/cases", {**CASE, "summary": f"负载 {k}-{n}"}, headers={"Idempotency-Key": f"c{k}-{n}"})
            if a.status != 201:
                failures.append(f"client {k} #{n}: {a.status} {a.text[:200]}")
                continue
            mine[(k, n)] = a.json["case_no"]
        for n in range(RETRIED):
            a = c.post("/v1/cases", {**CASE, "summary": f"负载 {k}-{n}"}, headers={"Idempotency-Key": f"c{k}-{n}"})
            if a.status != 201 or a.json["case_no"] != mine.get((k, n)):
                failures.append(f"client {k} retry #{n}: {a.status} {a.text[:200]}")
        c.close()
        with lock:
            numbers.update(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return numbers, failures


def check_store(url: str, numbers: dict) -> None:
    with open_database(url) as db, db.read() as conn:
        stored = [r.case_no for r in conn.execute(select(cases.c.case_no).where(cases.c.channel == "referral"))]
        keyed = conn.execute(select(func.count()).select_from(requests)).scalar_one()
        firsts = conn.execute(select(func.count()).select_from(events).where(
            events.c.trigger == "register", events.c.operator.like("partner:load%"))).scalar_one()
    answered = list(numbers.values())
    assert len(answered) == CLIENTS * EACH
    assert len(set(answered)) == len(answered)  # numbers unique
    assert sorted(stored) == sorted(answered)  # 0 lost, 0 duplicated
    assert keyed == firsts == CLIENTS * EACH
    seqs = sorted(int(no.rsplit("-", 1)[1]) for no in stored)
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # no gaps: racing losers gave theirs back


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sixteen_clients_a_hundred_submissions_each(backend, request, rules_m, tmp_path):
    url = request.getfixturevalue("sqlite_db_url" if backend == "sqlite" else "pg_db_url")
    tokens = add_partners(url, rules_m, *((f"load{i}", dept) for i, dept in
                                          enumerate(("court", "police", "petition_bureau", "court"))))
    server = Server(url, "--quiet", "--rate-limit", "0", log=tmp_path / "serve.log")
    try:
        numbers, failures = hammer(server, tokens)
    finally:
        assert server.stop() == 0
    assert failures == []
    check_store(url, numbers)


@pytest.mark.slow
def test_sigterm_finishes_the_requests_in_flight(sqlite_db_url, rules_m, tmp_path):
    token = add_partners(sqlite_db_url, rules_m, ("stopper", "court"))["stopper"]
    server = Server(sqlite_db_url, "--quiet", log=tmp_path / "serve.log")
    answered: Counter = Counter()
    numbers: list[str] = []
    lock = threading.Lock()
    started = threading.Barrier(9)

    def client(k: int) -> None:
        c = server.client(token)
        started.wait()
        for n in range(200):
            try:
                a = c.post("/v1/cases", {**CASE, "summary": f"停机 {k}-{n}"})
            except OSError:  # the server has stopped listening: this client is done
                break
            with lock:
                answered[a.status] += 1
                if a.status == 201:
                    numbers.append(a.json["case_no"])
        c.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    started.wait()
    # stop once the first answers are in, while requests are in flight
    c = server.client(token)
    assert c.post("/v1/cases", CASE).status == 201
    assert server.stop() == 0
    for t in threads:
        t.join()
    with open_database(sqlite_db_url) as db, db.read() as conn:
        stored = {r.case_no for r in conn.execute(select(cases.c.case_no).where(
            cases.c.summary.like("停机 %")))}
    assert set(answered) <= {201}  # nothing failed half-way
    assert stored == set(numbers)  # every answered case is stored, and nothing unanswered is


@pytest.mark.slow
def test_two_worker_processes_share_the_store(sqlite_db_url, rules_m, tmp_path):
    token = add_partners(sqlite_db_url, rules_m, ("twin", "police"))["twin"]
    server = Server(sqlite_db_url, "--quiet", "--workers", "2", log=tmp_path / "serve.log")
    numbers: list[str] = []
    lock = threading.Lock()

    def client(k: int) -> None:
        c = server.client(token)
        for n in range(25):
            a = c.post("/v1/cases", {**CASE, "summary": f"双进程 {k}-{n}"}, headers={"Idempotency-Key": f"w{k}-{n}"})
            assert a.status == 201, a.text
            with lock:
                numbers.append(a.json["case_no"])
        c.close()

    try:
        threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        assert server.stop() == 0
    with open_database(sqlite_db_url) as db, db.read() as conn:
        stored = {r.case_no for r in conn.execute(select(cases.c.case_no).where(cases.c.summary.like("双进程 %")))}
    assert len(numbers) == 100 and stored == set(numbers)
