"""Case input: validation and normalisation (docs/design.md §2)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from mediation.cases import parse_case, parse_date, parse_moment
from mediation.errors import CaseError
from mediation.personal import id_check_char
from tests.support import NOW, make_case, shipped_rules

BASE = {"form": "oral", "category": "medical", "street": "xiangnan", "summary": "纠纷"}


def parse(**fields):
    return parse_case({**BASE, **fields}, shipped_rules(), now=NOW)


def error(**fields) -> CaseError:
    with pytest.raises(CaseError) as info:
        parse(**fields)
    return info.value


def valid_id(prefix17: str = "34060319900101123") -> str:
    return prefix17 + id_check_char(prefix17)


def test_defaults():
    case = parse()
    assert (case.request, case.channel, case.parties, case.amount, case.risk) == (
        "mediation", "walk_in", 2, Decimal(0), "low")
    assert not (case.petition or case.litigation_pending or case.criminal or case.party_refuses)
    assert case.received_at == NOW and case.case_no is None


@pytest.mark.parametrize(
    ("field", "given", "expected"),
    [
        ("category", "医疗", "medical"),
        ("category", "醫療", "medical"),
        ("category", "醫(yī)療(liáo)糾紛", "medical"),
        ("category", "ＭＥＤＩＣＡＬ", "medical"),
        ("category", "劳资", "labor"),
        ("street", "劉橋街道", "sandikou"),
        ("street", "相山經(jīng)濟開發(fā)區(qū)", "kaifaqu"),
        ("street", "濉溪縣", "suixi"),
        ("form", "書面", "written"),
        ("request", "法律諮詢", "consultation"),
        ("channel", "１２３４５热线", "hotline_12345"),
        ("risk", "高風險", "high"),
    ],
)
def test_labels_in_every_spelling(field, given, expected):
    assert getattr(parse(**{field: given}), field) == expected


def test_chinese_field_names_are_accepted():
    case = parse_case({"形式": "口头", "纠纷类型": "物业", "街道": "东山", "纠纷概要": "电梯维修",
                       "当事人数": "3", "涉及金额": "1,200元", "涉访": "是"}, shipped_rules(), now=NOW)
    assert (case.form, case.category, case.street, case.parties, case.amount, case.petition) == (
        "oral", "property", "dongshan", 3, Decimal(1200), True)


@pytest.mark.parametrize(("given", "expected"), [
    (True, True), (False, False), (1, True), (0, False), ("true", True), ("0", False), ("是", True), ("否", False),
    ("YES", True), ("無", False)])
def test_booleans(given, expected):
    assert parse(criminal=given).criminal is expected


def test_split_street_resolves_by_community():
    assert parse(street="人民路街道", community="杈园社区").street == "renwei"
    assert parse(street="人民路街道", community="锦花苑小区").street == "nanli"
    err = error(street="人民路街道")
    assert err.field == "community" and "杈园" in err.hint
    err = error(street="人民路街道", community="火车站")
    assert "not one of its communities" in str(err)


def test_referral_rules():
    assert parse(referred_by="法院").channel == "referral"
    assert parse(channel="委托移送", referred_by="court").referred_by == "court"
    assert error(channel="referral").field == "referred_by"
    assert "only for referrals" in str(error(channel="phone", referred_by="court"))


@pytest.mark.parametrize(("fields", "field", "text"), [
    ({"category": "医僚"}, "category", "did you mean 'medical' (医疗)?"),
    ({"street": "相男街道"}, "street", "did you mean 'xiangnan' (相南街道)?"),
    ({"form": "口述"}, "form", "unknown form"),
    ({"request": "mediate"}, "request", "did you mean 'mediation'"),
    ({"parties": 0}, "parties", "whole number ≥ 1"),
    ({"parties": "两"}, "parties", "whole number ≥ 1"),
    ({"parties": 2.5}, "parties", "whole number ≥ 1"),
    ({"parties": True}, "parties", "not a yes/no"),
    ({"amount": -1}, "amount", "≥ 0"),
    ({"amount": "NaN"}, "amount", "≥ 0"),
    ({"amount": "lots"}, "amount", "≥ 0"),
    ({"criminal": "maybe"}, "criminal", "true or false"),
    ({"received_at": "2020-13-45"}, "received_at", "not a date"),
    ({"received_at": 20200101}, "received_at", "must be a date"),
    ({"case_no": "2020-1"}, "case_no", "XS-YYYY-NNNNN"),
    ({"summary": "x" * 2001}, "summary", "longer than 2000"),
    ({"summary": "bell\x07"}, "summary", "control character (U+0007)"),
    ({"summary": "   "}, "summary", "summary is empty"),
    ({"category": ["medical"]}, "category", "must be a label"),
    ({"form": {"x": 1}}, "form", "must be a label"),
])
def test_bad_values_name_the_field(fields, field, text):
    err = error(**fields)
    assert err.field == field
    assert text in str(err)


def test_missing_required_and_unknown_fields():
    with pytest.raises(CaseError, match="missing required field street"):
        parse_case({"form": "oral", "category": "other", "summary": "x"}, shipped_rules())
    with pytest.raises(CaseError, match="unknown field 'catgory'.*did you mean 'category'"):
        parse_case({**BASE, "catgory": "x"}, shipped_rules())
    with pytest.raises(CaseError, match="given twice"):
        parse_case({**BASE, "纠纷类型": "医疗"}, shipped_rules())
    with pytest.raises(CaseError, match="a case is an object"):
        parse_case(["not", "a", "case"], shipped_rules())


def test_dates_in_several_forms():
    assert parse(received_at="2020-03-05").received_at == datetime(2020, 3, 5)
    assert parse(received_at="2020/3/5 14:30").received_at == datetime(2020, 3, 5, 14, 30)
    assert parse(received_at="2020年3月5日").received_at == datetime(2020, 3, 5)
    # an aware time is converted to the centre's local time
    assert parse(received_at="2020-03-05T06:00:00+00:00").received_at == datetime(2020, 3, 5, 14, 0)


@pytest.mark.parametrize(("text", "moment", "timed"), [
    ("2020-6-15", datetime(2020, 6, 15), False),
    ("2026-11-2", datetime(2026, 11, 2), False),
    ("2020/6/15 9:30", datetime(2020, 6, 15, 9, 30), True),
    ("2020.6.15 09:30:05", datetime(2020, 6, 15, 9, 30, 5), True),
    ("2020年6月15日", datetime(2020, 6, 15), False),
    ("2020年6月15日 9:30", datetime(2020, 6, 15, 9, 30), True),
    ("2020年6月15日9时30分", datetime(2020, 6, 15, 9, 30), True),
    ("２０２０－０６－１５", datetime(2020, 6, 15), False),
    ("2020-06-15T09:30", datetime(2020, 6, 15, 9, 30), True),
    ("2020-06-15", datetime(2020, 6, 15), False),
])
def test_one_date_parser_reads_every_form(text, moment, timed):
    # one parser for --at, --from/--to/--as-of and replayed files (issue 13, point 5)
    assert parse_moment(text) == (moment, timed)
    assert parse(received_at=text).received_at == moment


@pytest.mark.parametrize("text", ["2020-2-30", "2020-6/15", "tomorrow", "2020年13月1日", "15/6/2020"])
def test_impossible_or_unknown_dates_are_refused(text):
    with pytest.raises(CaseError, match="is not a date") as caught:
        parse_moment(text)
    assert "2020-6-15 9:30" in caught.value.hint


def test_a_day_is_not_a_moment():
    assert parse_date("2020-6-1") == date(2020, 6, 1)
    with pytest.raises(CaseError, match="is a day, not a moment"):
        parse_date("2020-06-01 10:00")


def test_sql_looking_text_is_kept_verbatim():
    text = "'; DROP TABLE cases; --"
    assert parse(summary=text).summary == text


def test_parties_flat_and_listed():
    case = parse(applicant_name="测试甲", applicant_id=valid_id(), applicant_phone="138 0000 0000",
                 respondents=[{"name": "测试乙", "phone": "0561-3000000"}])
    assert case.applicants[0].id_number == valid_id()
    assert case.applicants[0].phone == "13800000000"
    assert case.respondents[0].name == "测试乙"


def test_bad_id_numbers_never_echo_the_number():
    bad = valid_id()[:-1] + ("0" if valid_id()[-1] != "0" else "1")
    err = error(applicant_name="测试甲", applicant_id=bad)
    assert err.field == "applicant_id" and "checksum" in str(err) and bad not in str(err)
    err = error(applicant_name="测试甲", applicant_id=valid_id("34060319901301123"))
    assert "birth date" in str(err)
    err = error(applicants=[{"name": "测试甲", "phone": "12345"}])
    assert err.field == "applicants.phone"
    assert error(applicant_phone="13800000000").field == "applicant_name"


def test_make_case_helper_defaults_are_valid():
    assert make_case().category == "other"
