"""Chinese dates and amounts in capitals, on edge values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediation.documents.chinese import amount_in_capitals, amount_in_figures, chinese_date
from mediation.errors import InputError
from tests.support import examples


@pytest.mark.parametrize(("day", "text"), [
    (date(2020, 10, 9), "二〇二〇年十月九日"),
    (date(2020, 1, 1), "二〇二〇年一月一日"),
    (date(2021, 12, 31), "二〇二一年十二月三十一日"),
    (date(2000, 11, 10), "二〇〇〇年十一月十日"),
    (date(2019, 2, 20), "二〇一九年二月二十日"),
    (date(2026, 6, 15), "二〇二六年六月十五日"),
    (date(1999, 9, 29), "一九九九年九月二十九日"),
])
def test_chinese_date(day, text):
    assert chinese_date(day) == text


@pytest.mark.parametrize(("amount", "text"), [
    (0, "人民币零元整"),
    ("0.00", "人民币零元整"),
    (10, "人民币壹拾元整"),
    (12000, "人民币壹万贰仟元整"),
    (100000, "人民币壹拾万元整"),
    (86000, "人民币捌万陆仟元整"),
    (1005, "人民币壹仟零伍元整"),
    (1050, "人民币壹仟零伍拾元整"),
    (100500, "人民币壹拾万零伍佰元整"),
    (10001000, "人民币壹仟万壹仟元整"),
    (10000001, "人民币壹仟万零壹元整"),
    (100000000, "人民币壹亿元整"),
    (100010000, "人民币壹亿零壹万元整"),
    (Decimal("1000000000.05"), "人民币壹拾亿元零伍分"),
    ("0.5", "人民币伍角整"),
    ("0.05", "人民币伍分"),
    ("0.55", "人民币伍角伍分"),
    ("10.05", "人民币壹拾元零伍分"),
    ("100.50", "人民币壹佰元伍角整"),
    ("1234.56", "人民币壹仟贰佰叁拾肆元伍角陆分"),
    ("0.005", "人民币壹分"),  # rounded half up to the fen
    (Decimal("1e12"), "人民币壹万亿元整"),
])
def test_amount_in_capitals(amount, text):
    assert amount_in_capitals(amount) == text


@pytest.mark.parametrize(("amount", "text"), [
    (0, "0.00"), (10, "10.00"), (12000, "12,000.00"), ("1000000000.05", "1,000,000,000.05"),
    ("0.5", "0.50"),
])
def test_amount_in_figures(amount, text):
    assert amount_in_figures(amount) == text


@pytest.mark.parametrize("bad", [-1, "1e13", "abc", "NaN", "Infinity"])
def test_bad_amounts_are_one_line(bad):
    with pytest.raises(InputError) as exc:
        amount_in_capitals(bad)
    assert "\n" not in str(exc.value)


# ----------------------------------------------------------------- capitals read back (a property)

_DIGITS = {c: n for n, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_SMALL_UNITS = {"拾": 10, "佰": 100, "仟": 1000}


def read_capitals(text: str) -> Decimal:
    """The amount a 人民币…元…角…分 text states (an independent reading, for the property)."""
    assert text.startswith("人民币")
    body = text.removeprefix("人民币").removesuffix("整")
    yuan_text, _, cents = body.rpartition("元") if "元" in body else ("", "", body)
    total, section, digit = 0, 0, 0
    for ch in yuan_text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            section += digit * _SMALL_UNITS[ch]
            digit = 0
        elif ch == "万":
            total, section, digit = total + (section + digit) * 10_000, 0, 0
        elif ch == "亿":
            total, section, digit = (total + section + digit) * 100_000_000, 0, 0
    yuan = total + section + digit
    jiao = fen = 0
    cents = cents.lstrip("零")
    if "角" in cents:
        jiao = _DIGITS[cents[cents.index("角") - 1]]
    if "分" in cents:
        fen = _DIGITS[cents[cents.index("分") - 1]]
    return Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen) / 100


@examples("normal")
@given(st.integers(min_value=0, max_value=10**14))
def test_capitals_state_the_amount_and_follow_the_conventions(fen):
    amount = Decimal(fen) / 100
    text = amount_in_capitals(amount)
    assert read_capitals(text) == amount
    assert "零零" not in text and "零元" not in text[1:] or amount < 1
    assert text.endswith("整") == (fen % 10 == 0)
    assert not text.removesuffix("整").endswith("零")


def test_read_capitals_reads_the_examples():
    assert read_capitals("人民币壹拾亿元零伍分") == Decimal("1000000000.05")
    assert read_capitals("人民币壹万亿零伍仟万元整") == Decimal("1000050000000")
