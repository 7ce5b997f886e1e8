"""Issue 13, point 5: input as people type it: full-width case numbers, phones with dashes,
a part of a room's name, an operator id in capitals, dates in the forms of a paper record."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mediation.cli import cli
from tests.cli.test_case import REGISTER, Desk


@pytest.fixture
def desk(tmp_path):
    d = Desk(f"sqlite:///{tmp_path / 'mediation.db'}")
    d("init")
    return d


def test_a_full_width_case_number_finds_the_case(desk):
    desk(*REGISTER, "--at", "2020-06-15T09:30")
    shown = desk.json("case", "show", "ＸＳ－２０２０－０００01")
    assert shown["case_no"] == "XS-2020-00001"
    out = desk("case", "review", "ｘｓ—２０２０—０００01", "--at", "2020-06-15T09:40").stdout
    assert out.startswith("XS-2020-00001  审查")


@pytest.mark.parametrize("phone", ["139-1234-5678", "139 1234 5678", "１３９１２３４５６７８", "+86 139.1234.5678"])
def test_a_phone_with_dashes_or_spaces_is_one_number(desk, phone):
    args = [a for a in REGISTER if a not in ("--applicant-phone", "13812345678")]
    desk(*args, "--applicant-phone", phone, "--at", "2020-06-15T09:30")
    shown = desk.json("case", "show", "XS-2020-00001", "--reveal", "--at", "2020-06-15T09:31")
    assert shown["applicants"][0]["phone"] == "13912345678"


def test_a_unique_part_of_a_name_finds_the_room(desk):
    assert desk.json("queue", "物业")["destination"] == "room.property"
    err = desk("queue", "调解室", code=2).stderr
    assert "'调解室' 可指 综合调解室 (room.general)、" in err and "律师调解室 (room.lawyer)" in err


def test_an_operator_in_capitals_is_suggested_in_lower_case(desk):
    err = desk(*REGISTER, "--at", "2020-06-15T09:30", operator="CLERK01", code=2).stderr
    assert "没有工作人员 'CLERK01'：是 clerk01 吗？" in err


@pytest.mark.parametrize(("typed", "stored"), [
    ("2020-6-15T9:30", "2020-06-15T09:30:00"),
    ("2020/6/15 9:30", "2020-06-15T09:30:00"),
    ("2020年6月15日 9:30", "2020-06-15T09:30:00"),
    ("2020年6月15日9时30分", "2020-06-15T09:30:00"),
    ("２０２０－０６－１５Ｔ０９：３０", "2020-06-15T09:30:00"),
])
def test_at_reads_the_forms_of_a_paper_record(desk, typed, stored):
    assert desk.json(*REGISTER, "--at", typed)["events"][0]["at"] == stored


@pytest.mark.parametrize("day", ["2020-06-15", "2020-6-15", "2020/6/15", "2020年6月15日"])
def test_a_date_alone_is_not_a_moment(desk, day):
    # a paper record's time of day orders its events and starts its limits: 00:00 is never assumed
    err = desk(*REGISTER, "--at", day, code=2).stderr
    assert f"--at '{day}' 缺少时刻：请写上记录上的时间，如 2020-06-15T09:30" in err


@pytest.mark.parametrize("day", ["2020-6-1", "2020/6/1", "2020年6月1日", "2020-06-01"])
def test_from_and_to_read_the_same_forms(desk, day):
    desk(*REGISTER, "--at", "2020-06-15T09:30")
    listed = desk("case", "list", "--from", day, "--to", "2020-6-30", "--json").stdout
    assert "XS-2020-00001" in listed


def test_a_day_option_refuses_a_time(desk):
    err = desk("case", "list", "--from", "2020-06-01T10:00", code=2).stderr
    assert "--from '2020-06-01T10:00' 不是日期" in err


def test_register_suggests_by_pinyin_and_names_the_right_field(desk):
    args = [a for a in REGISTER if a not in ("--category", "醫療糾紛")]
    err = desk(*args, "--category", "yiliao", "--at", "2020-06-15T09:30", code=2).stderr
    assert "没有这个纠纷类型 'yiliao'（--category）：是 医疗 (medical) 吗？" in err
    args = [a for a in REGISTER if a not in ("--form", "书面")]
    err = desk(*args, "--form", "电话", "--at", "2020-06-15T09:30", code=2).stderr
    assert "'电话' 是来源渠道 来电 (phone)，不是形式" in err


def test_replay_never_suggests_settled_for_an_open_case(tmp_path):
    src = tmp_path / "open.csv"
    src.write_text("登记时间,形式,纠纷类型,街道,纠纷概要,outcome\n"
                   "2020-06-15 09:30,口头,邻里,东街道,漏水,调解中\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["replay", str(src), "--rejects", str(tmp_path / "r.csv")])
    rejects = (tmp_path / "r.csv").read_text(encoding="utf-8")
    assert result.exit_code == 0 and "unknown outcome '调解中'" in rejects
    assert "names the state 'in_progress' (调解中)" in rejects and "did you mean" not in rejects
