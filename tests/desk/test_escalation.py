"""督办 (mediation.desk.escalation): levels at their exact boundary days, idempotence, resets,
concurrency, and cases the working-day calendar cannot judge."""

from __future__ import annotations

import threading
from datetime import date, datetime, time

import pytest

from mediation import clock, desk
from mediation.deadlines import calendar_of
from mediation.deadlines.overdue import calendar_warning, lateness, missing_years
from mediation.desk.escalation import escalate
from mediation.errors import PermissionDenied, Refused

# Registered Friday 25 September 2020: review due Tuesday 29 September (Sunday 27th
# is a make-up workday). Working days after that: 30 September (1), then the
# National Day holiday 1-8 October, Friday 9 October (2), Saturday 10 October
# (make-up workday, 3), 12 (4), 13 (5), 14 October (6: more than 5 -> level 2).
REGISTERED = datetime(2020, 9, 25, 9, 0)
DUE = date(2020, 9, 29)


def row(rules, **over):
    base = {"state": "registered", "stage_at": REGISTERED, "category": "neighbor", "destination": None,
            "extension_days": 0}
    base.update(over)
    return base


@pytest.mark.parametrize(("day", "level", "days", "working"), [
    (date(2020, 9, 29), 0, 0, 0),      # the deadline itself
    (date(2020, 9, 30), 1, 1, 1),      # any day after it
    (date(2020, 10, 8), 1, 9, 1),      # the whole holiday adds no working day
    (date(2020, 10, 10), 1, 11, 3),    # Saturday make-up workday counts
    (date(2020, 10, 13), 1, 14, 5),    # 5 working days overdue: still level 1
    (date(2020, 10, 14), 2, 15, 6),    # more than 5: level 2
])
def test_levels_at_their_boundary_days(rules, day, level, days, working):
    late = lateness(row(rules), rules, day)
    assert late.deadline.due == DUE
    assert (late.level, late.days if level else 0, late.working_days if level else 0) == (
        level, days if level else 0, working if level else 0)


def test_no_limit_no_lateness(rules):
    for state in ("served", "closed", "rejected"):
        assert lateness(row(rules, state=state), rules, date(2030, 1, 1)).level == 0


def test_a_deadline_through_a_provisional_year_is_judged_and_marked(rules):
    # Registered Wednesday 30 December 2026: 3 working days run into 2027, whose holidays nobody
    # has entered: Monday to Friday (docs/design.md §3), so Friday 1 January counts; the deadline is 暂定.
    late = lateness(row(rules, stage_at=datetime(2026, 12, 30, 9)), rules, date(2026, 12, 31))
    assert (late.level, late.deadline.due, late.provisional_years) == (0, date(2027, 1, 4), (2027,))
    # A final deadline (29 December 2026) passed: the working days overdue in 2027 are provisional.
    late = lateness(row(rules, stage_at=datetime(2026, 12, 24, 9)), rules, date(2027, 1, 5))
    assert (late.deadline.due, late.deadline.provisional, late.level, late.working_days) == (
        date(2026, 12, 29), False, 1, 5)
    assert late.provisional_years == (2027,) and late.error is None


def test_a_deadline_before_the_calendar_is_unknown_not_guessed(rules):
    late = lateness(row(rules, stage_at=datetime(2003, 5, 6, 9)), rules, date(2003, 6, 1))
    assert (late.level, late.deadline) == (None, None) and "2003" in late.error


def test_the_warning_names_the_year_and_the_file():
    err = ("no working-day calendar for 2027 (date 2026-12-28, reached counting 3 working days after "
           "2026-12-28; known: 2004–2026): add the year's holidays and make-up workdays under "
           "`years: 2027:` in rules/calendar.yaml")
    assert missing_years([err, err, None]) == [2027]
    line = calendar_warning([err, err])
    assert line == ("deadline unknown for 2 cases: no working-day calendar for 2027: add the year's holidays "
                    "and make-up workdays under `years: 2027:` in rules/calendar.yaml")
    assert "\n" not in line and calendar_warning([]) is None


# ----------------------------------------------------------------------- recording


def register(db, rules, at=REGISTERED, **over):
    data = {"form": "口头", "category": "邻里", "street": "东街道", "summary": "楼上漏水（合成示例）"}
    data.update(over)
    return desk.register(db, rules, data, operator="clerk01", at=at).case_no


def esc(db, rules, day: date):
    """Escalate as of ``day``, recorded that evening (so that later paper records may follow)."""
    return escalate(db, rules, operator="sup01", as_of=day, at=datetime.combine(day, time(18)))


def escalations(db, no):
    return [e for e in desk.show(db, no).events if e["trigger"] == "escalate"]


