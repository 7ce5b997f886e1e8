"""``case register --request-id KEY``: a script's retry registers nothing and prints the first answer."""

from __future__ import annotations

import pytest

from tests.cli.test_case import REGISTER, Desk


@pytest.fixture
def clerk(db_url) -> Desk:
    d = Desk(db_url)
    d("init")
    return d


def test_a_retried_registration_prints_the_first_answer(clerk):
    first = clerk.json(*REGISTER, "--request-id", "batch-7/line-12")
    again = clerk.json(*REGISTER, "--request-id", "batch-7/line-12")
    assert again == first
    line = clerk(*REGISTER, "--request-id", "batch-7/line-12").stdout
    assert line.strip() == f"{first['case_no']}  已按 --request-id batch-7/line-12 登记过（未再写入）"
    other = clerk.json(*REGISTER, "--request-id", "batch-7/line-13")
    assert other["case_no"] != first["case_no"]
    assert clerk.json("case", "list")["total"] == 2
    bad = clerk(*REGISTER, "--request-id", "two words", code=2)
    assert "--request-id 须是 1 到 100 个可见的半角字符" in bad.stderr


def test_the_same_key_of_another_clerk_is_another_request(clerk):
    first = clerk.json(*REGISTER, "--request-id", "k1")
    assert clerk.json(*REGISTER, "--request-id", "k1", operator="clerk02")["case_no"] != first["case_no"]
