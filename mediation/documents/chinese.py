"""Dates and amounts as Chinese documents write them (pure functions).

- :func:`chinese_date`: ``2020-10-09`` -> ``二〇二〇年十月九日`` (the form of a
  document's date line);
- :func:`amount_in_capitals`: ``12000`` -> ``人民币壹万贰仟元整`` (大写金额, as
  agreements and receipts carry them, after 《支付结算办法》's conventions);
- :func:`amount_in_figures`: ``12000`` -> ``12,000.00``.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from mediation.errors import InputError

_YEAR_DIGITS = "〇一二三四五六七八九"
_SMALL = "零一二三四五六七八九"
_CAPITALS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("仟", "佰", "拾", "")
#: The units of each group of four digits, lowest first (up to 万亿: amounts stop at 10^12).
_GROUPS = ("", "万", "亿", "万亿")
MAX_AMOUNT = Decimal("1e12")
CENT = Decimal("0.01")


def _small_number(n: int) -> str:
    """1..31 as a date writes it: 九, 十, 十一, 二十, 三十一."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _SMALL[ones]
    return ("" if tens == 1 else _SMALL[tens]) + "十" + (_SMALL[ones] if ones else "")


def chinese_date(day: date) -> str:
    """``二〇二〇年十月九日``: the year digit by digit (〇 for zero), month and day in words."""
    year = "".join(_YEAR_DIGITS[int(d)] for d in f"{day.year:04d}")
    return f"{year}年{_small_number(day.month)}月{_small_number(day.day)}日"


def _four(group: int) -> str:
    """1..9999 in capitals, zeros inside collapsed to one 零, trailing zeros dropped."""
    out, zero = "", False
    for digit, place in zip(f"{group:04d}", _PLACES, strict=True):
        d = int(digit)
        if d == 0:
            zero = zero or bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _CAPITALS[d] + place
    return out


def _yuan(n: int) -> str:
    """A whole number of yuan in capitals (``壹拾万零伍佰``); ``零`` for 0."""
    if n == 0:
        return "零"
    groups = []
    while n:
        n, low = divmod(n, 10000)
        groups.append(low)
    out, gap = "", False
    for i in reversed(range(len(groups))):
        g = groups[i]
        if g == 0:
            gap = gap or bool(out)
            continue
        if out and (gap or g < 1000):
            out += "零"
        out += _four(g) + _GROUPS[i]
        gap = False
    return out


def as_amount(value: object, *, field: str = "amount") -> Decimal:
    """``value`` as yuan rounded to the fen (0.01), or :class:`InputError` naming ``field``."""
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise InputError(f"{field} is not an amount of yuan: {value!r}") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise InputError(f"{field} must be between 0 and {MAX_AMOUNT:,.0f} yuan, not {value}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def amount_in_capitals(value: object) -> str:
    """``人民币壹万贰仟元整``; ``人民币壹拾元零伍分``; ``人民币伍角整``; ``人民币零元整``.

    元 and 角 amounts end in 整, a fen amount does not; a zero 角 before a fen
    is written 零; yuan are left out below one yuan.
    """
    amount = as_amount(value)
    fen_total = int(amount * 100)
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    if yuan == 0 and rest == 0:
        return "人民币零元整"
    out = "人民币"
    if yuan:
        out += _yuan(yuan) + "元"
    if rest == 0:
        return out + "整"
    if jiao:
        out += _CAPITALS[jiao] + "角"
    elif yuan:
        out += "零"
    if fen:
        return out + _CAPITALS[fen] + "分"
    return out + "整"


def amount_in_figures(value: object) -> str:
    """``12,000.00``: yuan with thousands separators and two decimals."""
    return f"{as_amount(value):,.2f}"
