"""A refused move told to the clerk in the words of the desk (issue 13, point 2).

The library's :class:`~mediation.errors.InvalidTransition` speaks ids in English
(for scripts and logs); at the desk the same refusal reads in Chinese, with the
labels the tables use, the ids in brackets, only the commands that apply to
that case, and the one to type next::

    不能审查 XS-2026-00001：当前状态 审查中 (under_review)。可用：分流 (divert)、撤回 (withdraw)。下一步: mediation case divert XS-2026-00001

One line, as every error: a script finds the command after ``下一步: ``.
"""

from __future__ import annotations

from mediation.cli.case.common import label, place
from mediation.errors import InvalidTransition
from mediation.lifecycle.table import ALLOWED, AT_ROOM, AT_WINDOW, FINAL_STATES

#: Moves that are never "the next step" (a case goes forward by the others).
ASIDE = ("transfer", "extend", "withdraw")


def move_text(rules, trigger: str) -> str:
    """``分流 (divert)``."""
    return f"{label(rules, 'trigger', trigger)} ({trigger})"


def next_move(moves: tuple[str, ...]) -> str | None:
    """The move that takes the case forward: the first that is not a transfer, extension or withdrawal."""
    return next((m for m in moves if m not in ASIDE), None)


def refusal_text(rules, case_no: str, exc: InvalidTransition) -> str:
    """The clerk's line for a refused move of ``case_no`` (see the module's doc)."""
    trigger, state, destination = exc.trigger or "", exc.state or "", exc.destination
    action = label(rules, "trigger", trigger) or trigger
    state_text = f"{label(rules, 'state', state)} ({state})" if state else "未知"
    misplaced = trigger in ALLOWED.get(state, ()) and trigger not in exc.moves
    if misplaced and trigger in AT_ROOM:
        why = f"{move_text(rules, trigger)}只用于调解室，它在 {place(rules, destination) or '窗口'}"
    elif misplaced and trigger in AT_WINDOW:
        why = f"{move_text(rules, trigger)}只用于窗口，它在 {place(rules, destination) or '调解室'}"
    else:
        why = f"当前状态 {state_text}"
    text = f"不能{action} {case_no}：{why}。"
    if not exc.moves:
        return text[:-1] + ("，已是终态，不能再办理。" if state in FINAL_STATES else "。")
    text += "可用：" + "、".join(move_text(rules, m) for m in exc.moves) + "。"
    following = next_move(exc.moves)
    if following:
        text += f"下一步: mediation case {following} {case_no}"
    return text