def test_level_1_then_2_each_recorded_once(db, rules):
    no = register(db, rules)
    assert esc(db, rules, date(2020, 9, 29)).raised == []
    run = esc(db, rules, date(2020, 9, 30))
    assert [(r.case_no, r.previous, r.level, r.deadline) for r in run.raised] == [(no, 0, 1, DUE)]
    assert (run.checked, run.overdue, run.unchanged) == (1, 1, 0)
    assert esc(db, rules, date(2020, 10, 13)).raised == []  # still level 1
    run = esc(db, rules, date(2020, 10, 14))
    assert [(r.previous, r.level, r.days_overdue, r.working_days_overdue) for r in run.raised] == [(1, 2, 15, 6)]
    rec = desk.show(db, no)
    assert rec.row["escalation"] == 2 and rec.state == "registered"
    evs = escalations(db, no)
    assert [(e["from_state"], e["to_state"], e["details"]["level"]) for e in evs] == [
        ("registered", "registered", 1), ("registered", "registered", 2)]
    assert evs[-1]["details"] == {"level": 2, "previous": 1, "stage": "review", "deadline": "2020-09-29",
                                  "as_of": "2020-10-14", "days_overdue": 15, "working_days_overdue": 6,
                                  "provisional": False}
    assert evs[-1]["operator"] == "sup01" and evs[-1]["reason"] == "二级督办：受理审查逾期15天"
    from mediation.lifecycle import fold

    assert fold(rec.events) == rec.state and rec.version == len(rec.events)


def test_running_twice_changes_nothing(db, rules):
    nos = [register(db, rules), register(db, rules, at=datetime(2020, 10, 9, 9))]
    first = esc(db, rules, date(2020, 10, 20))
    assert sorted((r.case_no, r.level) for r in first.raised) == [(nos[0], 2), (nos[1], 1)]
    versions = [desk.show(db, no).version for no in nos]
    again = esc(db, rules, date(2020, 10, 20))
    assert again.raised == [] and (again.overdue, again.unchanged) == (2, 2)
    assert [desk.show(db, no).version for no in nos] == versions
    # straight to level 2 when first run late: one event
    assert [e["details"]["level"] for e in escalations(db, nos[0])] == [2]


def test_a_new_stage_starts_again_at_level_0(db, rules):
    no = register(db, rules)
    esc(db, rules, date(2020, 9, 30))
    desk.review(db, rules, no, operator="clerk01", at=datetime(2020, 10, 9, 9))
    assert desk.show(db, no).row["escalation"] == 1  # reviewing stays in the review stage
    rec = desk.divert(db, rules, no, operator="clerk01", at=datetime(2020, 10, 9, 10))
    assert rec.row["escalation"] == 0
    # take-up due 12 October (9 October + 2 working days: Saturday 10 and Monday 12 October)
    run = esc(db, rules, date(2020, 10, 14))
    assert [(r.stage, r.deadline, r.level) for r in run.raised] == [("take_up", date(2020, 10, 12), 1)]


def test_an_extension_moves_the_deadline_and_resets_the_level(db, rules):
    no = register(db, rules, category="医疗")
    desk.review(db, rules, no, operator="clerk01", at=datetime(2020, 9, 25, 10))
    desk.divert(db, rules, no, operator="clerk01", at=datetime(2020, 9, 25, 11))
    desk.take(db, rules, no, operator="med_medical", at=datetime(2020, 9, 28, 9))
    # mediation: 30 calendar days from taking up -> 28 October
    run = esc(db, rules, date(2020, 10, 29))
    assert [(r.stage, r.deadline, r.level) for r in run.raised] == [("mediation", date(2020, 10, 28), 1)]
    rec = desk.extend(db, rules, no, days=10, consent=True, operator="med_medical",
                      at=datetime(2020, 10, 30, 9))
    assert rec.row["escalation"] == 0
    assert esc(db, rules, date(2020, 11, 7)).raised == []  # due 7 November
    run = esc(db, rules, date(2020, 11, 8))
    assert [(r.deadline, r.level) for r in run.raised] == [(date(2020, 11, 7), 1)]


def test_only_supervisors_and_not_ahead(db, rules):
    register(db, rules)
    with pytest.raises(PermissionDenied, match="only supervisors"):
        escalate(db, rules, operator="clerk01")
    with pytest.raises(Refused, match="lies after"):
        escalate(db, rules, operator="sup01", as_of=date(2020, 10, 14), at=datetime(2020, 10, 13, 18))
    with pytest.raises(Refused, match="future"):
        escalate(db, rules, operator="sup01", at=datetime(2099, 1, 1))


