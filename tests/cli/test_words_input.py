"""What a clerk typed that cannot be used, told in the desk's words (``mediation/cli/words/``; issue 13,
point 2): labels, dates and times, a case's fields, the moves' and the staff's inputs, a case changed
meanwhile, the database.

Each kind through the real commands and a real database: one line on stderr in Chinese, the labels
of the rule set with the ids in brackets, the exit code it always had, no English word but ids,
options, commands and what was typed (:func:`~tests.cli.test_words.english`), and the suggestion
or the command to type next. The library keeps its English (the tests of ``mediation.rules``,
``mediation.cases``, ``mediation.desk`` and ``mediation.store`` assert it unchanged); commands
that are not the desk's (``route``, ``replay``, ``report``) keep it too.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from mediation import desk
from mediation.cli import cli
from mediation.cli.words import desk_line
from mediation.errors import CaseError, ConcurrentUpdate, UnknownLabel
from mediation.store.database import DatabaseError, open_database
from tests.cli.test_words import AT, CASE, english, then
from tests.support import RULES_DIR

PREFIX = "mediation: error: "
REGISTER = ("case", "register", "--form", "口头", "--category", "邻里", "--street", "相南街道", "--summary", "漏水")


def line(url: str, *args: str, code: int = 2, behalf: str | None = "clerk01") -> str:
    """The one line a refused command prints (without its prefix), checked: its exit code, one
    line on stderr, nothing on stdout, no English word but what may be Latin."""
    env = {"MEDIATION_DB": url, "MEDIATION_RULES": str(RULES_DIR), "MEDIATION_OPERATOR": None,
           "MEDIATION_ON_BEHALF_OF": behalf}
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == code, (result.output, result.stderr)
    assert result.stdout == ""
    err = result.stderr
    assert err.startswith(PREFIX) and err.endswith("\n") and err.count("\n") == 1, err
    said = err[len(PREFIX):-1]
    assert english(said) == [], said
    return said


@pytest.fixture
def reviewed(db, rules) -> str:
    """A case under review (审查中), registered and reviewed at :data:`AT`."""
    no = desk.register(db, rules, CASE, operator="clerk01", at=AT).case_no
    desk.review(db, rules, no, operator="clerk01", at=AT)
    return no


# ----------------------------------------------------------------------- labels


def test_an_unknown_label_keeps_its_suggestion(db):
    said = line(db.url, *REGISTER[:4], "--category", "yiliao", *REGISTER[6:], "--at", "2020-06-15T09:30")
    assert said == "没有这个纠纷类型 'yiliao'（--category）：是 医疗 (medical) 吗？"


def test_a_label_of_another_kind_is_named_and_the_choices_listed(db):
    said = line(db.url, *REGISTER[:2], "--form", "电话", *REGISTER[4:], "--at", "2020-06-15T09:30")
    assert said == ("没有这个形式 '电话'（--form）：'电话' 是来源渠道 来电 (phone)，不是形式；"
                    "形式是 口头 (oral)、书面 (written) 之一")


def test_a_short_list_of_choices_in_the_desks_labels(db, rules, reviewed):
    desk.divert(db, rules, reviewed, operator="clerk01", at=AT)
    desk.take(db, rules, reviewed, operator="med_medical", at=AT)
    said = line(db.url, "case", "settle", reviewed, "--agreement", "握手", behalf="med_medical")
    assert said == "没有这个协议形式 '握手'（--agreement）：协议形式是 口头协议 (oral)、书面协议 (written) 之一"


def test_a_label_several_share_lists_them(db, reviewed):
    said = line(db.url, "case", "divert", reviewed, "--to", "综合调解", "--reason", "疑难", behalf="sup01")
    assert said == ("'综合调解' 可指 综合调解室 (room.general) 或 综合调解窗口 (window.mediation)（--to）："
                    "请写编号或全称")


def test_a_place_that_is_none(db):
    assert line(db.url, "queue", "物业x") == "没有这个调解室或窗口 '物业x'"


# ----------------------------------------------------------------------- dates and times


def test_a_date_without_its_time(db):
    said = line(db.url, *REGISTER, "--at", "2026-11-2")
    assert said == "--at '2026-11-2' 缺少时刻：请写上记录上的时间，如 2026-11-02T09:30"


def test_not_a_moment_names_the_forms(db):
    said = line(db.url, *REGISTER, "--at", "tomorrow")
    assert said == "--at 'tomorrow' 不是日期时刻：请写成 2020-06-15T09:30、2020-6-15 9:30、2020/6/15 9:30 或 2020年6月15日 9:30"


def test_the_future_and_before_the_last_event(db, reviewed):
    assert line(db.url, *REGISTER, "--at", "2999-01-01T10:00") == "--at 2999-01-01T10:00 还没到：不能预先记录"
    said = line(db.url, "case", "divert", reviewed, "--at", "2020-06-15T09:00")
    assert said == "--at 2020-06-15T09:00 早于案件的上一步（2020-06-15T09:30）：请按先后记录"


def test_a_day_option_and_a_period(db):
    assert line(db.url, "case", "list", "--from", "2020-13-01") == (
        "--from '2020-13-01' 不是日期：请写成 2020-06-15、2020-6-15、2020/6/15 或 2020年6月15日")
    assert line(db.url, "case", "list", "--from", "2020-02-01", "--to", "2020-01-01") == (
        "--to 2020-01-01 早于 --from 2020-02-01：请对调")


# ----------------------------------------------------------------------- a case's fields


def test_every_missing_field_in_one_line(db):
    said = line(db.url, "case", "register", "--form", "口头", "--at", "2020-06-15T09:30")
    assert said == "3 处问题：缺少纠纷类型（--category）；缺少街道（--street）；缺少纠纷概要（--summary）"


def test_a_bad_number_of_parties(db):
    said = line(db.url, *REGISTER, "--parties", "0", "--at", "2020-06-15T09:30")
    assert said == "当事人数（--parties）须是不小于 1 的整数，不能是 0"


def test_a_case_number_a_request_id_and_a_file_of_several(db, tmp_path):
    said = line(db.url, *REGISTER, "--case-no", "XS-26-1", "--at", "2020-06-15T09:30")
    assert said == "案号 'XS-26-1'（--case-no）不对：案号形如 XS-2020-00001"
    said = line(db.url, *REGISTER, "--request-id", "a b", "--at", "2020-06-15T09:30")
    assert said.startswith("--request-id 须是 1 到 100 个可见的半角字符")
    several = tmp_path / "several.json"
    several.write_text("[{}, {}]", encoding="utf-8")
    said = line(db.url, "case", "register", "--from-json", str(several))
    assert said == "--from-json 只能给一件案件（一个对象）；一批历史案件请用 mediation replay"


def test_a_case_file_names_itself_in_each_problem(db, tmp_path):
    case = tmp_path / "case.json"
    case.write_text('{"form": "口头", "category": "邻里", "street": "相南街道", "summry": "漏水"}', encoding="utf-8")
    said = line(db.url, "case", "register", "--from-json", str(case), "--at", "2020-06-15T09:30")
    assert said == (f"2 处问题：没有这个字段 'summry'（'{case}'）：是 纠纷概要 (summary) 吗？；"
                    f"缺少纠纷概要 (summary)（'{case}'）")


def test_a_case_file_that_cannot_be_read(db, tmp_path):
    said = line(db.url, "case", "register", "--from-json", str(tmp_path / "none.json"))
    assert said == f"读不了 '{tmp_path / 'none.json'}'：没有这个文件"
    broken = tmp_path / "broken.json"
    broken.write_text('{"form": "口头",}', encoding="utf-8")
    said = line(db.url, "case", "register", "--from-json", str(broken))
    assert said == f"文件格式有误（'{broken}' 第 1 行），第 15 列：请核对括号、引号和逗号"


def test_a_first_generation_id_number_and_how_to_convert_it(db, tmp_path):
    case = tmp_path / "case.json"
    case.write_text('{"applicant_name": "张三", "applicant_id": "340603900101123"}', encoding="utf-8")
    said = line(db.url, *REGISTER, "--from-json", str(case), "--at", "2020-06-15T09:30")
    assert said.startswith("申请人身份证号 (applicant_id)（") and "是 15 位的第一代身份证号" in said
    assert said.endswith("在前 6 位后插入 19，末尾加校验位 X") and "340603900101123" not in said


# ----------------------------------------------------------------------- a case changed meanwhile


def test_a_case_changed_since_it_was_looked_at(db, reviewed):
    said = line(db.url, "case", "divert", reviewed, "--if-version", "1")
    assert said == f"{reviewed} 在您查看后已变（版本 1，现为 2）。下一步: mediation case show {reviewed}"
    assert then(said) == f"mediation case show {reviewed}"


def test_a_race_is_told_apart():
    exc = ConcurrentUpdate("XS-2026-00001 was changed by someone else while you acted on it (version 5, now 6)",
                           why="raced", case_no="XS-2026-00001", seen=5, current=6)
    assert desk_line(exc).startswith("XS-2026-00001 在您办理的同时被别处改动（版本 5，现为 6），本次未记录")
    assert then(desk_line(exc)) == "mediation case show XS-2026-00001"


# ----------------------------------------------------------------------- moves


def test_an_override_needs_its_reason_and_a_difference(db, reviewed):
    said = line(db.url, "case", "divert", reviewed, "--to", "律师调解室", behalf="sup01")
    assert said == "改派 (override) 需要写明理由：加 --reason"
    said = line(db.url, "case", "divert", reviewed, "--to", "医疗纠纷调解室", "--reason", "疑难", behalf="sup01")
    assert said == f"规则本来就把 {reviewed} 分流到 医疗纠纷调解室 (room.medical)：不必改派。下一步: mediation case divert {reviewed}"
    assert then(said) == f"mediation case divert {reviewed}"


def test_a_written_agreement_and_an_extension(db, rules, reviewed):
    desk.divert(db, rules, reviewed, operator="clerk01", at=AT)
    desk.take(db, rules, reviewed, operator="med_medical", at=AT)
    said = line(db.url, "case", "settle", reviewed, "--agreement", "书面", "--facts", "事实", behalf="med_medical")
    assert said == "书面协议要写明内容：缺少 --terms 或 --performance（或用 --from-json 文件）"
    said = line(db.url, "case", "extend", reviewed, "--days", "99", "--consent", "--reason", "鉴定",
                behalf="med_medical")
    assert said == "延期 (extend) 最多 30 天，不能 99 天（--days）"


def test_an_unknown_document_and_one_not_yet(db, reviewed):
    said = line(db.url, "case", "document", reviewed, "contract", behalf="sup01")
    assert said.startswith("没有这种文书 'contract'：文书是 矛盾纠纷受理登记表 (registration)、")
    said = line(db.url, "case", "document", reviewed, "acceptance", behalf="sup01")
    assert said == (f"{reviewed} 是 审查中 (under_review)：受理通知书 (acceptance) 只给经过 已分流 (diverted) 的案件。"
                    f"下一步: mediation case document {reviewed} --list")


# ----------------------------------------------------------------------- the staff and lists


def test_the_staff_refusals(db):
    said = line(db.url, "staff", "add", "clerk01", "--name", "甲", "--role", "clerk", behalf="sup01")
    assert said == "工作人员 clerk01 已存在。下一步: mediation staff set clerk01"
    said = line(db.url, "staff", "set", "clerk01", behalf="sup01")
    assert said == "clerk01 没有要改的：写明 --name、--role、--destination、--login 或 --active"
    said = line(db.url, "staff", "add", "med_new", "--name", "乙", "--role", "mediator", behalf="sup01")
    assert said == "调解员 med_new 至少要有一个调解室或窗口（--destination）"


def test_a_sort_and_a_page(db):
    said = line(db.url, "case", "list", "--sort", "summary")
    assert said.startswith("不能按 'summary' 排序（--sort）：可按 案件编号 (case_no)、") and "期限 (deadline)" in said
    assert line(db.url, "case", "list", "--page", "9223372036854775807").startswith("--page 9223372036854775807 太远")


def test_a_year_without_a_calendar():
    said = line("sqlite:///unused.db", "calendar", "2003")
    assert said == "2003 年还没有工作日历（放假和调休安排）：请在规则集的 'calendar.yaml' 里添加"


# ----------------------------------------------------------------------- the database


def test_a_database_not_initialised_names_the_init_to_run(tmp_path):
    path = tmp_path / "none.db"
    said = line(f"sqlite:///{path}", "case", "list", code=1)
    assert said.startswith("数据库还没有初始化（") and then(said) == "mediation init"


def test_a_database_address_that_is_none():
    said = line("mysql://desk@host/centre", "case", "list")
    assert said == ("数据库地址 'mysql://desk@host/centre' 不能用：请写文件路径，或 'sqlite:///路径'、"
                    "'postgresql+psycopg://用户@主机/库'")


def test_an_older_and_a_newer_schema(db):
    with db.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    said = line(db.url, "case", "list", code=1)
    assert said.startswith("数据库（") and "的结构比本程序旧，需要升级。" in said
    assert then(said) == "mediation init"
    with db.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    said = line(db.url, "case", "list", code=1)
    assert said == "数据库的结构（版本 0099）比本程序新：请先升级本程序，不要降级数据库"


# ----------------------------------------------------------------------- the library keeps its English


def test_the_library_and_the_other_commands_keep_their_english(db, rules):
    with pytest.raises(UnknownLabel) as info:
        rules.catalogue.resolve("category", "yiliao", field="category")
    assert str(info.value) == "unknown category 'yiliao' (field category): did you mean 'medical' (医疗)?"
    assert (info.value.kind, info.value.value, info.value.near) == ("category", "yiliao", ("medical",))
    with pytest.raises(DatabaseError) as found:
        open_database("sqlite:////nonexistent/dir/x.db")
    assert str(found.value).startswith("database not initialised: run `mediation init --db ")
    assert found.value.why == "not_initialised" and found.value.command.startswith("mediation init --db ")
    result = CliRunner().invoke(cli, ["report", "--year", "2020", "--from", "2020-13-01"],
                                env={"MEDIATION_DB": db.url})
    assert "--from must be a date" in result.stderr  # report is not the desk's
    assert isinstance(info.value, CaseError)  # a script catching CaseError still does
