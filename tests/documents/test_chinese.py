"""Chinese dates and amounts in capitals, on edge values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from mediation.documents.chinese import amount_in_capitals, amount_in_figures, chinese_date
from mediation.errors import InputError


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
