"""``mediation init``, ``mediation case ...`` and ``mediation queue`` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mediation.cli import cli
from mediation.store.schema import HEAD_REVISION
from tests.support import AGREEMENT_FLAGS

ROOT = Path(__file__).resolve().parents[2]
REGISTER = ["case", "register", "--form", "书面", "--category", "醫療糾紛", "--street", "相南街道",
            "--summary", "术后并发症赔偿争议（合成示例）", "--parties", "3", "--amount", "86000",
            "--applicant-name", "张三", "--applicant-phone", "13812345678"]


class Desk:
    """Runs commands against one database, as one operator unless told otherwise."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0, operator: str | None = "clerk01", stdin: str | None = None):
        env = {"MEDIATION_DB": self.url, "MEDIATION_ON_BEHALF_OF": operator}
        result = self.runner.invoke(cli, list(args), env=env, input=stdin)
        assert result.exit_code == code, (result.output, result.stderr)
        if code:
            assert result.stderr.startswith("mediation: error: ") and result.stderr.count("\n") == 1
            assert "Traceback" not in result.output
        return result

    def json(self, *args: str, **kw):
        return json.loads(self(*args, "--json", **kw).stdout)


@pytest.fixture
def desk(db_url):
    d = Desk(db_url)
    assert "已创建" in d("init").stdout
    return d


def test_init_twice_and_commands_before_init(db_url):
    d = Desk(db_url)
    err = d("case", "show", "XS-2020-00001", code=1).stderr
    assert "数据库还没有初始化" in err and err.endswith("。下一步: mediation init\n")
    assert f"（schema {HEAD_REVISION}）" in d("init").stdout
    assert "已是最新" in d("init").stdout


def test_a_day_at_the_desk(desk):
    out = desk(*REGISTER, "--at", "2020-06-15T09:30").stdout
    assert out.split() == ["XS-2020-00001", "登记", "已登记", "期限", "2020-06-18"]
    out = desk("case", "review", "XS-2020-00001", "--at", "2020-06-15T09:40").stdout
    assert "审查中" in out and "受理 (accept)" in out
    out = desk("case", "divert", "xs-2020-00001", "--at", "2020-06-15T09:45").stdout
    assert "医疗纠纷调解室 (room.medical)" in out and "规则 medical" in out and "期限 2020-06-17" in out
    desk("case", "take", "XS-2020-00001", "--at", "2020-06-16T09:00", operator="med_medical")
    out = desk("case", "extend", "XS-2020-00001", "--days", "15", "--consent", "--at", "2020-07-10T09:00",
               operator="med_medical").stdout
    assert "延长 15 天" in out and "期限 2020-07-31" in out
    out = desk("case", "settle", "XS-2020-00001", "--agreement", "书面", *AGREEMENT_FLAGS, "--at", "2020-07-20T09:00",
               operator="med_medical").stdout
    assert "调解成功" in out and "书面协议" in out
    view = desk.json("case", "close", "XS-2020-00001", "--at", "2020-07-25T09:00")
    assert (view["state"], view["deadline"]) == ("closed", None)
    assert [e["trigger"] for e in view["events"]] == [
        "register", "review", "divert", "take", "extend", "settle", "close"]


def test_register_json_is_the_show_object(desk):
    view = desk.json(*REGISTER, "--at", "2020-06-15T09:30")
    assert view == desk.json("case", "show", "XS-2020-00001")
    assert {k: view[k] for k in ("case_no", "state", "destination", "deadline", "escalation")} == {
        "case_no": "XS-2020-00001", "state": "registered", "destination": None,
        "deadline": "2020-06-18", "escalation": 0}
    assert view["events"] == [{**view["events"][0], "at": "2020-06-15T09:30:00", "trigger": "register",
                               "from": None, "to": "registered", "operator": "clerk01"}]
    assert view["applicants"] == [{"name": "张*", "id_number": None, "phone": "138****5678"}]
    assert (view["category"], view["form"], view["amount"]) == ("medical", "written", 86000)


