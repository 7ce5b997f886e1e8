"""Tables at the desk: case numbers and states whole at any width from 80 columns up."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from mediation.cli import cli
from mediation.cli.tables import Column, fit, joined
from tests.pty_support import at_terminal

#: The five states a truncated ``已…`` made look alike, and the longer ones.
STATES = ("已登记", "已分流", "已结案", "不予受理", "审查中", "已撤回")


def widths(text: str) -> list[int]:
    from rich.cells import cell_len

    return [cell_len(line) for line in text.splitlines()]


def test_fit_keeps_the_columns_that_never_give_way():
    columns = [Column("案件编号"), Column("街道", give=2), Column("去向", give=1, wrap=True), Column("状态")]
    rows = [["XS-2026-00001", "相南街道", "医疗纠纷调解室", "不予受理"]]
    assert fit(columns, rows, None)[0] == [0, 1, 2, 3]
    assert fit(columns, rows, 200) == ([0, 1, 2, 3], {}, 56)
    shown, wrapped, total = fit(columns, rows, 50)  # the street goes first
    assert shown == [0, 2, 3] and wrapped == {} and total == 45
    shown, wrapped, total = fit(columns, rows, 44)  # then the place wraps, just enough
    assert shown == [0, 2, 3] and wrapped == {2: 13} and total == 44
    shown, _, _ = fit(columns, rows, 20)  # never the case number or the state
    assert shown == [0, 3]


@pytest.fixture
def cases(db_url, tmp_path):
    env = {"MEDIATION_DB": db_url, "MEDIATION_ON_BEHALF_OF": "clerk01", "COLUMNS": None}
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(cli, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.stdout

    run("init")
    # one case in each state of STATES
    for n, category in enumerate(("医疗", "邻里", "邻里", "医疗", "医疗", "邻里"), 1):
        run("case", "register", "--form", "口头", "--category", category, "--street", "相南街道",
            "--summary", f"合成示例 {n}", "--at", f"2026-11-0{n}T09:00",
            *(["--litigation-pending"] if n == 4 else []))
    run("case", "review", "XS-2026-00002", "--at", "2026-11-02T10:00")
    run("case", "divert", "XS-2026-00002", "--at", "2026-11-02T10:10")
    run("case", "review", "XS-2026-00003", "--at", "2026-11-03T10:00")
    run("case", "divert", "XS-2026-00003", "--at", "2026-11-03T10:10")
    run("case", "take", "XS-2026-00003", "--at", "2026-11-03T11:00", "--on-behalf-of", "sup01")
    run("case", "serve", "XS-2026-00003", "--at", "2026-11-03T11:30", "--on-behalf-of", "sup01")
    run("case", "close", "XS-2026-00003", "--at", "2026-11-03T12:00", "--on-behalf-of", "sup01")
    run("case", "review", "XS-2026-00004", "--at", "2026-11-04T10:00")
    run("case", "review", "XS-2026-00005", "--at", "2026-11-05T10:00")
    run("case", "withdraw", "XS-2026-00006", "--at", "2026-11-06T10:00")
    return {"MEDIATION_DB": db_url, "MEDIATION_ON_BEHALF_OF": "clerk01"}


@pytest.mark.parametrize("columns", [80, 100])
def test_case_list_at_a_terminal_shows_case_numbers_and_states_whole(cases, columns):
    code, shown = at_terminal(["case", "list", "--as-of", "2026-11-07"], columns=columns, env=cases)
    assert code == 0, shown
    assert "…" not in shown
    assert max(widths(shown)) <= columns
    for n in range(1, 7):
        assert f"XS-2026-0000{n}" in shown
    for state in STATES:
        assert re.search(rf"│ {state} +│", shown), (state, shown)
    assert "督办" in shown
    if columns == 80:
        assert "略去 " in shown  # the caption names what was left out


def test_queue_at_80_columns_keeps_the_escalation_column(cases):
    code, shown = at_terminal(["queue", "window.mediation", "--as-of", "2026-12-20"], columns=80, env=cases)
    assert code == 0, shown
    assert "XS-2026-00002" in shown and "督办" in shown and "逾期" in shown and "…" not in shown
    assert max(widths(shown)) <= 80


def test_case_show_at_80_columns_wraps_the_timeline(cases):
    code, shown = at_terminal(["case", "show", "XS-2026-00003"], columns=80, env=cases)
    assert code == 0, shown
    assert max(widths(shown)) <= 80 and "…" not in shown
    assert "审查中 → 已分流" in shown


def test_piped_output_honours_columns_else_prints_whole_rows(cases):
    runner = CliRunner()
    narrow = runner.invoke(cli, ["case", "list"], env={**cases, "COLUMNS": "80"}).stdout
    assert max(widths(narrow)) <= 80 and "XS-2026-00005" in narrow and "已登记" in narrow
    whole = runner.invoke(cli, ["case", "list"], env={**cases, "COLUMNS": None}).stdout
    assert max(widths(whole)) > 80
    assert "街道" in whole and "收到时间" in whole and "略去" not in whole


def table_rows(text: str) -> list[list[str]]:
    """The rows of the boxed tables in ``text``, a wrapped row's lines joined cell by cell (the
    spaces a line break took out left out everywhere, so that a wrapped cell reads as a whole one)."""
    rows: list[list[str]] = []
    for line in text.splitlines():
        if not line.startswith("│"):
            continue
        cells = ["".join(c.split()) for c in line.strip().strip("│").split("│")]
        if rows and not cells[0]:
            rows[-1] = [a + b for a, b in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
    return rows


# ----------------------------------------------------------------------- mediation calendar YEAR

ROOT = Path(__file__).resolve().parents[2]
#: A district's own days, with names as long as a notice's reference makes them.
LOCAL_DAYS = ("    days_off:\n      - {name: 中心搬迁闭馆 (区政府通知 相政办〔2026〕7号), date: 2026-11-02}\n"
              "    workdays:\n      - {name: 集中排查化解专项活动 周六值班受理, date: 2026-11-07}\n")


@pytest.fixture
def local_rules(tmp_path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    text = (target / "calendar.yaml").read_text(encoding="utf-8")
    assert "    days_off: []\n    workdays: []\n" in text
    (target / "calendar.yaml").write_text(text.replace("    days_off: []\n    workdays: []\n", LOCAL_DAYS),
                                          encoding="utf-8")
    return target


def calendar_days(args: list[str]) -> dict:
    result = CliRunner().invoke(cli, ["calendar", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def check_calendar(shown: str, data: dict) -> None:
    """Every day of ``data`` (the --json) is in a row whose date cell is whole, with its name whole."""
    rows = table_rows(shown)
    covered: dict[str, str] = {}
    for row in rows:
        if row[0] == "无":
            continue
        first, _, last = row[0].partition("至")
        start = date.fromisoformat(first)
        end = date.fromisoformat(last) if last else start
        assert row[2] == str((end - start).days + 1), row
        for n in range((end - start).days + 1):
            covered[(start + timedelta(days=n)).isoformat()] = row[3]
    expected = {d["date"]: "".join((d["name"] or "").split()) for d in data["days_off"] + data["workdays"]}
    assert covered == expected


YEARS = [["2026"], ["2015"], ["2027"], ["2026", "--rules", "LOCAL"]]


@pytest.mark.parametrize("args", YEARS, ids=["2026", "2015-long-name", "2027-provisional", "2026-local-days"])
def test_calendar_at_80_columns_keeps_dates_and_names_whole(args, local_rules):
    args = [str(local_rules) if a == "LOCAL" else a for a in args]
    data = calendar_days(args)
    piped = CliRunner().invoke(cli, ["calendar", *args], env={"COLUMNS": "80"}).stdout
    code, terminal = at_terminal(["calendar", *args], columns=80)
    assert code == 0, terminal
    # stderr's one-line warning of a provisional year is the terminal's to wrap, as errors are
    terminal = "\n".join(line for line in terminal.splitlines() if not line.startswith("mediation: warning: "))
    for shown in (piped, terminal):
        assert max(widths(shown)) <= 80 and "…" not in shown
        check_calendar(shown, data)
        assert f"{data['year']}年工作日历  全年工作日 {data['working_days']} 天" in shown
    if data["provisional"]:  # the notice wraps between words, not at 80 columns of a cut
        assert "周一至周五按工作日计算" in terminal.replace("\n", "")


def test_calendar_shows_a_source_column_only_where_days_come_from_elsewhere(local_rules):
    one_source = CliRunner().invoke(cli, ["calendar", "2026"], env={"COLUMNS": None}).stdout
    assert "来源  package（chinesecalendar 软件包）" in one_source
    assert {len(row) for row in table_rows(one_source)} == {4}  # the header says it for every day
    mixed = CliRunner().invoke(cli, ["calendar", "2026", "--rules", str(local_rules)], env={"COLUMNS": None}).stdout
    rows = table_rows(mixed)
    assert ["2026-11-02", "周一", "1", "中心搬迁闭馆(区政府通知相政办〔2026〕7号)", "本区(local)"] in rows
    assert ["2026-01-04", "周日", "1", "元旦", "软件包"] in rows
    # piped without COLUMNS: whole rows, one line each
    assert len([line for line in mixed.splitlines() if line.startswith("│")]) == len(rows)
    assert "略去" not in mixed
    # at 80 columns the weekday stays; the source gives way first
    narrow = table_rows(CliRunner().invoke(cli, ["calendar", "2026", "--rules", str(local_rules)],
                                           env={"COLUMNS": "80"}).stdout)
    assert ["2026-11-02", "周一", "1", "中心搬迁闭馆(区政府通知相政办〔2026〕7号)", "本区(local)"] in narrow


def test_fit_wraps_a_kept_column_in_its_turn_and_never_leaves_it_out():
    columns = [Column("日期"), Column("星期", give=1), Column("名称", give=2, wrap=True, keep=True)]
    rows = [["2015-09-03 至 2015-09-04", "周四至周五", "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"]]
    shown, wrapped, total = fit(columns, rows, 80)  # the name wraps before the weekday goes
    assert shown == [0, 1, 2] and list(wrapped) == [2] and 78 <= total <= 80
    shown, wrapped, total = fit(columns, rows, 40)  # narrower than it can be: the name stays, wrapped
    assert shown == [0, 2] and list(wrapped) == [2] and total == 40


# ----------------------------------------------------------------------- mediation staff


@pytest.fixture
def staff_db(tmp_path) -> dict[str, str | None]:
    """A SQLite file whose sup01 is whoever runs the tests; clerk02 deactivated, and a mediator at
    two places with the longest destination id of the rules."""
    env = {"MEDIATION_DB": f"sqlite:///{tmp_path / 'mediation.db'}", "MEDIATION_OPERATOR": None,
           "MEDIATION_ON_BEHALF_OF": None, "COLUMNS": None}
    runner = CliRunner()
    said = {}
    for args in (["init"], ["staff", "deactivate", "clerk02"],
                 ["staff", "add", "med_x", "--name", "调解员戊", "--role", "mediator", "--destination",
                  "room.general", "--destination", "window.reconsideration", "--login", "desk-med-x"],
                 ["staff", "set", "clerk01", "--login", "desk-clerk-01"]):
        result = runner.invoke(cli, args, env=env)
        assert result.exit_code == 0, result.output
        said[args[1] if len(args) > 1 else args[0]] = result.stdout
    env["said"] = said
    return env


def test_staff_changes_are_confirmed_in_the_desks_words(staff_db):
    said = staff_db["said"]
    assert said["deactivate"] == "已停用 clerk02（登记员）  姓名 登记员乙  登录 无  停用\n"
    assert " ".join(said["add"].split()) == ("已添加 med_x（调解员，综合调解室 room.general、行政复议窗口 "
                                             "window.reconsideration） 姓名 调解员戊 登录 desk-med-x 启用")
    assert said["set"] == "已更改 clerk01（登记员）  姓名 登记员甲  登录 desk-clerk-01  启用\n"


def staff_rows(shown: str) -> dict[str, list[str]]:
    return {row[0]: row for row in table_rows(shown)}


def test_staff_list_at_80_columns_keeps_ids_names_roles_and_states_whole(staff_db):
    env = {k: v for k, v in staff_db.items() if k != "said"}
    listed = json.loads(CliRunner().invoke(cli, ["staff", "list", "--json"], env=env).stdout)
    piped = CliRunner().invoke(cli, ["staff", "list"], env={**env, "COLUMNS": "80"}).stdout
    code, terminal = at_terminal(["staff", "list"], columns=80, env=env)
    assert code == 0, terminal
    for shown in (piped, terminal):
        assert max(widths(shown)) <= 80 and "…" not in shown
        rows = staff_rows(shown)
        assert list(rows) == [m["id"] for m in listed]
        for m in listed:
            row = rows[m["id"]]
            assert row[1] == m["name"]
            assert row[2] == {"clerk": "登记员", "mediator": "调解员", "supervisor": "督办员"}[m["role"]]
            assert row[-1] == ("启用" if m["active"] else "停用")
            # the destinations wrap, every character kept: the Chinese name, then the id
            assert row[3] == "".join(f"{label}{d}" for d, label in
                                     ((d, DESTINATIONS[d]) for d in m["destinations"]))
        assert rows["clerk02"][-1] == "停用"
        assert "略去 登录" in shown  # left out at 80 columns, and said so


#: The destinations' Chinese names, as the shipped rules give them.
DESTINATIONS = {"room.general": "综合调解室", "window.reconsideration": "行政复议窗口", "room.medical": "医疗纠纷调解室",
                "room.lawyer": "律师调解室", "window.consult": "法律咨询窗口", "window.legal_service": "法律服务窗口",
                "window.legal_aid": "法律援助窗口", "window.mediation": "综合调解窗口", "room.court": "诉前调解室",
                "window.litigation": "诉讼服务窗口", "room.consumer": "消费纠纷调解室", "room.family": "婚姻家庭纠纷调解室",
                "room.labor": "劳动争议调解室", "room.land": "房屋土地纠纷调解室", "room.petition": "信访事项调解室",
                "window.petition": "信访接待窗口", "room.property": "物业纠纷调解室", "room.traffic": "道路交通事故纠纷调解室"}


def test_staff_list_piped_without_columns_prints_whole_rows(staff_db):
    env = {k: v for k, v in staff_db.items() if k != "said"}
    shown = CliRunner().invoke(cli, ["staff", "list"], env=env).stdout
    assert "略去" not in shown and "desk-med-x" in shown and "desk-clerk-01" in shown
    # one destination a line, each whole: its Chinese name and its id
    lines = [line for line in shown.splitlines() if "med_x" in line]
    assert re.search(r"│ 综合调解室 room\.general +│ desk-med-x +│ 启用 │$", lines[0])
    following = shown.splitlines()[shown.splitlines().index(lines[0]) + 1]
    assert "│ 行政复议窗口 window.reconsideration │" in following


# ----------------------------------------------------------------------- the case card's long values

LONG_SUMMARY = ("术后并发症赔偿争议，涉及三方当事人与医院之间关于治疗费、误工费、护理费和后续康复费用的分担，"
                "双方对责任比例各执一词（合成示例）")


def test_case_show_at_80_columns_wraps_a_long_summary_whole(db_url):
    env = {"MEDIATION_DB": db_url, "MEDIATION_ON_BEHALF_OF": "clerk01", "COLUMNS": None}
    runner = CliRunner()
    for args in (["init"], ["case", "register", "--form", "书面", "--category", "医疗", "--street", "相南街道",
                            "--summary", LONG_SUMMARY, "--at", "2026-11-02T09:00"]):
        result = runner.invoke(cli, args, env=env)
        assert result.exit_code == 0, result.output
    piped = runner.invoke(cli, ["case", "show", "XS-2026-00001"], env={**env, "COLUMNS": "80"}).stdout
    code, terminal = at_terminal(["case", "show", "XS-2026-00001"], columns=80, env=env)
    assert code == 0, terminal
    for shown in (piped, terminal):
        assert max(widths(shown)) <= 80 and "…" not in shown
        assert LONG_SUMMARY in "".join(shown.split())
    whole = runner.invoke(cli, ["case", "show", "XS-2026-00001"], env=env).stdout
    assert f"纠纷概要  {LONG_SUMMARY}" in whole  # a pipe without COLUMNS: one line


def test_escalate_at_80_columns_breaks_its_count_line_after_a_comma(cases):
    env = {**cases, "MEDIATION_ON_BEHALF_OF": "sup01"}
    code, shown = at_terminal(["escalate"], columns=80, env=env)  # now: the cases of November 2026 are overdue
    assert code == 0, shown
    assert max(widths(shown)) <= 80 and "…" not in shown
    assert "XS-2026-00002" in shown
    assert re.search(r"^\d{4}-\d\d-\d\d 督办：在办案件 \d+ 件，逾期 \d+ 件，新督办 \d+ 件（一级 \d+ 件，二级 \d+ 件），\n"
                     r"无法判断 0 件$", shown, flags=re.M), shown
    whole = CliRunner().invoke(cli, ["escalate"], env={**env, "COLUMNS": None}).stdout
    assert re.search(r"^\d{4}-\d\d-\d\d 督办：在办案件 \d+ 件，.*，无法判断 0 件$", whole, flags=re.M), whole


def test_joined_breaks_a_line_only_after_its_separator(monkeypatch):
    parts = ["在办案件 2 件", "逾期 1 件", "无法判断 0 件"]
    monkeypatch.setenv("COLUMNS", "30")
    assert joined(parts, "，") == "在办案件 2 件，逾期 1 件，\n无法判断 0 件"
    monkeypatch.delenv("COLUMNS")  # a pipe: one line
    assert joined(parts, "，") == "在办案件 2 件，逾期 1 件，无法判断 0 件"
