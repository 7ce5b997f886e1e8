"""Which labels a misspelt or unknown one may have meant, and only those.

A clerk types pinyin when the input method is off (``yiliao`` for 医疗,
``hyjt`` for 婚姻家庭), picks a homophone when it is on (``口投`` for 口头), or
writes a word of everyday speech. A suggestion must never lead to a value
that records a different fact: two Chinese labels that share characters
often mean opposite things (调解中, "being mediated", against 调解成功,
"settled"), so Chinese text is never matched by shared characters, only by
sound (the same pinyin) or by one label containing the other. Ids and other
ASCII words are matched by spelling as before (``medicl`` for ``medical``).

pypinyin is imported only when a suggestion is needed, never on the way of
a label that resolves.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping

from mediation.text import has_cjk

#: How many candidates a hint names at most.
MAX_SUGGESTIONS = 3
#: What is dropped from typed pinyin: separators and tone numbers (a table, not a regex: no
#: compiling on the start-up path).
_NOT_LETTERS = str.maketrans("", "", " \t'’-_·12345")


def pinyin_of(text: str) -> tuple[str, str]:
    """(full pinyin without tones, initials) of a Chinese spelling: 医疗 -> ("yiliao", "yl")."""
    from pypinyin import Style, lazy_pinyin  # heavy; only when a suggestion is wanted

    syllables = lazy_pinyin(text, errors="ignore")
    initials = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(syllables).replace("ü", "v"), "".join(initials)


def typed_pinyin(text: str) -> str | None:
    """What ``text`` spells in toneless pinyin letters, if it is pinyin-like: ``Yi-liao2`` ->
    ``yiliao``, ``yīliáo`` -> ``yiliao``, 口投 -> ``koutou``; None otherwise."""
    if has_cjk(text):
        if not all(has_cjk(ch) for ch in text):
            return None
        return pinyin_of(text)[0] or None
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    plain = plain.lower().translate(_NOT_LETTERS).replace("ü", "v")
    return plain if plain.isascii() and plain.isalpha() and len(plain) >= 2 else None


class Suggester:
    """The candidates of one kind of label: spelling (normalised) -> id."""

    def __init__(self, keys: Mapping[str, str]) -> None:
        self.keys = dict(keys)
        self._sounds: list[tuple[str, str, str]] | None = None  # (full, initials, id)

    def sounds(self) -> list[tuple[str, str, str]]:
        if self._sounds is None:
            self._sounds = [(*pinyin_of(k), id_) for k, id_ in self.keys.items() if has_cjk(k)]
        return self._sounds

    def candidates(self, key: str) -> list[str]:
        """The ids ``key`` (a normalised label) may have meant, best first; [] when none is safe."""
        if not key:
            return []
        found: list[str] = []
        sound = typed_pinyin(key)
        if sound:
            typed_in_letters = not has_cjk(key)
            exact, prefix, initials = [], [], []
            for full, first, id_ in self.sounds():
                if full == sound:
                    exact.append(id_)
                elif typed_in_letters and len(sound) >= 4 and full.startswith(sound):
                    prefix.append(id_)
                elif typed_in_letters and sound == first and len(first) >= 2:
                    initials.append(id_)
            found = exact or prefix or initials
        if not found and has_cjk(key):
            # one contains the other (医疗纠纷调 in 医疗纠纷调解室); never a mere shared character
            found = [id_ for k, id_ in self.keys.items()
                     if has_cjk(k) and len(min(k, key, key=len)) >= 2 and (key in k or k in key)]
        if not found and key.isascii():
            pool = [k for k in self.keys if k.isascii()]
            found = [self.keys[k] for k in difflib.get_close_matches(key, pool, n=MAX_SUGGESTIONS, cutoff=0.7)]
        return list(dict.fromkeys(found))[:MAX_SUGGESTIONS]