def test_register_from_json_with_flags_over_it(desk, tmp_path):
    path = ROOT / "examples" / "case.json"
    view = desk.json("case", "register", "--from-json", str(path), "--at", "2020-06-15T10:00",
                     "--risk", "高")
    assert (view["case_no"], view["received_at"], view["risk"]) == (
        "XS-2020-00001", "2020-06-15T09:30:00", "high")
    assert desk.json("case", "register", "--from-json", "-", "--at", "2020-06-15T10:01",
                     stdin=json.dumps({"form": "oral", "category": "neighbor", "street": "dongjie",
                                       "summary": "x"}))["case_no"] == "XS-2020-00002"
    bad = tmp_path / "bad.json"
    bad.write_text('{"form": "oral", "category": "医僚", "street": "dongjie", "summary": "x"}',
                   encoding="utf-8")
    err = desk("case", "register", "--from-json", str(bad), code=2).stderr
    assert f"没有这个纠纷类型 '医僚'（'{bad}'）：是 医疗 (medical) 吗？" in err
    err = desk("case", "register", "--from-json", str(ROOT / "examples" / "cases.json"), code=2).stderr
    assert "--from-json 只能给一件案件（一个对象）；一批历史案件请用 mediation replay" in err


def test_register_refuses_bad_input_in_one_line(desk):
    err = desk("case", "register", "--form", "口头", "--category", "邻里", "--street", "相南街道", code=2).stderr
    assert "缺少纠纷概要（--summary）" in err
    err = desk(*REGISTER[:-4], "--applicant-id", "340603199001011230", "--applicant-name", "张三",
               code=2).stderr
    assert "申请人身份证号（--applicant-id）校验位不对" in err and "340603199001011230" not in err
    # who acts is the login (root/postgres: sup01), not a claim (docs/design.md §8)
    assert "--operator clerk01 不是您" in desk(*REGISTER, "--operator", "clerk01", operator=None, code=2).stderr
    assert "--at 2999-01-01T10:00 还没到：不能预先记录" in desk(*REGISTER, "--at", "2999-01-01T10:00", code=2).stderr
    assert "--at 'tomorrow' 不是日期时刻：请写成 2020-06-15T09:30" in desk(*REGISTER, "--at", "tomorrow", code=2).stderr
    err = desk(*REGISTER, operator="med_medical", code=2).stderr
    assert "med_medical（调解员，医疗纠纷调解室 room.medical）不能登记 (register)：只有登记员和督办员可以" in err
    assert "没有案件 XS-2020-00001" in desk("case", "show", "XS-2020-00001", code=2).stderr


def _to_room(desk, *extra: str) -> str:
    desk(*REGISTER, "--at", "2020-06-15T09:30", *extra)
    desk("case", "review", "XS-2020-00001", "--at", "2020-06-15T09:40")
    desk("case", "divert", "XS-2020-00001", "--at", "2020-06-15T09:45")
    return "XS-2020-00001"


def test_refusals_are_one_line_and_exit_2(desk):
    no = _to_room(desk)
    err = desk("case", "settle", no, "--agreement", "oral", operator="med_medical", code=2).stderr
    assert ("不能调解成功 XS-2020-00001：当前状态 已分流 (diverted)。可用：承办 (take)、转办 (transfer)、"
            "撤回 (withdraw)。下一步: mediation case take XS-2020-00001") in err
    err = desk("case", "take", no, operator="med_labor", code=2).stderr
    assert "med_labor（调解员，劳动争议调解室 room.labor）不能承办 XS-2020-00001 (take)：它在 医疗纠纷调解室 (room.medical)" in err
    err = desk("case", "take", no, "--if-version", "2", operator="med_medical", code=2).stderr
    assert "XS-2020-00001 在您查看后已变（版本 2，现为 3）。下一步: mediation case show XS-2020-00001" in err
    err = desk("case", "take", no, "--at", "2020-06-15T09:00", operator="med_medical", code=2).stderr
    assert "--at 2020-06-15T09:00 早于案件的上一步" in err
    err = desk("case", "divert", no, code=2).stderr
    assert "不能分流 XS-2020-00001：当前状态 已分流 (diverted)" in err
    err = desk("case", "settle", no, "--agreement", "握手", operator="med_medical", code=2).stderr
    assert "没有这个协议形式 '握手'（--agreement）：协议形式是 口头协议 (oral)、书面协议 (written) 之一" in err


