"""Refused moves, refused permissions, and a case or member of staff that does not exist.

::

    med_labor（调解员，劳动争议调解室 room.labor）不能承办 XS-2020-00001 (take)：它在 医疗纠纷调解室 (room.medical)
    没有案件 XS-2026-09999。下一步: mediation case list
    --operator clerk01 不是您：登录名 'root' 是工作人员 sup01（督办员）。下一步: 去掉 --operator，或改用 --on-behalf-of clerk01

Role names are not in the rule files, so :data:`ROLES` is their one table.
"""

from __future__ import annotations

from mediation.cli.common import label, place
from mediation.domain import CASE_NO
from mediation.errors import InvalidTransition, NotFound, PermissionDenied
from mediation.lifecycle.table import ALLOWED, AT_ROOM, AT_WINDOW, FINAL_STATES
from mediation.text import quoted

#: The staff's roles as the desk names them (the shipped staff are 登记员甲, 调解员, 督办员甲, ...).
ROLES = {"clerk": "登记员", "mediator": "调解员", "supervisor": "督办员"}

#: Acts that are not the rule set's triggers: what the desk calls them, and the command or
#: option in brackets after them.
ACTS = {
    "act": ("办理", None),
    "on_behalf_of": ("代录", "--on-behalf-of"),
    "staff": ("查看或更改工作人员", "staff"),
    "partners": ("管理合作单位", "partner"),
    "replay": ("把历史案件导入数据库", "replay --db"),
}

#: What a well-formed case number looks like, for one that is not.
CASE_NO_FORM = "案号形如 XS-2020-00001"


def refused(exc: InvalidTransition | PermissionDenied, rules) -> str | None:
    """A refused move (with the moves that apply) or a refused permission, or None without the facts."""
    if isinstance(exc, InvalidTransition) and exc.case_no and exc.trigger and rules is not None:
        return refusal_text(rules, exc.case_no, exc)
    if isinstance(exc, PermissionDenied) and exc.why in _REFUSED:
        return _REFUSED[exc.why](exc, rules)
    return None


def missing(exc: NotFound, rules) -> str | None:
    """No such case, member of staff or destination, or None without the facts."""
    if exc.what in _MISSING and exc.key is not None:
        return _MISSING[exc.what](exc, rules)
    return None


def _label(rules, kind: str, id_: str) -> str:
    return label(rules, kind, id_) if rules is not None else id_


def _place(rules, destination: str) -> str:
    return place(rules, destination) if rules is not None else destination


# --------------------------------------------------------------------- moves

#: Moves that are never "the next step" (a case goes forward by the others).
ASIDE = ("transfer", "extend", "withdraw")


def move_text(rules, trigger: str) -> str:
    """``分流 (divert)``."""
    return f"{label(rules, 'trigger', trigger)} ({trigger})"


def next_move(moves: tuple[str, ...]) -> str | None:
    """The move that takes the case forward: the first that is not a transfer, extension or withdrawal."""
    return next((m for m in moves if m not in ASIDE), None)


def refusal_text(rules, case_no: str, exc: InvalidTransition) -> str:
    """A refused move of ``case_no``: ``不能审查 XS-2026-00001：当前状态 审查中 (under_review)。
    可用：分流 (divert)、撤回 (withdraw)。下一步: mediation case divert XS-2026-00001``
    (only the moves that apply to the case, and the one that takes it forward)."""
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


# --------------------------------------------------------------------- who and what


def person(rules, who: str | None, role: str | None, places: tuple[str, ...] = ()) -> str:
    """``clerk01（登记员）``, ``med_labor（调解员，劳动争议调解室 room.labor）``."""
    if role not in ROLES:
        return who or ""
    if role == "mediator" and places:
        mine = "、".join(f"{_label(rules, 'destination', d)} {d}" if rules is not None else d for d in places)
        return f"{who}（{ROLES['mediator']}，{mine}）"
    return f"{who}（{ROLES[role]}）"


def act_text(rules, exc: PermissionDenied) -> str:
    """``承办 XS-2020-00001 (take)``, ``督办 (escalate)``, ``代录 clerk02 的记录 (--on-behalf-of)``."""
    action = exc.action or "act"
    if action == "on_behalf_of":
        return f"代录 {exc.other} 的记录 (--on-behalf-of)" if exc.other else "代录 (--on-behalf-of)"
    if action in ACTS:
        words, named = ACTS[action]
        return f"{words} ({named})" if named else words
    case = f" {exc.case_no}" if exc.case_no else ""
    return f"{_label(rules, 'trigger', action)}{case} ({action})"


