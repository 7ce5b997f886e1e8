"""The desk's warnings, questions and notes, in its words (as its errors are: :mod:`mediation.cli.words`).

A desk command (:data:`~mediation.cli.words.DESK`) that warns prints one line
on stderr after :data:`PREFIX`, the same prefix as every other command's
warnings, so that a script greps ``mediation: warning:`` whichever command it
ran; what follows is Chinese, with ids, files and commands as typed and the
command to type next after ``下一步: ``::

    mediation: warning: 经过 2027 年计算的期限是暂定的：尚未录入 2027 年节假日安排通知，周一至周五按工作日计算。下一步: 在 rules/calendar.yaml 的 `years: 2027:` 下录入国务院办公厅通知（mediation calendar 2027 可查看该年）
    mediation: warning: 1 件案件的期限无法计算：工作日历没有 2003 年。下一步: 在 rules/calendar.yaml 的 `years: 2003:` 下录入该年的放假和调休上班日
    mediation: warning: rules/calendar.yaml:6: `years: 2020:` holidays 中的 2020-01-04 只落在周末，不增加放假日（通知里的假日是工作日，假日中的周末也一并列出）：请核对日期

The words are built from the library's facts (:func:`~mediation.deadlines.calendar_gap`,
:func:`~mediation.deadlines.provisional_years_through`, a
:class:`~mediation.rules.model.CalendarNote`, counts and case numbers), never from its
English lines, which the other commands (replay, report, rules) keep (a deadline's calendar
error travels as text, in views and JSON: the year it lacks is read by the library, in
:func:`~mediation.deadlines.calendar_gap`, not here). Here too: what
``mediation init`` did, why escalation could not judge a case, and a change recorded
whose output failed (an error, told by :func:`mediation.cli.words.told`). A command imports
this module only when it has something to say (:func:`mediation.cli.common.desk_words`):
the words are not on any command's way to start.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable, Sequence
from datetime import datetime

import click

from mediation.cli.common import OutputFailed, label
from mediation.cli.words.inputs import document_not_now
from mediation.deadlines import CalendarGap, calendar_gap
from mediation.desk.escalation import RETRIES, Unchecked
from mediation.rules.model import CalendarNote

#: What every warning line starts with, at the desk as elsewhere (scripts grep it).
PREFIX = "mediation: warning: "

#: What a provisional count judged: the deadlines shown, or the 督办 levels escalation judged.
JUDGED = {"deadlines": "计算的期限", "escalation": "判断的督办级别"}


def warn(line: str) -> None:
    """Print one warning line on stderr."""
    click.echo(PREFIX + line, err=True)


def years_text(years: Iterable[int]) -> str:
    """``2027``, ``2027、2028``."""
    return "、".join(str(y) for y in years)


def _keys(years: Sequence[int]) -> str:
    return " ".join(f"`years: {y}:`" for y in years)


def provisional(years: Sequence[int], calendar_file: str, *, judged: str = "deadlines") -> str:
    """Counts through provisional ``years`` (no holiday notice entered: Monday to Friday), and where
    to enter the notices."""
    names = years_text(years)
    return (f"经过 {names} 年{JUDGED[judged]}是暂定的：尚未录入 {names} 年节假日安排通知，周一至周五按工作日"
            f"计算。下一步: 在 {calendar_file} 的 {_keys(years)} 下录入国务院办公厅通知"
            f"（mediation calendar {years[0]} 可查看该年）")


def unknown_deadlines(gap: CalendarGap, *, checked: bool = False) -> str:
    """Deadlines the calendar could not compute (``checked``: cases escalation could not judge):
    how many, the years it lacks and where to enter them."""
    what = f"{gap.count} 件案件无法判断是否逾期" if checked else f"{gap.count} 件案件的期限无法计算"
    if not gap.years:  # the calendar's own words: it names no year to enter
        return f"{what}：{gap.first}"
    return (f"{what}：工作日历没有 {years_text(gap.years)} 年。下一步: 在 {gap.file} 的 {_keys(gap.years)} "
            "下录入该年的放假和调休上班日")


def deadline_unknown(error: str) -> str:
    """Why one case's deadline is unknown, on its card: the year the calendar lacks."""
    gap = calendar_gap([error])
    if gap is None or not gap.years:
        return error
    return f"工作日历没有 {years_text(gap.years)} 年（可在 {gap.file} 的 {_keys(gap.years)} 下录入）"


