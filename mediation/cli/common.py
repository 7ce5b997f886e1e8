"""Shared CLI plumbing: the rule set option, JSON in and out, the console."""

from __future__ import annotations

import json
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from mediation.domain import jsonable
from mediation.errors import CaseError, InputError, RuleError

RULES_ENV = "MEDIATION_RULES"


def default_rules_dir() -> Path:
    """``$MEDIATION_RULES``, else ``./rules``, else the rule set shipped beside the package."""
    env = os.environ.get(RULES_ENV)
    if env:
        return Path(env)
    here = Path("rules")
    if (here / "routing.yaml").exists() or any(here.glob("*.yaml")):
        return here
    shipped = Path(__file__).resolve().parents[2] / "rules"
    if shipped.is_dir():
        return shipped
    raise RuleError("no rule set found: pass --rules DIR or set MEDIATION_RULES")


def rules_option(f):
    return click.option(
        "--rules",
        "rules_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Rule set directory (default: $MEDIATION_RULES, ./rules, or the shipped rules).",
    )(f)


_loaded: dict[Path, Any] = {}


def load(rules_dir: Path | None):
    """The compiled rule set (loaded once per process)."""
    from mediation.rules import load_rules

    path = rules_dir or default_rules_dir()
    key = path.resolve()
    if key not in _loaded:
        _loaded[key] = load_rules(path)
    return _loaded[key]


def dumps(obj: Any, *, indent: int | None = 2) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=indent, default=jsonable)


def echo_json(obj: Any) -> None:
    click.echo(dumps(obj))


def read_text(path: str) -> tuple[str, str]:
    """(text, display name) of a file, or of stdin for ``-``."""
    if path == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}") from None
        name = path
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError("file is not valid UTF-8", file=name, line=line) from None


def json_items(text: str, name: str) -> tuple[list[tuple[int, Any]], bool]:
    """The JSON value(s) in ``text`` with the line each starts on, and whether it was a list.

    A top-level list is decoded item by item so that an error in a case can
    name the line the case starts on.
    """
    try:
        return _json_items(text, name)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})", file=name, line=exc.lineno) from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply", file=name) from None


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
    from mediation.cases import parse_case

    text, name = read_text(path)
    items, is_list = json_items(text, name)
    now = now or datetime.now()
    cases = []
    for n, (line, data) in enumerate(items, 1):
        try:
            cases.append(parse_case(data, rules, now=now))
        except CaseError as exc:
            raise exc.located(file=name, line=line, item=f"case {n}" if is_list else None) from None
    return cases, is_list


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} must be a date YYYY-MM-DD, not {value!r}") from None


def console(stderr: bool = False):
    """A rich console for tables (imported only by commands that print them)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # A pipe or file gets whole lines rather than the 80 columns rich assumes.
    width = None if stream.isatty() else 240
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def long_running() -> None:
    """Turn the collector back on (``main`` turns it off for short commands).

    What start-up allocated is frozen out of its way, and it runs less often:
    a replay allocates millions of short-lived, acyclic objects.
    """
    import gc

    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    gc.enable()
