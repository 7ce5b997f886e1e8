"""The errors a clerk meets, in the desk's words (``mediation/cli/words/refusals.py``; issue 13, point 2).

Each kind of refusal is driven through the real commands: one line on stderr
in Chinese, with the tables' labels and the ids in brackets, exit 2, no English
word but ids, options and commands, and the command to type next after
``下一步: `` where there is one. The library keeps its English message and
gives the same facts as attributes (``tests/desk/test_roles.py``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from mediation import desk
from mediation.cli import cli
from mediation.cli.words import desk_line
from mediation.desk import staff as members
from mediation.errors import NotFound, PermissionDenied
from mediation.store import access
from tests.support import RULES_DIR

AT = datetime(2020, 6, 15, 9, 30)
CASE = {"form": "书面", "category": "医疗", "street": "相南街道", "summary": "术后赔偿（合成示例）"}
PREFIX = "mediation: error: "


def said(db, *args: str, behalf: str | None = None, **env: str | None) -> str:
    """The one line a refused command prints (without its prefix), checked: exit 2, nothing on stdout."""
    env = {"MEDIATION_DB": db.url, "MEDIATION_RULES": str(RULES_DIR), "MEDIATION_OPERATOR": None,
           "MEDIATION_ON_BEHALF_OF": behalf, **env}
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    err = result.stderr
    assert err.startswith(PREFIX) and err.endswith("\n") and err.count("\n") == 1, err
    return err[len(PREFIX):-1]


#: What may be Latin in a line at the desk: case numbers, ids (staff, places, triggers),
#: options, commands (to the end of their run of ASCII), logins, values and paths in quotes,
#: environment variables, code points (U+0007).
_LATIN_ALLOWED = re.compile(
    r"XS-\d{4}-\d{5}|'[^']*'|--[a-z-]+|(?:room|window)\.[a-z_]+|mediation [ -~]+|\b[a-z]+_[a-z_]+\b"
    r"|\b[a-z]+\d+\b|\([a-z_]+\)|\bMEDIATION_[A-Z_]+\b|U\+[0-9A-F]{4}")


def english(line: str) -> list[str]:
    """Latin words left in ``line`` once what may be Latin is taken out."""
    return re.findall(r"[A-Za-z]{2,}", _LATIN_ALLOWED.sub(" ", line))


def test_the_checker_finds_english():
    assert english("med_labor (mediator at room.labor) may not take XS-2020-00001") == [
        "mediator", "at", "may", "not", "take"]
    assert english("没有案件 XS-2020-00001。下一步: mediation case list --page 2") == []


def then(line: str) -> str | None:
    """The next step a line names (after ``下一步: ``), or None."""
    return line.split("下一步: ", 1)[1] if "下一步: " in line else None


@pytest.fixture
def diverted(db, rules) -> str:
    """A case at 医疗纠纷调解室 (room.medical)."""
    no = desk.register(db, rules, CASE, operator="clerk01", at=AT).case_no
    desk.review(db, rules, no, operator="clerk01", at=AT)
    desk.divert(db, rules, no, operator="clerk01", at=AT)
    return no


def sqlite_only(db) -> None:
    if not db.sqlite:
        pytest.skip("on SQLite the OS user is who acts (PostgreSQL logins: tests/desk/test_identity.py)")


# ----------------------------------------------------------------------- roles


def test_a_mediator_of_another_room(db, diverted):
    line = said(db, "case", "take", diverted, behalf="med_labor")
    assert line == (f"med_labor（调解员，劳动争议调解室 room.labor）不能承办 {diverted} (take)："
                    "它在 医疗纠纷调解室 (room.medical)")
    assert english(line) == [] and then(line) is None
    line = said(db, "case", "show", diverted, "--reveal", behalf="med_labor")
    assert line.startswith("med_labor（调解员，劳动争议调解室 room.labor）不能查看个人信息 ") and "(reveal)" in line


def test_a_clerk_is_told_who_may(db, diverted):
    line = said(db, "case", "take", diverted, behalf="clerk01")
    assert line == f"clerk01（登记员）不能承办 {diverted} (take)：只有督办员和医疗纠纷调解室 (room.medical) 的调解员可以"
    line = said(db, "case", "divert", diverted, "--to", "律师调解室", "--reason", "疑难", behalf="clerk01")
    assert line == f"clerk01（登记员）不能改派 {diverted} (override)：只有督办员可以"
    line = said(db, "escalate", behalf="clerk01")
    assert line == "clerk01（登记员）不能督办 (escalate)：只有督办员可以"
    line = said(db, "case", "register", "--form", "口头", "--category", "邻里", "--street", "相南街道",
                "--summary", "x", behalf="med_general")
    assert line == ("med_general（调解员，综合调解室 room.general、综合调解窗口 window.mediation）不能登记 (register)："
                    "只有登记员和督办员可以")
    assert english(line) == []


def test_a_third_transfer(db, rules, diverted):
    desk.transfer(db, rules, diverted, to="room.general", reason="一", operator="med_medical", at=AT)
    desk.transfer(db, rules, diverted, to="room.medical", reason="二", operator="med_general", at=AT)
    line = said(db, "case", "transfer", diverted, "--to", "room.lawyer", "--reason", "三", behalf="med_medical")
    assert line == (f"med_medical（调解员，医疗纠纷调解室 room.medical）不能第 3 次转办 {diverted} (transfer)："
                    "已转办 2 次，再转办只有督办员可以")
    assert english(line) == []


def test_the_staff_are_a_supervisors(db, rules, monkeypatch):
    sqlite_only(db)
    desk_login(db, rules, monkeypatch, "clerk01")
    line = said(db, "staff", "list")
    assert line == "clerk01（登记员）不能查看或更改工作人员 (staff)：只有督办员可以"
    assert english(line) == []


# ----------------------------------------------------------------------- who acts


def desk_login(db, rules, monkeypatch, member: str) -> None:
    """The OS user becomes ``desk-<member>``, the login of ``member`` (SQLite: the OS user is who acts)."""
    members.update(db, rules, member, operator="sup01", login=f"desk-{member}")
    monkeypatch.setattr(access, "os_user", lambda: f"desk-{member}")


def test_a_wrong_operator(db, rules, diverted, monkeypatch):
    line = said(db, "case", "take", diverted, "--operator", "clerk01")
    login = access.os_user() if db.sqlite else None
    assert line.startswith("--operator clerk01 不是您：登录名 ")
    assert line.endswith("是工作人员 sup01（督办员）。下一步: 去掉 --operator，或改用 --on-behalf-of clerk01")
    if login:
        assert f"登录名 '{login}' " in line
    assert english(line) == []
    if not db.sqlite:
        return
    desk_login(db, rules, monkeypatch, "clerk01")
    line = said(db, "case", "review", diverted, "--operator", "sup01")
    assert line == "--operator sup01 不是您：登录名 'desk-clerk01' 是工作人员 clerk01（登记员）。下一步: 去掉 --operator"


def test_only_a_supervisor_enters_anothers_record(db, rules, diverted, monkeypatch):
    sqlite_only(db)
    desk_login(db, rules, monkeypatch, "clerk01")
    line = said(db, "case", "take", diverted, behalf="med_medical")
    assert line == ("clerk01（登记员）不能代录 med_medical 的记录 (--on-behalf-of)：只有督办员可以。"
                    "下一步: 去掉 --on-behalf-of")
    assert english(line) == []


def test_a_login_that_is_not_staff(db, monkeypatch):
    sqlite_only(db)
    monkeypatch.setattr(access, "os_user", lambda: "desk-stranger")
    line = said(db, "case", "show", "XS-2020-00001", "--reveal")
    assert line.startswith("登录名 'desk-stranger' 不是本数据库的工作人员：请督办员添加")
    assert then(line) == "mediation staff add ID --name NAME --role ROLE --login desk-stranger"
    assert english(line) == []


def test_an_inactive_login_and_an_inactive_member(db, rules, diverted, monkeypatch):
    sqlite_only(db)
    members.update(db, rules, "clerk02", operator="sup01", active=False)
    line = said(db, "case", "withdraw", diverted, behalf="clerk02")
    assert line == "clerk02 已停用，不能代其录入 (--on-behalf-of)"
    members.update(db, rules, "clerk01", operator="sup01", login="desk-clerk01", active=False)
    monkeypatch.setattr(access, "os_user", lambda: "desk-clerk01")
    line = said(db, "case", "withdraw", diverted)
    assert line == ("登录名 'desk-clerk01' 是工作人员 clerk01，已停用，不能办理：请督办员恢复。"
                    "下一步: mediation staff set clerk01 --active")
    assert english(line) == []


def test_an_unknown_member(db, diverted):
    assert said(db, "case", "take", diverted, behalf="med_medica") == "没有工作人员 'med_medica'：是 med_medical 吗？"
    line = said(db, "staff", "set", "nobody-at-all", "--name", "某")
    assert line == "没有工作人员 'nobody-at-all'。下一步: mediation staff list"
    assert english(line) == []


# ----------------------------------------------------------------------- no such case


@pytest.mark.parametrize("command", [["case", "show"], ["case", "review"], ["case", "divert"], ["case", "take"],
                                     ["case", "close"], ["case", "document"]])
def test_no_such_case(db, command):
    extra = ["registration"] if command[-1] == "document" else []
    line = said(db, *command, "XS-2026-09999", *extra, behalf="sup01")
    assert line == "没有案件 XS-2026-09999。下一步: mediation case list"
    line = said(db, *command, "XS-26-1", *extra, behalf="sup01")
    assert line == "没有案件 'XS-26-1'（案号形如 XS-2020-00001）"
    assert english(line) == []


# ----------------------------------------------------------------------- the library keeps its English


def test_the_library_speaks_english_and_the_desk_chinese(db, rules, diverted):
    with pytest.raises(PermissionDenied) as info:
        desk.take(db, rules, diverted, operator="med_labor", at=AT + timedelta(hours=1))
    assert str(info.value) == f"med_labor (mediator at room.labor) may not take {diverted}: it is at room.medical"
    assert desk_line(info.value, rules).startswith("med_labor（调解员，劳动争议调解室 room.labor）不能承办")
    assert desk_line(info.value) == desk_line(info.value, rules)  # the default rule set's labels
    with pytest.raises(NotFound) as info:
        desk.take(db, rules, "XS-2026-09999", operator="sup01", at=AT)
    assert str(info.value) == "no case XS-2026-09999"
    # an error without the facts keeps its own words
    assert desk_line(PermissionDenied("a refusal from elsewhere"), rules) == "a refusal from elsewhere"
    assert desk_line(NotFound("no partner 'x'"), rules) == "no partner 'x'"