def test_override_transfer_fail_and_withdraw(desk):
    desk(*REGISTER, "--at", "2020-06-15T09:30")
    desk("case", "review", "XS-2020-00001", "--at", "2020-06-15T09:40")
    err = desk("case", "divert", "XS-2020-00001", "--to", "律师调解室", "--reason", "疑难", code=2).stderr
    assert "只有督办员可以" in err
    out = desk("case", "divert", "XS-2020-00001", "--to", "律师调解室", "--reason", "疑难复杂",
               "--at", "2020-06-15T09:45", operator="sup01").stdout.splitlines()
    assert len(out) == 2 and "改派" in out[0] and "规则去向 医疗纠纷调解室 (room.medical)" in out[0]
    assert "律师调解室 (room.lawyer)" in out[1]
    out = desk("case", "transfer", "XS-2020-00001", "--to", "room.general", "--reason", "涉及多方",
               "--at", "2020-06-15T10:00", operator="med_lawyer").stdout
    assert "转办" in out and "综合调解室 (room.general)" in out and "自 律师调解室" in out
    desk("case", "take", "XS-2020-00001", "--at", "2020-06-16T09:00", operator="med_general")
    out = desk("case", "fail", "XS-2020-00001", "--route", "诉讼", "--route", "arbitration",
               "--at", "2020-06-20T09:00", operator="med_general").stdout
    assert "调解不成" in out and "告知 诉讼、仲裁" in out
    desk(*REGISTER, "--at", "2020-06-16T09:30")
    assert "已撤回" in desk("case", "withdraw", "XS-2020-00002", "--reason", "和解").stdout


def test_show_masks_unless_revealed_and_records_the_reveal(desk):
    no = _to_room(desk)
    out = desk("case", "show", no).stdout
    assert "张*" in out and "138****5678" in out and "张三" not in out and "13812345678" not in out
    assert "医疗纠纷调解室" in out and "2020-06-17" in out and "经过" in out
    err = desk("case", "show", no, "--reveal", "--operator", "med_labor", operator=None, code=2).stderr
    assert "--operator med_labor 不是您" in err
    out = desk("case", "show", no, "--reveal", "--at", "2020-06-15T10:00").stdout
    assert "张三" in out and "13812345678" in out and "查看个人信息" in out
    view = desk.json("case", "show", no)
    assert view["events"][-1]["trigger"] == "reveal" and view["applicants"][0]["name"] == "张*"


def test_list_filters_and_pages(desk):
    for n, (category, street) in enumerate([("医疗", "相南街道"), ("邻里", "东街道"), ("医疗", "东街道")], 1):
        desk("case", "register", "--form", "口头", "--category", category, "--street", street,
             "--summary", "合成示例", "--at", f"2020-0{n + 2}-01T09:00")
    desk("case", "review", "XS-2020-00001", "--at", "2020-03-01T10:00")
    page = desk.json("case", "list")  # newest first
    assert page["total"] == 3 and [c["case_no"][-1] for c in page["cases"]] == ["3", "2", "1"]
    assert (page["page"], page["pages"]) == (1, 1)
    assert desk.json("case", "list", "--category", "医疗")["total"] == 2
    assert desk.json("case", "list", "--state", "审查中")["cases"][0]["case_no"] == "XS-2020-00001"
    assert desk.json("case", "list", "--street", "东街道", "--category", "medical")["total"] == 1
    assert desk.json("case", "list", "--from", "2020-04-01", "--to", "2020-04-30")["total"] == 1
    page = desk.json("case", "list", "--limit", "2", "--page", "2", "--reverse")
    assert [c["case_no"] for c in page["cases"]] == ["XS-2020-00003"] and page["pages"] == 2
    out = desk("case", "list").stdout
    assert "共 3 件" in out and "审查中" in out and "相南街道" in out
    assert "没有这个状态 '完成'（--state）" in desk("case", "list", "--state", "完成", code=2).stderr


