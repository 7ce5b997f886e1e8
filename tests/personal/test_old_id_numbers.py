"""Issue 12, point 6 (ID numbers): a first-generation 15-digit number.

Sources: GB 11643-1999 (公民身份号码: the 18-character number, its check character); the
first-generation cards' 15-digit numbers (address, YYMMDD, sequence) stopped being valid on
2013-01-01 (全国人大常委会关于修改《中华人民共和国居民身份证法》的决定, 2011).

The decision (docs/law.md): an error never repeats an ID number, not even converted, because
errors reach logs, rejects files and HTTP answers. The error says what the number is and how
to convert it, with only the check character (1 of 11 values: nothing about the person). The
full 18-digit form is offered only at ``case register``'s interactive prompt
(tests/cli/test_register_old_id.py).
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediation.errors import CaseError
from mediation.personal import (
    id_check_char,
    is_old_id_number,
    upgrade_id_number,
    validate_id_number,
)
from tests.support import make_case

OLD = "340603900101123"  # synthetic: 340603 + 900101 + 123


def test_a_15_digit_number_is_named_as_an_old_number_never_repeated():
    with pytest.raises(CaseError) as info:
        validate_id_number(OLD, field="applicant_id")
    message = str(info.value)
    assert message.startswith("ID number has 15 digits: a first-generation number, no longer valid since "
                              "2013-01-01")
    assert "18-digit number is needed (GB 11643-1999)" in message
    assert message.endswith("insert 19 after the first 6 digits and append the check character X")
    for fragment in (OLD, OLD[:6] + "19" + OLD[6:], "900101", "19900101", "123X"):
        assert fragment not in message


def test_the_18_digit_form_inserts_19_and_appends_the_check_character():
    assert upgrade_id_number(OLD) == "34060319900101123X"
    assert validate_id_number(upgrade_id_number(OLD)) == "34060319900101123X"
    assert is_old_id_number(" 340603 900101123 ") and not is_old_id_number("34060319900101123X")


@given(st.dates(date(1900, 1, 1), date(1999, 12, 31)), st.integers(0, 999))
def test_every_old_number_converts_to_a_valid_new_one(born, seq):
    old = f"340603{born:%y%m%d}{seq:03d}"
    new = upgrade_id_number(old)
    assert new == f"340603{born:%Y%m%d}{seq:03d}" + id_check_char(new[:17])
    assert validate_id_number(new) == new
    with pytest.raises(CaseError) as info:
        validate_id_number(old)
    assert info.value.hint.endswith(f"append the check character {new[-1]}") and old not in str(info.value)


def test_an_old_number_with_an_impossible_date_gives_no_conversion():
    with pytest.raises(CaseError) as info:
        validate_id_number("340603901301123")
    assert "holds an impossible birth date" in str(info.value) and info.value.hint is None


def test_a_case_with_an_old_number_is_refused_naming_the_field(rules):
    with pytest.raises(CaseError) as info:
        make_case(rules, applicant_name="张三", applicant_id=OLD)
    assert info.value.field == "applicant_id" and "first-generation" in str(info.value)
    assert OLD not in str(info.value)
