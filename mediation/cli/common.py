"""Shared CLI output: JSON, the console, labels of places; and long-running commands' memory settings."""

from __future__ import annotations

import gc
import importlib
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import click

from mediation.cli.tables import UNLIMITED, output_width
from mediation.domain import jsonable
from mediation.errors import MediationError

#: The exit code of a command whose change was committed but whose output could not be written.
RECORDED_EXIT = 3

#: Where a command's rule set is left in click's ``meta`` (shared by every context of a run:
#: :func:`mediation.cli.options.load`), so that its errors are told with its labels.
RULES_META = "mediation.rules"

#: Where the desk's words for its warnings, questions and notes live
#: (:mod:`mediation.cli.words.warnings`): imported only when one is said, as the errors' words
#: are (``mediation.cli.WORDS``), so that no command pays for them to start.
DESK_WORDS = "mediation.cli.words.warnings"


def desk_words() -> ModuleType:
    """The desk's words for what it warns about, asks and reports (:data:`DESK_WORDS`)."""
    return importlib.import_module(DESK_WORDS)


class OutputFailed(MediationError):
    """The change is committed; only printing it failed (stdout full, closed, a broken pipe).

    Exit :data:`RECORDED_EXIT`, distinct from every failure, so that a script
    does not repeat a change that was recorded. The facts, for the desk's words
    (:mod:`mediation.cli.words`): the ``case_no`` and ``trigger`` of a case's
    change, or the ``count`` of cases escalated; ``look``, the command that shows
    it; ``errno`` and ``reason``, why the output failed.
    """

    exit_code = RECORDED_EXIT

    def __init__(self, message: str, *, look: str, errno: int | None = None, reason: str = "",
                 case_no: str | None = None, trigger: str | None = None, count: int | None = None) -> None:
        super().__init__(message)
        self.look, self.errno, self.reason = look, errno, reason
        self.case_no, self.trigger, self.count = case_no, trigger, count


def dumps(obj: Any, *, indent: int | None = 2) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=indent, default=jsonable)


def echo_json(obj: Any) -> None:
    click.echo(dumps(obj))


@contextmanager
def committed_output(what: str, look: str, *, case_no: str | None = None, trigger: str | None = None,
                     count: int | None = None) -> Iterator[None]:
    """Print what a committed change did; if standard output fails, say on stderr that the
    change WAS recorded (``what``, with its facts: a case's ``case_no`` and ``trigger``, or
    the ``count`` of cases; ``look``: the command that shows it) and exit 3."""
    try:
        yield
        sys.stdout.flush()
    except OSError as exc:
        _stdout_to_devnull()
        reason = exc.strerror or type(exc).__name__
        raise OutputFailed(f"{what} WAS recorded, but its output could not be written ({reason}): "
                           f"do not repeat it; `{look}` shows it", look=look, errno=exc.errno, reason=reason,
                           case_no=case_no, trigger=trigger, count=count) from None


def _stdout_to_devnull() -> None:
    """Point standard output at /dev/null, so that the exit's own flush of what is left
    in its buffer cannot fail again (Python would turn that into exit 120)."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):
        return  # not a file descriptor (a test's runner): nothing is flushed at exit
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)


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


def label(rules, kind: str, id_: str | None) -> str:
    """The Chinese label of an id in the rule set's catalogue (the id itself if it has none)."""
    return rules.catalogue.label(kind, id_) if id_ else ""


def place(rules, destination: str | None) -> str:
    """``医疗纠纷调解室 (room.medical)``."""
    if not destination:
        return ""
    return f"{label(rules, 'destination', destination)} ({destination})"


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
