"""Cases in JSON files: one case object or a list of them, each error at the line its case starts on.

What ``mediation route FILE`` and ``mediation case register --from-json FILE``
read (``-`` is standard input). A top-level list is decoded item by item, so
that an error in a case can name the line where that case starts.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from datetime import datetime
from typing import Any

from mediation import clock
from mediation.cases import parse_case
from mediation.errors import CaseError, InputError

#: The largest case file read (a list of cases for ``route``): beyond it, one line, not memory exhausted.
MAX_BYTES = 64 * 1024 * 1024


def read_text(path: str, limit: int = MAX_BYTES) -> tuple[str, str]:
    """(text, display name) of a file, or of stdin for ``-``: at most ``limit`` bytes.

    Only a regular file is read: a directory, device (``/dev/zero``), pipe or
    socket is refused at once, without waiting for a writer or reading without end.
    """
    if path == "-":
        data = sys.stdin.buffer.read(limit + 1)
        name = "<stdin>"
    else:
        name = path
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}", why="unreadable", value=path,
                             bound=exc.errno) from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise InputError(f"cannot read {path}: not a regular file (a directory, device, pipe or socket)",
                                 hint="save the cases to a file, or give - to read standard input",
                                 why="not_a_file", value=path)
            with os.fdopen(fd, "rb", closefd=False) as f:
                data = f.read(limit + 1)
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}", why="unreadable", value=path,
                             bound=exc.errno) from None
        finally:
            os.close(fd)
    if len(data) > limit:
        raise InputError(f"file is too large (more than {limit:,} bytes)", file=name, why="too_big", bound=limit)
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError("file is not valid UTF-8", file=name, line=line, why="not_utf8") from None


def json_items(text: str, name: str) -> tuple[list[tuple[int, Any]], bool]:
    """The JSON value(s) in ``text`` with the line each starts on, and whether it was a list.

    A top-level list is decoded item by item so that an error in a case can
    name the line the case starts on.
    """
    try:
        return _json_items(text, name)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})", file=name, line=exc.lineno,
                         why="invalid_json", bound=exc.colno) from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply", file=name, why="invalid_json") from None


def _json_items(text: str, name: str) -> tuple[list[tuple[int, Any]], bool]:
    decode = json.JSONDecoder().raw_decode
    pos = _skip(text, 0)
    if not text.startswith("[", pos):
        value, pos = decode(text, pos)
        if _skip(text, pos) != len(text):
            raise json.JSONDecodeError("extra data after the JSON value", text, _skip(text, pos))
        return [(1, value)], False
    items: list[tuple[int, Any]] = []
    line, counted = 1, 0  # newlines are counted once, incrementally
    pos = _skip(text, pos + 1)
    while not text.startswith("]", pos):
        line += text.count("\n", counted, pos)
        counted = pos
        value, pos = decode(text, pos)
        items.append((line, value))
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
            if text.startswith("]", pos):
                raise json.JSONDecodeError("trailing comma", text, pos)
        elif not text.startswith("]", pos):
            raise json.JSONDecodeError("expected ',' or ']'", text, min(pos, len(text)))
    pos = _skip(text, pos + 1)
    if pos != len(text):
        raise json.JSONDecodeError("extra data after the JSON value", text, pos)
    return items, True


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def parse_cases(path: str, rules, *, now: datetime | None = None) -> tuple[list, bool]:
    """Cases from a JSON file holding one case object or a list of them."""
    text, name = read_text(path)
    items, is_list = json_items(text, name)
    now = now or clock.now()
    cases = []
    for n, (line, data) in enumerate(items, 1):
        try:
            cases.append(parse_case(data, rules, now=now))
        except CaseError as exc:
            raise exc.located(file=name, line=line, item=f"case {n}" if is_list else None) from None
    return cases, is_list
