"""Persisted replay (``mediation replay FILE --db URL``): histories stored as live cases, exactly once."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from mediation import desk
from mediation.cli import cli
from mediation.errors import InputError, NotFound, PermissionDenied
from mediation.replay.dry import dry_run
from mediation.replay.persisted import DIFFERENT, persist
from mediation.replay.pipeline import open_cases
from mediation.replay.plan import HISTORICAL
from mediation.store.schema import cases, events, parties
from tests.conftest import migrated
from tests.crash_support import database_problems, table_rows
from tests.support import AGREEMENT, replay_rows

# a replay's default rejects file goes to the current directory: the test's temp dir
pytestmark = pytest.mark.usefixtures("in_tmp_path")

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT / "examples" / "history-2020.csv"
MALFORMED = ROOT / "examples" / "history-malformed.csv"
NOW = datetime(2026, 11, 27, 12, 0)
COLUMNS = ("case_no", "received_at", "form", "category", "street", "summary", "actual_destination", "taken_at",
           "outcome", "agreement_form", "closed_at")


def write_csv(path: Path, rows: list[dict], columns=COLUMNS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(columns), lineterminator="\n")
        w.writeheader()
        for row in rows:
            w.writerow(row)
    return path


def row(n: int, **history) -> dict:
    """A small oral neighbour dispute (the rules send it to window.mediation), with its history."""
    base = {"case_no": f"XS-2020-{n:05d}", "received_at": "2020-03-02 09:00", "form": "oral",
            "category": "neighbor", "street": "xiangnan", "summary": "邻里噪音（合成示例）"}
    return {**base, **history}


def count(db, table) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def rejects_of(path: Path) -> dict[int, str]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {int(r["line"]): r["reason"] for r in csv.DictReader(f)}


@pytest.fixture
def history(tmp_path) -> Path:
    return Path(shutil.copy(HISTORY, tmp_path / HISTORY.name))


# ----------------------------------------------------------------------------- the example history


def test_the_example_history_is_stored_whole_and_consistent(db, rules, history):
    summary = persist(history, rules, db, operator="sup01", compare=True, now=NOW)
    d = summary.as_dict()
    assert d["read"] == d["routed"] + d["rejected"] == 1847 and d["rejected"] == 0
    stored = d["database"]
    assert stored["stored"] + stored["already_present"] + stored["refused"] == d["routed"]
    assert (stored["stored"], stored["already_present"], stored["refused"]) == (1847, 0, 0)
    assert stored["operator"] == "sup01" and stored["batches"] == 1
    assert count(db, cases) == 1847 and count(db, events) == stored["events"]
    assert count(db, parties) == stored["parties"]
    # every case: events 1..n, version n, state = fold(events), updated_at its last event, counters
    assert database_problems(db) == []
    with db.read() as conn:
        assert set(conn.execute(select(events.c.operator).distinct()).scalars()) == {"sup01"}
        states = dict(conn.execute(select(cases.c.state, func.count()).group_by(cases.c.state)).all())
    assert states["closed"] + states["withdrawn"] + states["rejected"] + states["referred_out"] == 1847
    if db.sqlite:  # the CHECK constraints, verified per statement during the load, hold row by row
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA quick_check").scalar() == "ok"
    # the counters moved past the numbers given: a desk's next case does not collide
    assert desk.register(db, rules, {"form": "口头", "category": "邻里", "street": "东街道", "summary": "s"},
                            operator="clerk01", at=datetime(2020, 12, 31, 17)).case_no == "XS-2020-01848"


def test_the_report_after_a_replay_shows_the_annual_figures(db_url, history):
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--db", db_url]).exit_code == 0
    result = runner.invoke(cli, ["replay", str(history), "--db", db_url, "--operator", "sup01", "--compare",
                                 "--rules", str(ROOT / "rules")])
    assert result.exit_code == 0, result.output
    assert "入库 routed 1847 = 已存入 stored 1847 + 已存在 already present 0 + 拒绝 refused 0" in result.output
    assert "对照 compare" in result.output
    report = runner.invoke(cli, ["report", "--year", "2020", "--db", db_url, "--json",
                                 "--rules", str(ROOT / "rules")])
    assert report.exit_code == 0, report.output
    data = json.loads(report.output)
    assert data["total"] == 1847 and data["forms"] == {"oral": 1292, "written": 555}
    # the replay's 入库 table shows what report counts (where the cases went), the rules' view beside it
    again = runner.invoke(cli, ["replay", str(history), "--db", db_url, "--operator", "sup01", "--json",
                                "--rules", str(ROOT / "rules")])
    stored = json.loads(again.output)["database"]["destinations"]
    assert {k: n for k, n in stored.items() if n and k in data["destinations"]} == \
        {k: n for k, n in data["destinations"].items() if n}
    rows = {line.split()[1]: line.split()[2:] for line in result.output.splitlines()
            if line.startswith("│") and "room." in line for line in [line.replace("│", " ")]}
    general = rows["room.general"]
    assert int(general[0]) == data["destinations"]["room.general"]  # 入库 stored: as report counts
    assert int(general[-1]) == json.loads(again.output)["destinations"]["room.general"]  # 规则 rules
    assert "入库去向" in result.output
    shown = runner.invoke(cli, ["case", "show", "XS-2020-00003", "--db", db_url, "--json",
                                "--rules", str(ROOT / "rules")])
    assert shown.exit_code == 0, shown.output
    case = json.loads(shown.output)
    assert case["state"] == "closed" and case["destination"] == "room.traffic" and case["deadline"] is None
    assert [e["trigger"] for e in case["events"]] == ["register", "review", "divert", "take", "settle", "close"]
    assert all({"at", "trigger", "from", "to", "operator"} <= set(e) for e in case["events"])
    assert case["applicants"][0]["name"] != "测试甲0003"  # masked as for any case


def test_a_second_run_adds_nothing(db, rules, history):
    persist(history, rules, db, operator="sup01", now=NOW, batch_size=500)
    before = table_rows(db)
    again = persist(history, rules, db, operator="sup01", now=NOW, batch_size=500).as_dict()
    assert (again["read"], again["routed"]) == (1847, 1847)
    stored = again["database"]
    assert (stored["stored"], stored["already_present"], stored["refused"], stored["events"]) == (0, 1847, 0, 0)
    assert again["files"]["rejects"] is None
    assert table_rows(db) == before


# ----------------------------------------------------------------------------- events as live cases get them


def _shapes(rules) -> dict[str, object]:
    """One example row (a Routed) of each kind of history the rules agree with."""
    found: dict[str, object] = {}
    for r in replay_rows(open_cases(HISTORY, rules), rules):
        h = r.history
        if r.decision is None:
            kind = r.review.outcome
        elif h.actual_destination != r.decision.destination:
            continue
        else:
            kind = f"{h.outcome}{'-taken' if h.taken_at else ''}{'-' + h.agreement_form if h.agreement_form else ''}"
        found.setdefault(kind, r)
    return found


def _live(db, rules, r) -> None:
    """The case of replayed row ``r`` entered at the desk, step by step, at its historical times."""
    case, h = r.case, r.history
    at = case.received_at
    desk.register(db, rules, case, operator="sup01", at=at)
    desk.review(db, rules, case.case_no, operator="sup01", at=at)
    if r.decision is None:
        return
    desk.divert(db, rules, case.case_no, operator="sup01", at=at)
    if h.taken_at:
        desk.take(db, rules, case.case_no, operator="sup01", at=h.taken_at)
    contents = AGREEMENT if h.agreement_form == "written" else None
    step = {"settled": lambda **kw: desk.settle(agreement_form=h.agreement_form, agreement=contents, **kw),
            "unsettled": lambda **kw: desk.fail(routes=["arbitration"] if case.category == "labor"
                                                   else ["litigation"], **kw),
            "served": desk.serve, "withdrawn": desk.withdraw}.get(h.outcome)
    if step is not None:
        step(db=db, rules=rules, case_no=case.case_no, operator="sup01", at=h.closed_at)
    if h.outcome in ("settled", "unsettled", "served"):
        desk.close(db, rules, case.case_no, operator="sup01", at=h.closed_at)


def test_events_are_those_a_desk_writes(db, rules, tmp_path, history):
    shapes = _shapes(rules)
    assert {"rejected", "referred_out", "settled-taken-written", "settled-taken-oral", "unsettled-taken",
            "served-taken", "withdrawn", "withdrawn-taken"} <= set(shapes)
    persist(history, rules, db, operator="sup01", now=NOW)
    live_db = migrated(f"sqlite:///{tmp_path / 'desk.db'}")
    try:
        for kind, r in shapes.items():
            _live(live_db, rules, r)
            replayed, live = desk.show(db, r.case.case_no), desk.show(live_db, r.case.case_no)
            assert replayed.row == live.row, kind
            assert [{k: v for k, v in p.items() if k != "id"} for p in replayed.parties] == [
                {k: v for k, v in p.items() if k != "id"} for p in live.parties], kind
            assert len(replayed.events) == len(live.events), kind
            for mine, theirs in zip(replayed.events, live.events, strict=True):
                plain = ("seq", "at", "operator", "trigger", "from_state", "to_state", "destination", "rule",
                         "rules_digest", "reason")
                assert {k: mine[k] for k in plain} == {k: theirs[k] for k in plain}, (kind, mine["trigger"])
                d, dd = mine["details"], theirs["details"]
                if mine["trigger"] == "register":
                    assert dd is None and set(d) == {"replay"}
                    assert d["replay"]["file"] == HISTORY.name and len(d["replay"]["content"]) == len("keyed:") + 32
                elif mine["trigger"] == "divert":  # the desk also keeps the explanation
                    assert d == {"decision": dd["decision"]} and "explanation" in dd
                elif mine["trigger"] == "fail":
                    assert d == dict(dd, routes_assumed=True)
                elif mine["trigger"] == "settle":  # a history holds no agreement's contents
                    assert d == {k: v for k, v in dd.items() if k != "agreement"}
                else:
                    assert d == dd, (kind, mine["trigger"])
    finally:
        live_db.dispose()


def test_a_case_that_went_elsewhere_is_stored_where_it_went(db, rules, tmp_path):
    # the rules send this case to window.mediation; history says room.general (settled there)
    path = write_csv(tmp_path / "h.csv", [row(1, actual_destination="room.general", taken_at="2020-03-02 10:00",
                                              outcome="settled", agreement_form="oral", closed_at="2020-03-20 15:00"),
                                          row(2, actual_destination="rejected"),
                                          row(3, actual_destination="referred_out:duji")])
    d = persist(path, rules, db, operator="sup01", now=NOW, compare=True).as_dict()
    assert d["compare"]["disagreed"] == 3 and d["database"]["stored"] == 3
    general = desk.show(db, "XS-2020-00001")
    assert (general.state, general.row["destination"], general.row["outcome"]) == ("closed", "room.general", "settled")
    divert = general.events[2]
    assert (divert["trigger"], divert["destination"], divert["rule"]) == ("divert", "room.general", "small_oral")
    assert divert["reason"].startswith(HISTORICAL) and "window.mediation" in divert["reason"]
    assert divert["details"]["historical"] == {"routed": "window.mediation"}
    assert divert["details"]["decision"]["destination"] == "window.mediation"
    rejected = desk.show(db, "XS-2020-00002")
    assert rejected.state == "rejected" and rejected.events[2]["details"]["historical"] == {"routed": "window.mediation"}
    referred = desk.show(db, "XS-2020-00003")
    assert referred.state == "referred_out" and referred.events[2]["details"]["to"] == "duji"
    assert database_problems(db) == []


# ----------------------------------------------------------------------------- refused rows


IMPOSSIBLE = {
    # line: (the row's history, what the reason says)
    2: (dict(actual_destination="window.mediation", taken_at="2020-03-02 09:10", outcome="settled",
             agreement_form="oral", closed_at="2020-03-02 10:00"), "settle is for mediation rooms"),
    3: (dict(actual_destination="room.general", taken_at="2020-03-05 09:00", outcome="settled",
             agreement_form="written", closed_at="2020-03-04 09:00"), "closed_at 2020-03-04T09:00:00 lies before taken_at"),
    4: (dict(actual_destination="room.general", taken_at="2020-03-01 09:00"), "taken_at 2020-03-01T09:00:00 lies before"),
    5: (dict(actual_destination="room.general", taken_at="2020-03-02 10:00", outcome="unsettled"),
        "outcome unsettled given without closed_at"),
    6: (dict(actual_destination="room.general", closed_at="2020-03-09 10:00"), "closed_at given without an outcome"),
    7: (dict(actual_destination="room.general", taken_at="2020-03-02 10:00", outcome="unsettled",
             agreement_form="oral", closed_at="2020-03-09 10:00"), "agreement_form oral given for a case not settled"),
    8: (dict(actual_destination="room.general", taken_at="2020-03-02 10:00", outcome="settled",
             closed_at="2020-03-09 10:00"), "settle needs agreement_form"),
    9: (dict(actual_destination="room.general", taken_at="2020-03-02 10:00", outcome="served",
             closed_at="2020-03-09 10:00"), "serve is for windows"),
    10: (dict(actual_destination="rejected", taken_at="2020-03-02 10:00"), "taken_at given for a case rejected"),
    11: (dict(actual_destination="room.general", outcome="settled", agreement_form="oral",
              closed_at="2020-03-09 10:00"), "cannot settle a case that is diverted"),
    12: (dict(actual_destination="room.general", taken_at="2020-03-02 10:00", outcome="withdrawn",
              closed_at="2031-01-01 10:00"), "closed_at 2031-01-01T10:00:00 lies in the future"),
    13: (dict(case_no=""), "a persisted replay needs case_no"),
    14: (dict(received_at=""), "received_at is empty"),  # rejected, as by a dry run: not routed
}


def test_impossible_histories_go_to_the_rejects_and_nothing_of_them_is_written(db, rules, tmp_path):
    rows = [row(line, **history) for line, (history, _) in IMPOSSIBLE.items()]
    rows.append(row(99, actual_destination="room.general", taken_at="2020-03-02 10:00", outcome="withdrawn",
                    closed_at="2020-03-03 10:00"))  # possible
    path = write_csv(tmp_path / "h.csv", rows)
    d = persist(path, rules, db, operator="sup01", now=NOW).as_dict()
    assert (d["read"], d["routed"], d["rejected"], d["refused"]) == (14, 13, 1, 11)
    assert d["database"]["stored"] == 1 and d["database"]["refused"] == 11 and d["database"]["unnumbered"] == 1
    # the dry run counts the same rows the same way
    s = dry_run(path, rules, now=NOW, rejects=tmp_path / "dry.rejects.csv")
    assert (s.read, s.routed, s.rejected, s.refused) == (14, 13, 1, 11)
    reasons = rejects_of(Path(d["files"]["rejects"]))
    assert set(reasons) == set(IMPOSSIBLE)
    for line, (_, expected) in IMPOSSIBLE.items():
        assert expected in reasons[line], (line, reasons[line])
    assert count(db, cases) == 1 and desk.show(db, "XS-2020-00099").state == "withdrawn"
    assert database_problems(db) == []


def test_a_case_stored_with_different_content_is_reported_and_left_alone(db, rules, tmp_path):
    first = write_csv(tmp_path / "a.csv", [row(1), row(2)])
    persist(first, rules, db, operator="sup01", now=NOW)
    before = table_rows(db)
    changed = dict(row(2), summary="邻里漏水（合成示例）")
    second = write_csv(tmp_path / "b.csv", [row(1), changed, row(3), dict(row(3), street="dongjie")])
    d = persist(second, rules, db, operator="sup01", now=NOW).as_dict()["database"]
    assert (d["stored"], d["already_present"], d["refused"], d["conflicts"]) == (1, 1, 0, 2)
    reasons = rejects_of(tmp_path / "b.rejects.csv")
    assert reasons[3] == DIFFERENT
    assert reasons[5].startswith(DIFFERENT) and "line 4 of this file" in reasons[5]
    after = table_rows(db)
    assert [r for r in after["cases"] if r["case_no"] != "XS-2020-00003"] == before["cases"]
    assert desk.show(db, "XS-2020-00003").row["street"] == "xiangnan"


def test_a_desk_registered_case_with_the_same_number_is_not_overwritten(db, rules, tmp_path):
    desk.register(db, rules, {"case_no": "XS-2020-00001", "form": "口头", "category": "邻里", "street": "相南街道",
                                 "summary": "邻里噪音（合成示例）", "received_at": "2020-03-02 09:00"},
                     operator="clerk01", at=datetime(2020, 3, 2, 9, 0))
    path = write_csv(tmp_path / "h.csv", [row(1)])
    d = persist(path, rules, db, operator="sup01", now=NOW).as_dict()["database"]
    assert (d["stored"], d["refused"], d["conflicts"]) == (0, 0, 1)
    assert rejects_of(tmp_path / "h.rejects.csv") == {2: DIFFERENT}
    assert desk.show(db, "XS-2020-00001").state == "registered"


def test_unreadable_rows_and_refused_rows_share_the_rejects_file_in_line_order(db, rules, tmp_path):
    path = Path(shutil.copy(MALFORMED, tmp_path / MALFORMED.name))
    d = persist(path, rules, db, operator="sup01", now=NOW).as_dict()
    assert (d["read"], d["routed"], d["rejected"]) == (16, 5, 11)
    assert d["database"]["stored"] + d["database"]["refused"] == 5 and d["refused"] == d["database"]["refused"]
    lines = list(rejects_of(Path(d["files"]["rejects"])))
    assert lines == sorted(lines) and len(lines) == 11 + d["database"]["refused"]


# ----------------------------------------------------------------------------- who, and the CLI


@pytest.mark.parametrize("operator, error, words", [
    (None, InputError, "this needs an operator"),
    ("nobody", NotFound, "unknown operator"),
    ("clerk01", PermissionDenied, "only supervisors may"),
    ("med_general", PermissionDenied, "only supervisors may"),
])
def test_only_a_supervisor_imports_a_history(db, rules, history, operator, error, words):
    with pytest.raises(error, match=words):
        persist(history, rules, db, operator=operator, now=NOW)
    assert count(db, cases) == count(db, events) == 0


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, ["replay", *args, "--rules", str(ROOT / "rules")], env=env)


def test_cli_refusals_write_nothing(db, db_url, history):
    for args, words in ((["--operator", "clerk01"], "--operator clerk01 不是您"),
                        (["--operator", "sup01", "--workers", "2"], "--workers is for dry runs"),
                        (["--operator", "sup01", "--as-of", "2020-06-01"], "--as-of is for dry runs")):
        result = run(str(history), "--db", db_url, *args, env={"MEDIATION_OPERATOR": ""})
        assert result.exit_code == 2 and words in result.output, (args, result.output)
    assert count(db, cases) == 0
    no_numbers = history.parent / "no-numbers.csv"
    with open(history, encoding="utf-8") as f, open(no_numbers, "w", encoding="utf-8") as out:
        for line in f:
            out.write(line.split(",", 1)[1])
    result = run(str(no_numbers), "--db", db_url, "--operator", "sup01")
    assert result.exit_code == 2 and "needs a case_no" in result.output


def test_cli_operator_from_the_environment_and_json(db, db_url, history):
    result = run(str(history), "--db", db_url, "--json", "--batch", "700", env={"MEDIATION_OPERATOR": "sup01"})
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["read"] == data["routed"] + data["rejected"] == 1847
    assert data["database"] == {"url": data["database"]["url"], "operator": "sup01", "stored": 1847,
                                "already_present": 0, "refused": 0, "conflicts": 0, "unnumbered": 0,
                                "events": count(db, events),
                                "parties": count(db, parties), "batches": 3, "batch_size": 700,
                                "destinations": data["database"]["destinations"]}
    assert sum(data["database"]["destinations"].values()) == 1847
    again = json.loads(run(str(history), "--db", db_url, "--json", env={"MEDIATION_OPERATOR": "sup01"}).output)
    assert (again["database"]["stored"], again["database"]["already_present"]) == (0, 1847)


def test_an_uninitialised_database_is_one_line(tmp_path, history):
    result = run(str(history), "--db", str(tmp_path / "none.db"), "--operator", "sup01")
    # issue 13, point 8: the init that creates the file named, not ./mediation.db
    assert result.exit_code == 1 and f"run `mediation init --db {tmp_path / 'none.db'}`" in result.output


# ----------------------------------------------------------------------------- stored as SQLAlchemy stores


def test_bulk_rows_are_stored_exactly_as_sqlalchemy_stores_them(db, rules):
    """A case inserted as prepared tuples reads back, raw, as the same case inserted through SQLAlchemy."""
    from mediation.store.bulk import CaseInsert, bulk_format, insert_rows
    from mediation.store.records import case_row, event_row, insert_case, party_rows

    data = {"form": "书面", "category": "医疗", "street": "相南街道", "summary": "s", "amount": "86000.5",
            "received_at": "2020-03-02 09:00", "petition": "是", "applicant_name": "张三",
            "respondents": [{"name": "李四", "phone": "13812345678"}]}
    from mediation.cases import parse_case

    case = parse_case(data, rules)
    at = case.received_at
    items = []
    for no in ("XS-2020-00001", "XS-2020-00002"):
        evs = [event_row("register", None, "registered", at=at, operator="sup01", rules_digest=rules.digest),
               event_row("review", "registered", "under_review", at=at, operator="sup01", rule="accept",
                         details={"outcome": "accepted", "to": None, "note": "十"})]
        items.append(CaseInsert(case_row(case, case_no=no, at=at, rules_digest=rules.digest,
                                         state="under_review"), party_rows(case, no), evs))
    with db.write() as conn:
        insert_case(conn, items[0].row, items[0].parties, items[0].events)  # SQLAlchemy's statements
        fmt = bulk_format(conn)
        item = items[1]
        row = dict(item.row, version=2, updated_at=at)
        insert_rows(conn, [fmt.case(row)], [fmt.party(dict(p, case_no="XS-2020-00002")) for p in item.parties],
                    [fmt.event(dict(e, case_no="XS-2020-00002", seq=n)) for n, e in enumerate(item.events, 1)])
    mark = "?" if db.sqlite else "%s"
    with db.engine.connect() as conn:
        for table in (cases, parties, events):
            names = [c.name for c in table.c if c.name not in ("id", "case_no")]
            shown = ", ".join(f'typeof("{c}"), "{c}"' if db.sqlite else f'"{c}"' for c in names)
            sql = f"SELECT {shown} FROM {table.name} WHERE case_no = {mark}"
            through_sqlalchemy = sorted(conn.exec_driver_sql(sql, ("XS-2020-00001",)).all(), key=repr)
            prepared = sorted(conn.exec_driver_sql(sql, ("XS-2020-00002",)).all(), key=repr)
            assert prepared == through_sqlalchemy and prepared, table.name


def test_a_value_a_check_constraint_refuses_fails_the_batch_on_a_bulk_connection(db, rules):
    from sqlalchemy.exc import IntegrityError

    from mediation.cases import parse_case
    from mediation.store.bulk import bulk_connection, bulk_format, insert_rows
    from mediation.store.records import case_row, event_row

    case = parse_case(row(1), rules)
    at = case.received_at
    with bulk_connection(db) as conn:
        fmt = bulk_format(conn)
        good = fmt.case(dict(case_row(case, case_no="XS-2020-00001", at=at, rules_digest="d"), version=1))
        bad = fmt.case(dict(case_row(case, case_no="XS-2020-00002", at=at, rules_digest="d", state="lost"),
                            version=1))
        register = [fmt.event(dict(event_row("register", None, "registered", at=at, operator="sup01"),
                                   case_no=no, seq=1)) for no in ("XS-2020-00001", "XS-2020-00002")]
        with pytest.raises(IntegrityError, match="state"), conn.begin():
            insert_rows(conn, [good, bad], [], register)
        wrong = [fmt.event(dict(event_row("take", None, "registered", at=at, operator="sup01"),
                                case_no="XS-2020-00001", seq=1))]
        with pytest.raises(IntegrityError), conn.begin():
            insert_rows(conn, [good], [], wrong)
    assert count(db, cases) == count(db, events) == 0
    if db.sqlite:
        with db.engine.connect() as conn:  # the pragmas are back as they were
            assert conn.exec_driver_sql("PRAGMA ignore_check_constraints").scalar() == 0


def test_the_same_cases_as_json_lines_are_the_same_content(db, rules, tmp_path, history):
    """The content digest is of the cases read, not of the text: a JSON Lines copy is already there."""
    jsonl = tmp_path / "history-2020.jsonl"
    with open(history, encoding="utf-8", newline="") as f, open(jsonl, "w", encoding="utf-8") as out:
        for record in csv.DictReader(f):
            out.write(json.dumps({k: v for k, v in record.items() if v != ""}, ensure_ascii=False) + "\n")
    persist(history, rules, db, operator="sup01", now=NOW)
    d = persist(jsonl, rules, db, operator="sup01", now=NOW, out=tmp_path / "results.jsonl").as_dict()
    assert (d["read"], d["rejected"]) == (1847, 0)
    assert (d["database"]["stored"], d["database"]["already_present"]) == (0, 1847)
    results = (tmp_path / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(results) == 1847 and json.loads(results[0])["case_no"] == "XS-2020-00001"


def test_the_persisted_summary_counts_as_the_dry_run_does(db, rules, history):
    from mediation.replay.dry import dry_run

    dry = dry_run(history, rules, compare=True).as_dict()
    stored = persist(history, rules, db, operator="sup01", compare=True, now=NOW).as_dict()
    for key in ("read", "routed", "rejected", "review", "destinations", "referred_to", "rules_hit", "units",
                "compare"):
        assert stored[key] == dry[key], key


def test_strict_exits_1_when_a_row_was_not_stored(db, db_url, tmp_path):
    clean = write_csv(tmp_path / "clean.csv", [row(1), row(2)])
    result = run(str(clean), "--db", db_url, "--operator", "sup01", "--strict")
    assert result.exit_code == 0, result.output
    clash = write_csv(tmp_path / "clash.csv", [row(3), dict(row(1), summary="邻里漏水（合成示例）")])
    result = run(str(clash), "--db", db_url, "--operator", "sup01", "--strict", "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert (data["database"]["stored"], data["database"]["conflicts"]) == (1, 1)
    assert (tmp_path / "clash.rejects.csv").exists()  # in the current directory: the test's temp dir
