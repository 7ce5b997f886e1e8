"""Shared CLI output: JSON, the console, labels of places; and long-running commands' memory settings."""

from __future__ import annotations

import gc
import json
import sys
from typing import Any

import click

from mediation.cli.tables import UNLIMITED, output_width
from mediation.domain import jsonable


def dumps(obj: Any, *, indent: int | None = 2) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=indent, default=jsonable)


def echo_json(obj: Any) -> None:
    click.echo(dumps(obj))


def console(stderr: bool = False):
    """A rich console for tables (imported only by commands that print them)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # $COLUMNS, else the terminal's width; a pipe or file gets whole lines rather
    # than the 80 columns rich assumes.
    width = output_width(stream) or UNLIMITED
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def at_terminal() -> bool:
    """Whether a person is typing (prompts only then; a script gets an error instead)."""
    return sys.stdin.isatty()


def long_running() -> None:
    """Turn the collector back on (``main`` turns it off for short commands).

    What start-up allocated is frozen out of its way, and it runs less often:
    a replay allocates millions of short-lived, acyclic objects.
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    gc.enable()


def place_text(cat, key: str) -> str:
    """A destination or a review outcome as a pseudo-destination (``referred_out:duji``), with its label."""
    if key.startswith("referred_out"):
        to = key.partition(":")[2]
        return f"移交 {cat.place(to)} ({key})" if to else "移交 (referred_out)"
    if key == "rejected":
        return "不予受理 (rejected)"
    if key == "invalid":
        return "无法读取 (invalid)"
    return f"{cat.label('destination', key)} ({key})"