def who_may(rules, exc: PermissionDenied) -> str:
    """``督办员``, ``登记员和督办员``, ``督办员和医疗纠纷调解室 (room.medical) 的调解员``."""
    names = [ROLES[r] for r in ("clerk", "supervisor") if r in exc.may]
    if "mediator" in exc.may:
        names.append(f"{_place(rules, exc.place)} 的调解员" if exc.place else "案件所在调解室、窗口的调解员")
    if not names:
        return ""
    return "、".join(names[:-1]) + "和" + names[-1] if len(names) > 1 else names[0]


# --------------------------------------------------------------------- refusals


def _by_role(exc: PermissionDenied, rules) -> str:
    may = who_may(rules, exc)
    text = f"{person(rules, exc.who, exc.role, exc.places)}不能{act_text(rules, exc)}"
    if may:
        text += f"：只有{may}可以"
    if exc.action == "on_behalf_of":
        text += "。下一步: 去掉 --on-behalf-of"
    return text


def _by_place(exc: PermissionDenied, rules) -> str:
    where = f"它在 {_place(rules, exc.place)}" if exc.place else "它还没有分流"
    return f"{person(rules, exc.who, exc.role, exc.places)}不能{act_text(rules, exc)}：{where}"


def _third_transfer(exc: PermissionDenied, rules) -> str:
    done = exc.transfers or 0
    case = f" {exc.case_no}" if exc.case_no else ""
    text = f"不能第 {done + 1} 次转办{case} (transfer)：已转办 {done} 次，再转办只有督办员可以"
    return (person(rules, exc.who, exc.role, exc.places) + text) if exc.who else text


def _inactive(exc: PermissionDenied, rules) -> str:
    if exc.action == "on_behalf_of":
        return f"{exc.who} 已停用，不能代其录入 (--on-behalf-of)"
    if exc.login:
        return (f"登录名 {quoted(exc.login)} 是工作人员 {exc.who}，已停用，不能办理：请督办员恢复。"
                f"下一步: mediation staff set {exc.who} --active")
    return f"{exc.who} 已停用，不能办理"


def _not_staff(exc: PermissionDenied, rules) -> str:
    return (f"登录名 {quoted(exc.login)} 不是本数据库的工作人员：请督办员添加"
            f"（或交给已有的工作人员：mediation staff set ID --login {exc.login}）。"
            f"下一步: mediation staff add ID --name NAME --role ROLE --login {exc.login}")


def _not_you(exc: PermissionDenied, rules) -> str:
    text = (f"--operator {exc.other} 不是您：登录名 {quoted(exc.login)} 是工作人员 "
            f"{person(rules, exc.who, exc.role, exc.places)}。下一步: 去掉 --operator")
    if exc.role == "supervisor":
        text += f"，或改用 --on-behalf-of {exc.other}"
    return text


_REFUSED = {"role": _by_role, "place": _by_place, "transfers": _third_transfer, "inactive": _inactive,
            "not_staff": _not_staff, "not_you": _not_you}


# --------------------------------------------------------------------- what does not exist


def _no_case(exc: NotFound, rules) -> str:
    if CASE_NO.match(exc.key):
        return f"没有案件 {exc.key}。下一步: mediation case list"
    return f"没有案件 {quoted(exc.key)}（{CASE_NO_FORM}）"


def _no_member(exc: NotFound, rules) -> str:
    if exc.near:
        return f"没有工作人员 {quoted(exc.key)}：是 {exc.near} 吗？"
    return f"没有工作人员 {quoted(exc.key)}。下一步: mediation staff list"


def _no_destination(exc: NotFound, rules) -> str:
    text = f"没有这个调解室或窗口 {quoted(exc.key)}（--destination）"
    return text + (f"：是 {_label(rules, 'destination', exc.near)} ({exc.near}) 吗？" if exc.near else "")


_MISSING = {"case": _no_case, "operator": _no_member, "staff": _no_member, "destination": _no_destination}
