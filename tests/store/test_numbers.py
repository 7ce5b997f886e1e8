"""Case numbers (issue 11, point 1): paper numbers never move nor block the desk's counter.

The desk's numbers of a year are consecutive except for numbers already taken
by paper records (or replayed histories), which it skips; the year's last
number is a clear refusal, not an internal error. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from mediation import desk
from mediation.errors import Refused
from mediation.store.numbers import (
    FAR_AHEAD,
    MAX_SEQ,
    NumbersUsedUp,
    beyond_known,
    counter,
    format_case_no,
    next_case_no,
)
from mediation.store.schema import case_numbers

AT = datetime(2020, 6, 1, 10, 0)
CASE = {"form": "书面", "category": "医疗", "street": "相南街道", "summary": "术后赔偿争议（合成示例）"}


def register(db, rules, case_no: str | None = None) -> str:
    data = dict(CASE, case_no=case_no) if case_no else CASE
    return desk.register(db, rules, data, operator="clerk01", at=AT).case_no


def test_the_last_paper_number_of_the_year_blocks_nothing(db, rules):
    # the attack: one paper record XS-2020-99999, then every desk registration failed
    assert register(db, rules, "XS-2020-99999") == "XS-2020-99999"
    assert [register(db, rules) for _ in range(3)] == ["XS-2020-00001", "XS-2020-00002", "XS-2020-00003"]
    with db.read() as conn:
        assert counter(conn, 2020) == 3


def test_a_typo_burns_no_numbers_and_taken_numbers_are_skipped(db, rules):
    assert register(db, rules) == "XS-2020-00001"
    for given in ("XS-2020-00500", "XS-2020-00002", "XS-2020-00003", "XS-2020-00005"):
        register(db, rules, given)
    assert [register(db, rules) for _ in range(3)] == ["XS-2020-00004", "XS-2020-00006", "XS-2020-00007"]
    with db.read() as conn:
        assert counter(conn, 2020) == 7


def test_a_replayed_history_moves_no_counter_and_its_numbers_are_skipped(db, rules):
    from mediation.cases import parse_case
    from mediation.store.bulk import CaseInsert, insert_cases
    from mediation.store.records import case_row, event_row, party_rows

    case = parse_case(CASE, rules, now=AT)
    batch = []
    for n in (1, 2, 3, 40_000):
        no = format_case_no(2020, n)
        batch.append(CaseInsert(case_row(case, case_no=no, at=AT, rules_digest=rules.digest),
                                party_rows(case, no),
                                [event_row("register", None, "registered", at=AT, operator="sup01",
                                           rules_digest=rules.digest)]))
    with db.write() as conn:
        insert_cases(conn, batch)
        assert conn.execute(select(case_numbers)).all() == []
    assert register(db, rules) == "XS-2020-00004"


def test_running_out_of_numbers_is_a_clear_refusal(db, rules):
    with db.write() as conn:
        conn.execute(case_numbers.insert().values(year=2020, last=MAX_SEQ - 2))
    register(db, rules, "XS-2020-99998")
    assert register(db, rules) == "XS-2020-99999"
    with pytest.raises(NumbersUsedUp, match=r"case numbers of 2020 are used up: every number up to "
                                            r"XS-2020-99999 is issued or taken") as caught:
        register(db, rules)
    assert caught.value.exit_code == 2
    assert isinstance(caught.value, Refused)
    with pytest.raises(NumbersUsedUp):  # the counter stays at its end, its CHECK holds
        register(db, rules)
    assert register(db, rules, "XS-2020-00007") == "XS-2020-00007"  # paper records still go in


def test_a_taken_last_number_is_used_up_too(db, rules):
    with db.write() as conn:
        conn.execute(case_numbers.insert().values(year=2020, last=MAX_SEQ - 1))
    register(db, rules, "XS-2020-99999")
    with pytest.raises(NumbersUsedUp):
        register(db, rules)
    with db.read() as conn:
        assert counter(conn, 2020) == MAX_SEQ - 1  # refused whole: the counter did not move


def test_how_far_a_paper_number_lies_beyond_the_counter(db, rules):
    register(db, rules)
    register(db, rules)
    with db.read() as conn:
        assert beyond_known(conn, "XS-2020-00001") == 0
        assert beyond_known(conn, "XS-2020-00102") == FAR_AHEAD
        assert beyond_known(conn, "XS-2020-00500") == 498
        assert beyond_known(conn, "XS-2019-00500") == 500
    # a past year's paper records entered one after another: each near the last one stored
    register(db, rules, "XS-2019-00090")
    with db.read() as conn:
        assert beyond_known(conn, "XS-2019-00150") == 60
        assert beyond_known(conn, "XS-2019-00500") == 410


def test_a_paper_number_committed_after_the_desk_looked_is_skipped(db, rules):
    """The race on PostgreSQL: the desk's number is stored by another desk before its insert."""
    from mediation.desk import registration

    real = registration.next_case_no
    calls = []

    def racing(conn, year):
        no = real(conn, year)
        if not calls:  # the first time, another desk stores the same number as paper, first
            calls.append(no)
            register(db, rules, no)
        return no

    if db.sqlite:
        pytest.skip("one writer at a time on SQLite: the race cannot happen")
    registration.next_case_no = racing
    try:
        assert register(db, rules) == "XS-2020-00002"
    finally:
        registration.next_case_no = real
    assert calls == ["XS-2020-00001"]


def test_next_case_no_alone(db):
    with db.write() as conn:
        assert next_case_no(conn, 2030) == "XS-2030-00001"
        assert next_case_no(conn, 2030) == "XS-2030-00002"
