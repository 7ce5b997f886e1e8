"""One JSON Lines row, read strictly: anything that is not plain JSON is that row's reject.

Beyond :func:`json.loads`, a key given twice in one object, ``NaN`` and
``Infinity`` (and numbers too large for a float), nesting deeper than
:data:`MAX_DEPTH` and a lone surrogate are refused (issue 11), so a row is
refused when it is read instead of failing a run later
(:mod:`mediation.replay.readers` reads the lines).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from mediation.text import quoted

#: How deeply a JSON Lines row may nest: a case is an object of values, lists and party objects.
MAX_DEPTH = 16
# A string (to its end, or to the end of the line if unclosed: never a failed match), or a bracket.
_BRACKETS = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\Z)|[\[\]{}]', re.DOTALL)
# A \uXXXX escape of a surrogate: the only way a lone one can enter a decoded line.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _Refused(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.msg = message


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(f"key {quoted(key)} is given twice")
        self.msg = str(self)


def _object(pairs: list) -> dict:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return value


_KEY_END = re.compile(r'"\s*:')


def _keys(value: dict, text: str) -> int:
    """How many keys the objects of ``value`` have, nested ones included."""
    if text.count("{") == 1:
        return len(value)
    total = 0
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            total += len(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return total


def _not_a_number(text: str) -> float:
    raise _Refused(f"{text} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {quoted(text)} is too large")
    return value


def _too_deep(text: str) -> bool:
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth = 0
    for token in _BRACKETS.findall(text):
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif token in "]}":
            depth -= 1
    return False


def load_json_line(text: str) -> Any:
    """One JSON Lines row, strictly: raises ValueError (with a ``msg``) for anything that is not plain JSON.

    Beyond :func:`json.loads`: a key given twice in one object, ``NaN`` and
    ``Infinity`` (and numbers too large for a float), nesting deeper than
    :data:`MAX_DEPTH`, and a lone surrogate (``"\\ud800"``: no character, and
    not writable as UTF-8) are refused, so a row is refused as a reject
    instead of failing later.
    """
    if _too_deep(text):
        raise _Refused(f"nested more than {MAX_DEPTH} levels deep")
    try:
        value = json.loads(text, parse_constant=_not_a_number, parse_float=_finite)
        # Every key in the text is followed by '":' (strings may hold more); as many keys in the
        # objects as that means none was given twice. Otherwise parse again, looking (slower).
        if value.__class__ is dict and _keys(value, text) != len(_KEY_END.findall(text)):
            value = json.loads(text, object_pairs_hook=_object, parse_constant=_not_a_number, parse_float=_finite)
    except RecursionError:  # unbalanced brackets fool the count above; the parser still stops
        raise _Refused(f"nested more than {MAX_DEPTH} levels deep") from None
    if _SURROGATE_ESCAPE.search(text):
        where = _lone_surrogate(value)
        if where is not None:
            raise _Refused(f"a lone surrogate (not a character) in {where}")
    return value


def _lone_surrogate(value: Any) -> str | None:
    """Where a lone surrogate is in a (shallow) JSON value: ``'key'``, ``a key``; None if nowhere."""
    stack: list[tuple[Any, str]] = [(value, "the row")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return where
        elif isinstance(item, dict):
            for key, inner in item.items():
                if _SURROGATE.search(key):
                    return "a key"
                stack.append((inner, quoted(key)))
        elif isinstance(item, list):
            stack.extend((inner, where) for inner in item)
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")
