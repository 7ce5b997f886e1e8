"""Errors a clerk meets, told in the desk's words (issue 13, point 2).

The library's errors speak ids in English, for scripts, logs and the HTTP API, and
carry what they are about as attributes (:mod:`mediation.errors`: a refusal's who,
role and case; an unknown label's kind and the ids it may have meant; an input's
``why``, ``option``, ``value`` and ``bound``; a database's ``why`` and the command
to run). At the desk the same error reads as one Chinese line, with the labels
the tables use, the ids in brackets or as typed, and the command to type next
after ``下一步: ``::

    不能审查 XS-2026-00001：当前状态 已分流 (diverted)。可用：承办 (take)、转办 (transfer)、撤回 (withdraw)。下一步: mediation case take XS-2026-00001
    没有这个纠纷类型 'yiliao'（--category）：是 医疗 (medical) 吗？
    --at '2026-11-2' 缺少时刻：请写上记录上的时间，如 2026-11-02T09:30
    数据库还没有初始化（'/srv/mediation.db'）。下一步: mediation init

:func:`told` is called in one place, where every command's error becomes its line
(:class:`mediation.cli.RootGroup`; this package is imported only then); an error it
has no words for keeps its own. Labels come from the command's rule set.

- :mod:`.refusals`: refused moves and permissions, no such case or member of staff;
- :mod:`.inputs`: labels, dates and times, the case's fields, the moves' and staff's inputs;
- :mod:`.database`: a database not initialised, of another schema, or that cannot be used;
- :mod:`.warnings`: a change recorded whose output failed; and the desk's warnings and
  questions, which its commands print on their way (not errors: see that module).
"""

from __future__ import annotations

import click

from mediation.cli.common import RULES_META, OutputFailed
from mediation.cli.options import load
from mediation.cli.words.database import database_text
from mediation.cli.words.inputs import ambiguous, changed, input_text, unknown_label
from mediation.cli.words.refusals import ROLES, missing, refusal_text, refused
from mediation.cli.words.warnings import output_failed
from mediation.errors import (
    AmbiguousLabel,
    CaseError,
    ConcurrentUpdate,
    InputError,
    InvalidTransition,
    MediationError,
    NotFound,
    PermissionDenied,
    UnknownLabel,
)
from mediation.store.database import DatabaseError

__all__ = ["ROLES", "desk_line", "refusal_text", "told"]


def problems(exc: CaseError, rules) -> str | None:
    """A case's several problems (``3 problems: ...``), each in its own words."""
    if exc.why != "problems" or not exc.value:
        return None
    where = {"file": exc.file, "line": exc.line} if exc.file else {}  # where the case was read from
    return f"{len(exc.value)} 处问题：" + "；".join(desk_line(p.located(**where), rules) for p in exc.value)


#: Each kind of error and its words, most particular first: (kind, words(exc, rules) -> line or None).
#: The first three are told by every command; the others by the desk's (:data:`DESK`).
TOLD = (
    (InvalidTransition, refused),
    (PermissionDenied, refused),
    (NotFound, missing),
    (CaseError, problems),
    (UnknownLabel, unknown_label),
    (AmbiguousLabel, ambiguous),
    (ConcurrentUpdate, changed),
    (InputError, input_text),
    (DatabaseError, database_text),
    (OutputFailed, output_failed),
)

#: The commands of the desk, whose every error with its facts is told in Chinese. The others
#: (route, replay, report, serve: files, scripts, the hall's server) keep their English
#: but for a refusal and a case or member of staff that does not exist.
DESK = frozenset({"case", "queue", "escalate", "staff", "calendar", "init"})


def told(exc: MediationError, ctx: click.Context) -> str:
    """:func:`desk_line` with the labels of the rule set the command loaded (left in ``ctx.meta``
    by :func:`~mediation.cli.options.load`)."""
    return desk_line(exc, ctx.meta.get(RULES_META), desk=ctx.find_root().invoked_subcommand in DESK)


def desk_line(exc: MediationError, rules=None, *, desk: bool = True) -> str:
    """The line a person at the desk reads for ``exc``: in Chinese for every error the desk's
    commands raise with its facts (only refusals and what does not exist without ``desk``),
    ``str(exc)`` for any other. ``rules`` gives the labels (without it, the default rule
    set's; ids stand alone when even that cannot be read)."""
    try:
        rules = rules if rules is not None else default_rules()
        for kind, words in TOLD if desk else TOLD[:3]:
            if isinstance(exc, kind):
                line = words(exc, rules)
                if line:
                    return line
    except Exception:  # an error is never lost for want of its words
        pass
    return str(exc)


def default_rules():
    """The rule set a command without ``--rules`` uses, or None if it cannot be read."""
    try:
        return load(None)
    except MediationError:
        return None
