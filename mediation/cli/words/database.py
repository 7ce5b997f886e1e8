"""A database the desk cannot use: not initialised, of an older or newer schema, missing, damaged.

::

    数据库还没有初始化（'/srv/mediation.db'）。下一步: mediation init --db /srv/mediation.db
    数据库的结构比本程序旧，需要升级。下一步: mediation init
"""

from __future__ import annotations

from mediation.store.database import DatabaseError
from mediation.text import quoted


def database_text(exc: DatabaseError, rules=None) -> str | None:
    """The desk's line for a database error with its facts, or None."""
    words = _WORDS.get(exc.why or "")
    return words(exc) if words else None


def _where(exc: DatabaseError) -> str:
    return f"（'{exc.where}'）" if exc.where else ""


def _not_initialised(exc: DatabaseError) -> str:
    return f"数据库还没有初始化{_where(exc)}。下一步: {exc.command}"


def _older(exc: DatabaseError) -> str:
    return f"数据库{_where(exc)}的结构比本程序旧，需要升级。下一步: {exc.command}"


def _newer(exc: DatabaseError) -> str:
    return f"数据库的结构（版本 {exc.revision}）比本程序新：请先升级本程序，不要降级数据库"


def _no_directory(exc: DatabaseError) -> str:
    return f"不能建立数据库 '{exc.where}'：没有这个文件夹"


def _corrupt(exc: DatabaseError) -> str:
    return f"数据库{_where(exc)}已损坏，或不是本程序的数据库：请从备份恢复"


def _unusable(exc: DatabaseError) -> str:
    said = f"，数据库说: {quoted(exc.reason)}" if exc.reason else ""
    return f"不能使用数据库{_where(exc)}{said}：请检查地址、权限，或数据库是否在运行"


def _foreign_tables(exc: DatabaseError) -> str:
    tables = f"（{exc.reason}）" if exc.reason else ""
    return (f"数据库{_where(exc)}已有本程序的表{tables}却没有结构版本：它不是 mediation init 建的，"
            "或版本记录被删了；不去动它")


def _group_role(exc: DatabaseError) -> str:
    return ("不能建立数据库的用户组：mediation init 需要 CREATEROLE 权限，或请管理员先建好这些用户组"
            + (f"（数据库说: {quoted(exc.reason)}）" if exc.reason else ""))


_WORDS = {"not_initialised": _not_initialised, "older": _older, "newer": _newer, "no_directory": _no_directory,
          "corrupt": _corrupt, "unusable": _unusable, "foreign_tables": _foreign_tables,
          "group_role": _group_role}