def test_a_past_day_is_recorded_at_its_end_unless_told(db, rules):
    no = register(db, rules)
    run = escalate(db, rules, operator="sup01", as_of=date(2020, 9, 30))
    assert run.at == datetime(2020, 9, 30, 23, 59, 59) and [r.case_no for r in run.raised] == [no]
    assert escalations(db, no)[0]["at"] == datetime(2020, 9, 30, 23, 59, 59)
    desk.review(db, rules, no, operator="clerk01", at=datetime(2020, 10, 9, 9))  # paper records follow
    today = escalate(db, rules, operator="sup01")
    assert today.as_of == today.at.date() == clock.today()


def test_a_case_changed_after_the_time_of_escalation_is_left_alone(db, rules):
    no = register(db, rules)
    desk.review(db, rules, no, operator="clerk01", at=datetime(2020, 10, 12, 9))
    run = escalate(db, rules, operator="sup01", as_of=date(2020, 10, 9), at=datetime(2020, 10, 9, 18))
    assert run.raised == [] and [u.case_no for u in run.not_checkable] == [no]
    assert "lies after the time of escalation" in run.not_checkable[0].reason


def test_cases_the_calendar_cannot_judge_are_counted_and_listed(db, rules):
    # A paper record of 2003: the calendar knows 2004 onwards.
    old = register(db, rules, at=datetime(2003, 5, 6, 9))
    judged = register(db, rules)
    run = esc(db, rules, date(2020, 10, 14))
    assert [r.case_no for r in run.raised] == [judged]
    assert [(u.case_no, u.state) for u in run.not_checkable] == [(old, "registered")]
    assert "no working-day calendar for 2003" in run.not_checkable[0].reason
    assert desk.show(db, old).row["escalation"] == 0 and escalations(db, old) == []
    assert run.as_dict()["not_checkable"][0]["case_no"] == old


@pytest.mark.parametrize("workers", [2])
def test_concurrent_runs_record_each_rise_once(db, rules, workers):
    nos = [register(db, rules) for _ in range(6)]
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait()
            esc(db, rules, date(2020, 10, 20))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for no in nos:
        rec = desk.show(db, no)
        assert [e["details"]["level"] for e in escalations(db, no)] == [2]
        assert rec.version == len(rec.events) == 2


def test_a_concurrent_change_is_read_again_not_lost(db, rules, monkeypatch):
    import mediation.desk.escalation as escalating
    from mediation.errors import ConcurrentUpdate

    no = register(db, rules)
    real = escalating.append
    calls = []

    def flaky(conn, case_no, version, changes, events):
        calls.append(case_no)
        if len(calls) == 1:  # another desk got there first: nothing was written
            raise ConcurrentUpdate(f"{case_no} was changed by someone else")
        return real(conn, case_no, version, changes, events)

    monkeypatch.setattr(escalating, "append", flaky)
    run = esc(db, rules, date(2020, 9, 30))
    assert calls == [no, no] and [r.level for r in run.raised] == [1]
    assert [e["details"]["level"] for e in escalations(db, no)] == [1]


# ----------------------------------------------------------------------- the CLI


@pytest.fixture
def cli_run(db):
    from click.testing import CliRunner

    from mediation.cli import cli

    runner = CliRunner()

    def run(*args: str, code: int = 0, operator: str | None = "sup01"):
        result = runner.invoke(cli, list(args), env={"MEDIATION_DB": db.url, "MEDIATION_ON_BEHALF_OF": operator})
        assert result.exit_code == code, (result.stdout, result.stderr)
        return result

    return run


def test_cli_escalate_then_list_overdue_and_queue(db, rules, cli_run):
    import json

    late = register(db, rules)
    desk.review(db, rules, late, operator="clerk01", at=datetime(2020, 9, 25, 10))
    desk.divert(db, rules, late, operator="clerk01", at=datetime(2020, 9, 25, 11))  # take up due Monday 28 September (Sunday 27th is a workday)
    fresh = register(db, rules, at=datetime(2020, 10, 13, 9))
    out = cli_run("escalate", "--as-of", "2020-10-14", "--at", "2020-10-14T18:00").stdout
    assert late in out and "分流承办" in out and "0 → 2" in out and fresh not in out.split("督办：")[0]
    assert "在办案件 2 件，逾期 1 件，新督办 1 件（一级 0 件，二级 1 件），无法判断 0 件" in out
    data = json.loads(cli_run("escalate", "--as-of", "2020-10-14", "--at", "2020-10-14T18:05", "--json").stdout)
    assert (data["raised"], data["overdue"], data["unchanged"]) == ([], 1, 1)

    page = json.loads(cli_run("case", "list", "--overdue", "--as-of", "2020-10-14", "--json").stdout)
    assert [c["case_no"] for c in page["cases"]] == [late] and page["total"] == 1
    view = page["cases"][0]
    assert (view["deadline"], view["escalation"], view["overdue_days"], view["overdue_working_days"]) == (
        "2020-09-28", 2, 16, 7)
    table = cli_run("case", "list", "--overdue", "--as-of", "2020-10-14").stdout
    assert "逾期" in table and "督办" in table and "16天/7工作日" in table and fresh not in table
    queue = cli_run("queue", "综合调解窗口", "--as-of", "2020-10-14").stdout
    assert "16天/7工作日" in queue and "逾期 1 件" in queue
    assert json.loads(cli_run("case", "list", "--overdue", "--as-of", "2020-09-28", "--json").stdout)["total"] == 0


