"""Personal data: ID numbers, phones, masks."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediation.domain import Party
from mediation.errors import CaseError
from mediation.personal import (
    id_check_char,
    mask_id,
    mask_name,
    mask_phone,
    party_view,
    validate_id_number,
    validate_phone,
)


def test_known_check_characters():
    # GB 11643-1999 worked example: 11010519491231002X
    assert id_check_char("11010519491231002") == "X"
    assert validate_id_number("11010519491231002x") == "11010519491231002X"


@given(st.dates(date(1900, 1, 1), date(2020, 12, 31)), st.integers(0, 999))
def test_every_generated_number_validates_and_any_changed_digit_fails(born, seq):
    first17 = f"340603{born:%Y%m%d}{seq:03d}"
    number = first17 + id_check_char(first17)
    assert validate_id_number(number) == number
    wrong = "0" if number[-1] != "0" else "1"
    with pytest.raises(CaseError, match="checksum"):
        validate_id_number(first17 + wrong)


def test_impossible_birth_dates():
    first17 = "34060320200230123"  # 30 February
    with pytest.raises(CaseError, match="birth date"):
        validate_id_number(first17 + id_check_char(first17))
    first17 = "34060320300101123"
    with pytest.raises(CaseError, match="birth date"):
        validate_id_number(first17 + id_check_char(first17), today=date(2026, 1, 1))


def test_phones():
    assert validate_phone("+86 138 1234 5678") == "13812345678"
    assert validate_phone("0561-3012345") == "0561-3012345"
    with pytest.raises(CaseError):
        validate_phone("12345")


@pytest.mark.parametrize("typed", ["139-1234-5678", "139 1234 5678", "139.1234.5678", "１３９－１２３４－５６７８",
                                   "+86 139-1234-5678", "(139)12345678"])
def test_a_phone_as_people_write_it(typed):
    # issue 13, point 5: 139-1234-5678 was refused while 139 1234 5678 was accepted
    assert validate_phone(typed) == "13912345678"


def test_a_landline_keeps_its_dash_and_may_have_more():
    assert validate_phone("0561 301 2345") == "05613012345"
    assert validate_phone("0561-301-2345") == "05613012345"
    with pytest.raises(CaseError):
        validate_phone("139-1234-567")


def test_a_full_width_id_number_is_read():
    assert validate_id_number("３４０６０３１９９００１０１１２３Ｘ") == "34060319900101123X"
    assert validate_id_number("340603 19900101 123x") == "34060319900101123X"


def test_masks():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "李*"
    assert mask_id("340603199001011234") == "340603********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0561-3012345") == "056*****2345"


def test_party_view_masks_unless_revealed():
    p = Party("张三", "340603199001011234", "13812345678")
    assert party_view(p) == {"name": "张*", "id_number": "340603********1234", "phone": "138****5678"}
    assert party_view(p, reveal=True)["id_number"] == "340603199001011234"