def unchecked(u: Unchecked, at: datetime) -> str:
    """Why escalation could not judge a case (a :class:`~mediation.desk.escalation.Unchecked`;
    ``at``: the time of escalation)."""
    if u.why in ("calendar", "level_2"):
        lacking = deadline_unknown(u.reason)
        return f"期限无法计算：{lacking}" if u.why == "calendar" else f"已逾期，但二级督办无法判断：{lacking}"
    if u.why == "later" and u.last_event is not None:
        return f"最近一次记录（{u.last_event:%Y-%m-%d %H:%M}）晚于督办时间（{at:%Y-%m-%d %H:%M}）"
    if u.why == "busy":
        return f"督办时被其他窗口连续改动 {RETRIES} 次。下一步: 再运行 mediation escalate"
    return u.reason


def calendar_note(note: CalendarNote) -> str:
    """A calendar entry that is probably a mistake: days off that fall wholly on a weekend."""
    span = str(note.first) if note.first == note.last else f"{note.first} 至 {note.last}"
    return (f"{note.file}:{note.line}: {note.section} 中的 {span} 只落在周末，不增加放假日"
            "（通知里的假日是工作日，假日中的周末也一并列出）：请核对日期")


def number_ahead(case_no: str, ahead: int) -> str:
    """A paper case number far beyond the year's highest so far (a typo, most likely)."""
    return f"{case_no} 比本年度已有的最大案号大 {ahead} 号（登记台的自动编号不会因此跳号）：请核对不是笔误"


def number_ahead_question(case_no: str, ahead: int) -> str:
    """The question at a terminal before such a number is registered."""
    return f"{number_ahead(case_no, ahead)}。仍要登记吗？"


def skipped_document(rules, kind: str, case_no: str, state: str, reason: str | None) -> str:
    """A case a batch of documents left out, and why."""
    return f"跳过 {case_no}：{document_not_now(rules, kind, case_no, state, reason)}"


def documents_written(written: int, folder: object, skipped: int, selected: int) -> str:
    """What a batch of documents did."""
    return f"已写 {written} 份到 {folder}，跳过 {skipped} 件，共选中 {selected} 件"


def database_ready(where: str, before: str | None, after: str) -> str:
    """What ``mediation init`` did to the database: nothing, created it, or upgraded its schema."""
    if before == after:
        return f"数据库 {where} 已是最新（schema {after}）"
    if before is None:
        return f"数据库 {where} 已创建（schema {after}）"
    return f"数据库 {where} 已从 schema {before} 升级到 {after}"


def staff_seeded(seeded: int, login: str, first: str) -> str:
    """The staff ``mediation init`` entered from staff.yaml, and whose login is the first supervisor."""
    return f"工作人员：从 staff.yaml 录入 {seeded} 名；登录名 {login} 即 {first}（督办员）"


#: Why standard output failed, by errno (else the system's own words).
_OUTPUT_ERRORS = {errno.ENOSPC: "磁盘已满", errno.EPIPE: "管道已关闭", errno.EBADF: "标准输出已关闭",
                  errno.EIO: "输入输出错误"}


def output_failed(exc: OutputFailed, rules) -> str | None:
    """A change recorded whose output could not be written: not to be done again."""
    if exc.case_no and exc.trigger:
        named = label(rules, "trigger", exc.trigger) if rules is not None else exc.trigger
        what = f"{exc.case_no} 的{named} ({exc.trigger}) "
    elif exc.count is not None:
        what = f"{exc.count} 件案件的督办"
    else:
        return None
    why = _OUTPUT_ERRORS.get(exc.errno, exc.reason) if exc.errno is not None else exc.reason
    return f"{what}已记录，但输出无法写出（{why}）：请勿重复办理。下一步: {exc.look}"