def test_cli_escalate_needs_a_supervisor_and_an_operator(db, rules, cli_run):
    register(db, rules)
    err = cli_run("escalate", code=2, operator="clerk01").stderr
    assert err == "mediation: error: clerk01（登记员）不能督办 (escalate)：只有督办员可以\n"
    assert "--operator clerk01 不是您" in cli_run("escalate", "--operator", "clerk01", code=2, operator=None).stderr
    assert "--as-of 'soon' 不是日期" in cli_run("escalate", "--as-of", "soon", code=2).stderr


def test_cli_unknown_deadlines_warn_once(db, rules, cli_run):
    for _ in range(2):
        register(db, rules, at=datetime(2003, 5, 6, 9))
    result = cli_run("case", "list")
    assert result.stdout.count("未知") == 2
    warnings = result.stderr.splitlines()
    assert warnings == ["mediation: warning: 2 件案件的期限无法计算：工作日历没有 2003 年。下一步: 在 "
                        f"{calendar_of(rules).file} 的 `years: 2003:` 下录入该年的放假和调休上班日"]
    shown = cli_run("case", "show", "XS-2003-00001")
    assert "期限 未知" in " ".join(shown.stdout.split()) and len(shown.stderr.splitlines()) == 1
    overdue = cli_run("case", "list", "--overdue", "--as-of", "2003-12-31", "--json")
    import json

    data = json.loads(overdue.stdout)
    assert data["total"] == 0 and [u["case_no"] for u in data["unknown"]] == ["XS-2003-00002", "XS-2003-00001"]  # newest first
    assert "2 件案件的期限无法计算" in overdue.stderr
    esc_out = cli_run("escalate", "--as-of", "2003-12-31", "--at", "2003-12-31T18:00")
    assert "无法判断 2 件" in esc_out.stdout and "XS-2003-00002" in esc_out.stdout
    assert esc_out.stderr.startswith("mediation: warning: 2 件案件无法判断是否逾期：工作日历没有 2003 年")


def test_a_case_of_late_december_2026_has_a_provisional_deadline(db, rules, cli_run):
    """Registered Wednesday 30 December 2026: its review limit runs into 2027, which no calendar knows yet
    (issue 12, point 2; docs/design.md §3): computed Monday to Friday and marked 暂定 wherever shown."""
    import json

    from mediation.cases import parse_case
    from mediation.store.records import case_row, event_row, insert_case

    at = datetime(2026, 12, 30, 9)
    case = parse_case({"form": "口头", "category": "邻里", "street": "东街道", "summary": "年末纠纷（合成示例）",
                       "received_at": at.isoformat()}, rules, now=at)
    no = "XS-2026-00001"
    with db.write() as conn:  # stored directly: the service refuses a time in the future
        insert_case(conn, case_row(case, case_no=no, at=at, rules_digest=rules.digest), [],
                    [event_row("register", None, "registered", at=at, operator="clerk01")])
    view = json.loads(cli_run("case", "show", no, "--json").stdout)
    assert (view["deadline"], view["deadline_provisional"]) == ("2027-01-04", True)
    assert "deadline_error" not in view
    for args in (["case", "show", no], ["case", "list"], ["case", "list", "--overdue", "--as-of", "2027-02-01"],
                 ["case", "list", "--json"]):
        result = cli_run(*args)
        assert result.stderr.count("\n") == 1, result.stderr
        assert "经过 2027 年计算的期限是暂定的" in result.stderr
        assert "calendar.yaml 的 `years: 2027:` 下录入" in result.stderr
    assert "2027-01-04 暂定" in cli_run("case", "list").stdout
    assert "2027-01-04（受理审查，暂定）" in cli_run("case", "show", no).stdout
    listed = json.loads(cli_run("case", "list", "--overdue", "--as-of", "2027-02-01", "--json").stdout)
    [line] = listed["cases"]
    assert (line["deadline_provisional"], line["overdue_days"], line["overdue_working_days"],
            line["overdue_provisional"]) == (True, 28, 20, True)
    assert listed["unknown"] == []