def test_queue(desk):
    _to_room(desk)
    desk(*REGISTER, "--at", "2020-06-15T11:00")
    view = desk.json("queue", "医疗纠纷调解室")
    assert (view["destination"], view["total"]) == ("room.medical", 1)
    assert view["cases"][0]["deadline"] == "2020-06-17"
    out = desk("queue", "room.medical").stdout
    assert "医疗纠纷调解室 (room.medical)" in out and "待办 1 件" in out and "XS-2020-00001" in out
    assert desk.json("queue", "room.labor")["cases"] == []
    assert "没有这个调解室或窗口 'room.nowhere'" in desk("queue", "room.nowhere", code=2).stderr


def test_case_help_lists_the_verbs_in_lifecycle_order():
    out = CliRunner().invoke(cli, ["case", "--help"]).output
    verbs = ["register", "review", "divert", "take", "settle", "fail", "serve", "transfer", "extend",
             "withdraw", "close", "show", "list"]
    positions = [out.index(f"  {v} ") for v in verbs]
    assert positions == sorted(positions)


def test_register_prompts_for_missing_fields_only_at_a_terminal(desk, monkeypatch):
    monkeypatch.setattr("mediation.cli.case.register.at_terminal", lambda: True)
    result = desk("case", "register", "--form", "口头", "--at", "2020-06-15T09:30",
                  stdin="邻里\n相南街道\n楼上噪音（合成示例）\n")
    assert "纠纷类型 (category):" in result.stderr and "形式" not in result.stderr
    assert desk.json("case", "show", "XS-2020-00001")["summary"] == "楼上噪音（合成示例）"


def test_a_year_the_calendar_does_not_know_is_shown_not_guessed(desk):
    out = desk("case", "register", "--form", "口头", "--category", "邻里", "--street", "东街道",
               "--summary", "旧案（合成示例）", "--at", "2003-05-06T09:00", "--yes")
    assert "期限 未知" in out.stdout
    assert out.stderr == ("mediation: warning: 1 件案件的期限无法计算：工作日历没有 2003 年。下一步: 在 "
                          "rules/calendar.yaml 的 `years: 2003:` 下录入该年的放假和调休上班日\n")
    view = desk.json("case", "show", "XS-2003-00001")
    assert view["deadline"] is None and "calendar.yaml" in view["deadline_error"]
    shown = " ".join(desk("case", "show", "XS-2003-00001").stdout.split())
    assert "期限 未知：工作日历没有 2003 年（可在 rules/calendar.yaml 的 `years: 2003:` 下录入）" in shown


def test_a_hostile_reason_is_one_line_and_stores_nothing(desk):
    desk(*REGISTER, "--at", "2020-06-15T09:30")
    err = desk("case", "withdraw", "XS-2020-00001", "--reason", "\x1b]0;pwned\x07", "--at", "2020-06-15T09:40",
               code=2).stderr
    assert "--reason 含有控制字符 (U+001B)" in err and "\x1b" not in err
    err = desk("case", "withdraw", "XS-2020-00001", "--reason", "x" * 120_000, "--at", "2020-06-15T09:40",
               code=2).stderr
    assert "--reason 最多 2000 字，现有 120000 字" in err
    assert desk.json("case", "show", "XS-2020-00001")["state"] == "registered"


