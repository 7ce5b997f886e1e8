"""Issue 11, point 1, at the desk: a paper number far beyond the desk's counter (a likely typo)
is asked about at a terminal and warned about otherwise; the year's numbers running out is
one line, exit 2; a paper number at the year's end blocks no registration."""

from __future__ import annotations

from click.testing import CliRunner

from mediation.cli import cli
from mediation.store.numbers import MAX_SEQ
from mediation.store.schema import case_numbers

ARGS = ["case", "register", "--form", "口头", "--category", "邻里", "--street", "东街道", "--summary",
        "噪音（合成示例）", "--at", "2020-06-01T10:00"]


def run(db_url, *args, stdin=None):
    return CliRunner().invoke(cli, list(args), input=stdin,
                              env={"MEDIATION_DB": db_url, "MEDIATION_ON_BEHALF_OF": "clerk01"})


def test_the_attack_a_paper_number_at_the_years_end_then_desk_registrations(db):
    result = run(db.url, *ARGS, "--case-no", "XS-2020-99999")
    assert result.exit_code == 0, result.output
    assert result.stderr == ("mediation: warning: XS-2020-99999 比本年度已有的最大案号大 99999 号"
                             "（登记台的自动编号不会因此跳号）：请核对不是笔误\n")
    for n in (1, 2):
        result = run(db.url, *ARGS)
        assert result.exit_code == 0, result.output
        assert result.stdout.split()[0] == f"XS-2020-{n:05d}" and result.stderr == ""


def test_a_number_near_the_counter_is_not_flagged(db):
    result = run(db.url, *ARGS, "--case-no", "XS-2020-00100")
    assert result.exit_code == 0 and result.stderr == ""
    result = run(db.url, *ARGS, "--case-no", "XS-2020-00101")  # next to the last one stored
    assert result.exit_code == 0 and result.stderr == ""
    result = run(db.url, *ARGS, "--case-no", "XS-2020-00202")
    assert result.exit_code == 0 and "warning: XS-2020-00202 比本年度已有的最大案号大 101 号" in result.stderr


def test_at_a_terminal_a_far_number_is_confirmed_or_nothing_is_stored(db, monkeypatch):
    monkeypatch.setattr("mediation.cli.case.register.at_terminal", lambda: True)
    declined = run(db.url, *ARGS, "--case-no", "XS-2020-00500", stdin="n\n")
    assert declined.exit_code == 2
    assert "XS-2020-00500 比本年度已有的最大案号大 500 号（登记台的自动编号不会因此跳号）：请核对不是笔误。仍要登记吗？ [y/N]" \
        in declined.stderr
    assert declined.stderr.splitlines()[-1] == "mediation: error: 未登记：您没有确认 XS-2020-00500"
    assert run(db.url, "case", "show", "XS-2020-00500").exit_code == 2  # not found
    accepted = run(db.url, *ARGS, "--case-no", "XS-2020-00500", stdin="y\n")
    assert accepted.exit_code == 0 and accepted.stdout.split()[0] == "XS-2020-00500"


def test_running_out_of_the_years_numbers_is_one_line(db):
    with db.write() as conn:
        conn.execute(case_numbers.insert().values(year=2020, last=MAX_SEQ))
    result = run(db.url, *ARGS)
    assert result.exit_code == 2
    assert result.stderr.startswith("mediation: error: case numbers of 2020 are used up")
    assert result.stderr.count("\n") == 1 and "internal error" not in result.stderr
