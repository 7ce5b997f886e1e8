"""Normalisation of Chinese text input.

Labels, aliases and summaries may arrive in traditional characters, in
full-width forms, or with pinyin after characters as some exported records
have it (``我區(qū)``). Everything is brought to one form before matching:
NFKC (full-width to half-width), pinyin annotations removed, traditional to
simplified (OpenCC ``t2s``), whitespace collapsed.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# A pinyin annotation: a syllable in parentheses right after a CJK character,
# either tone-marked (qū, shè) or plain with an optional tone number (qu1).
# Plain single letters ("附件(a)") are too likely to be something else.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_SYLLABLE = (
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|üan|ai|ei|ao|ou|an|en|in|un|ün"
    r"|ia|ie|iu|ua|uo|ui|üe|er|a|o|e|i|u|ü|v)[1-5]?"
)
_CJK = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
_PINYIN = re.compile(
    rf"(?<={_CJK})\((?:[a-zü{_TONED}]*[{_TONED}][a-zü{_TONED}]*|(?=[a-zü]{{2}}){_SYLLABLE})\)"
)
_SPACE = re.compile(r"\s+")
# C0/C1 control characters other than tab and newline, and the bidirectional
# formatting characters (which can make a name display reversed): never valid in input.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

#: How much of a refused value an error line repeats.
QUOTE_LIMIT = 40


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A value as an error line shows it: ``repr``, cut short when long (input may be huge)."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}… ({len(value)} characters)"
    text = repr(value)
    return text if len(text) <= limit + 2 else text[:limit] + "…"


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # imported on first use: most input is simplified already

    return opencc.OpenCC("t2s")


def has_cjk(text: str) -> bool:
    return any(ord(ch) >= 0x3400 for ch in text)


def strip_pinyin(text: str) -> str:
    """Remove pinyin annotations after characters: ``區(qū)`` → ``區``."""
    return _PINYIN.sub("", text) if "(" in text else text


def to_simplified(text: str) -> str:
    """Traditional to simplified characters (a no-op on text without CJK)."""
    return _t2s().convert(text) if has_cjk(text) else text


def normalize_text(text: str) -> str:
    """Free text (a summary) in one form: NFKC, no pinyin, simplified, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = strip_pinyin(text)
    text = to_simplified(text)
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def normalize_label(text: str) -> str:
    """A label as a lookup key: like :func:`normalize_text`, without spaces, lower case.

    ``'  醫療(yī)糾紛 '`` → ``'医疗纠纷'``; ``'ＲＯＯＭ.Medical'`` → ``'room.medical'``.
    """
    return _SPACE.sub("", normalize_text(text)).lower()


def nearest(word: object, choices: Iterable[object], *, cutoff: float = 0.5) -> str | None:
    """The choice nearest to ``word``, compared without regard to case or full-width forms, or None."""
    by_key: dict[str, str] = {}
    for choice in choices:
        by_key.setdefault(unicodedata.normalize("NFKC", str(choice)).casefold(), str(choice))
    key = unicodedata.normalize("NFKC", str(word)).casefold()
    if key in by_key:
        return by_key[key]
    best = difflib.get_close_matches(key, list(by_key), n=1, cutoff=cutoff)
    return by_key[best[0]] if best else None


def did_you_mean(word: object, choices: Iterable[object], *, cutoff: float = 0.5) -> str | None:
    """``did you mean 'medical'?`` for the choice nearest to ``word`` (see :func:`nearest`), or None."""
    best = nearest(word, choices, cutoff=cutoff)
    return f"did you mean {best!r}?" if best is not None else None