def test_a_refused_move_names_only_the_commands_that_apply_and_the_next_one(desk):
    desk(*REGISTER, "--at", "2020-06-15T09:30")
    desk("case", "review", "XS-2020-00001", "--at", "2020-06-15T09:40")
    err = desk("case", "review", "XS-2020-00001", code=2).stderr
    # reject and refer_out follow from a review: they are no commands
    assert err == ("mediation: error: 不能审查 XS-2020-00001：当前状态 审查中 (under_review)。"
                   "可用：分流 (divert)、撤回 (withdraw)。下一步: mediation case divert XS-2020-00001\n")
    desk("case", "divert", "XS-2020-00001", "--at", "2020-06-15T09:45")  # to room.medical
    desk("case", "take", "XS-2020-00001", operator="med_medical", stdin=None)
    err = desk("case", "serve", "XS-2020-00001", operator="med_medical", code=2).stderr
    assert "办结 (serve)只用于窗口，它在 医疗纠纷调解室 (room.medical)" in err
    assert "可用：调解成功 (settle)、调解不成 (fail)、转办 (transfer)、延期 (extend)、撤回 (withdraw)" in err
    assert "下一步: mediation case settle XS-2020-00001" in err
    desk("case", "withdraw", "XS-2020-00001", operator="med_medical")
    err = desk("case", "close", "XS-2020-00001", code=2).stderr
    assert "当前状态 已撤回 (withdrawn)，已是终态，不能再办理。" in err and "下一步" not in err
    assert not any(word in err for word in ("cannot", "allowed from"))  # one language


def test_list_pages_past_the_end_are_refused(desk):
    for n in range(1, 4):
        desk("case", "register", "--form", "口头", "--category", "邻里", "--street", "相南街道",
             "--summary", "合成示例", "--at", f"2020-03-0{n}T09:00")
    assert desk.json("case", "list", "--limit", "2", "--page", "2")["pages"] == 2
    err = desk("case", "list", "--limit", "2", "--page", "3", code=2).stderr
    assert "没有第 3 页：共 3 件，每页 2 件，共 2 页（最后一页: --page 2）" in err
    assert "第 1–2 件，共 3 件（第 1/2 页）" in desk("case", "list", "--limit", "2").stdout
    err = desk("case", "list", "--state", "已结案", "--page", "2", code=2).stderr
    assert "没有第 2 页：共 0 件" in err
    assert desk.json("case", "list", "--state", "已结案")["pages"] == 0  # page 1 of nothing is fine


def test_list_sorts_by_any_column_shown(desk):
    for n, category in enumerate(("邻里", "医疗", "邻里"), 1):
        desk("case", "register", "--form", "口头", "--category", category, "--street", "相南街道",
             "--summary", "合成示例", "--at", f"2020-03-0{n}T09:00")
    desk("case", "review", "XS-2020-00003", "--at", "2020-03-03T10:00")

    def order(*args):
        return [c["case_no"][-1] for c in desk.json("case", "list", "--as-of", "2020-03-10", *args)["cases"]]

    assert order("--sort", "状态") == ["1", "2", "3"]  # registered before under review (lifecycle)
    assert order("--sort", "state", "--reverse") == ["3", "2", "1"]
    assert order("--sort", "纠纷类型")[0] != order("--sort", "纠纷类型", "--reverse")[0]
    assert order("--sort", "期限") == ["1", "2", "3"]  # soonest first
    assert order("--sort", "逾期") == ["1", "2", "3"]  # most overdue first
    assert order("--sort", "案件编号", "--reverse") == ["1", "2", "3"]
    err = desk("case", "list", "--sort", "summary", code=2).stderr
    assert "不能按 'summary' 排序（--sort）" in err and "期限 (deadline)" in err


def test_list_refuses_a_period_that_ends_before_it_begins(desk):
    err = desk("case", "list", "--from", "2026-12-01", "--to", "2026-11-01", code=2).stderr
    assert "--to 2026-11-01 早于 --from 2026-12-01" in err
