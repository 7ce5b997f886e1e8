"""Issue 12, point 6: an ambiguous destination (综合调解: 综合调解室 or 综合调解窗口) at the CLI:
a script gets one error line listing both; a person at a terminal chooses."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from click.testing import CliRunner

from mediation import desk
from mediation.cli import cli


@pytest.fixture
def diverted(db, rules):
    data = {"form": "口头", "category": "邻里", "street": "东街道", "summary": "楼上漏水（合成示例）"}
    no = desk.register(db, rules, data, operator="clerk01", at=datetime(2020, 6, 15, 9)).case_no
    desk.review(db, rules, no, operator="clerk01", at=datetime(2020, 6, 15, 9, 5))
    desk.divert(db, rules, no, operator="clerk01", at=datetime(2020, 6, 15, 9, 10))
    return db, no


def run(db, *args, stdin=None):
    return CliRunner().invoke(cli, list(args), input=stdin,
                              env={"MEDIATION_DB": db.url, "MEDIATION_ON_BEHALF_OF": "sup01"})


def test_a_script_gets_both_choices_in_one_line(diverted):
    db, no = diverted
    result = run(db, "case", "transfer", no, "--to", "综合调解", "--reason", "复杂", "--at", "2020-06-15T10:00")
    assert result.exit_code == 2
    assert result.stderr == ("mediation: error: '综合调解' 可指 综合调解室 (room.general) 或 "
                             "综合调解窗口 (window.mediation)（--to）：请写编号或全称\n")
    assert run(db, "queue", "综合调解").exit_code == 2


def test_at_a_terminal_the_clerk_chooses(diverted, monkeypatch):
    db, no = diverted
    monkeypatch.setattr("mediation.cli.case.common.at_terminal", lambda: True)
    result = run(db, "case", "transfer", no, "--to", "综合调解", "--reason", "复杂", "--at", "2020-06-15T10:00",
                 "--json", stdin="1\n")
    assert result.exit_code == 0, result.output
    assert "1) 综合调解室 (room.general)" in result.stderr and "2) 综合调解窗口 (window.mediation)" in result.stderr
    assert json.loads(result.stdout)["destination"] == "room.general"
    queue = run(db, "queue", "综合调解", "--json", stdin="1\n")
    assert json.loads(queue.stdout)["destination"] == "room.general"


def test_the_seed_names_of_windows_work_as_destinations(diverted):
    db, no = diverted
    result = run(db, "case", "transfer", no, "--to", "法律咨询", "--reason", "只需咨询", "--at", "2020-06-15T10:00",
                 "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["destination"] == "window.consult"
