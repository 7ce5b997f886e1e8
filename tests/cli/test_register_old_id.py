"""Issue 12, point 6: at ``case register``'s terminal prompt, the 18-digit form of an old 15-digit
ID number is offered (GB 11643-1999); a script gets the error, which never repeats the number."""

from __future__ import annotations

import json

from click.testing import CliRunner

from mediation.cli import cli

OLD = "340603900101123"
ARGS = ["case", "register", "--form", "书面", "--category", "邻里", "--street", "东街道", "--summary",
        "噪音（合成示例）", "--applicant-name", "张三", "--applicant-id", OLD, "--at", "2020-06-15T09:30"]


def run(db_url, *args, stdin=None):
    return CliRunner().invoke(cli, list(args), input=stdin,
                              env={"MEDIATION_DB": db_url, "MEDIATION_ON_BEHALF_OF": "clerk01"})


def test_a_script_gets_the_error_without_the_number(db):
    result = run(db.url, *ARGS)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "申请人身份证号（--applicant-id）是 15 位的第一代身份证号" in result.stderr
    assert OLD not in result.output


def test_at_a_terminal_the_18_digit_form_is_offered(db, monkeypatch):
    monkeypatch.setattr("mediation.cli.case.register.at_terminal", lambda: True)
    monkeypatch.setattr("mediation.cli.case.register.prompt_is_private", lambda: True)
    result = run(db.url, *ARGS, "--json", stdin="y\n")
    assert result.exit_code == 0, result.output
    assert "申请人身份证号为15位第一代号码" in result.stderr and "34060319900101123X" in result.stderr
    view = json.loads(result.stdout)
    assert view["applicants"][0]["id_number"] == "340603********123X"  # stored converted, shown masked
    # declined, the number is asked for again (issue 13, point 3): the current card's is typed
    declined = run(db.url, *ARGS, "--json", stdin="n\n34060319900101123X\n")
    assert declined.exit_code == 0, declined.output
    assert "是 15 位的第一代身份证号" in declined.stderr and "申请人身份证号 (applicant_id):" in declined.stderr
    assert json.loads(declined.stdout)["applicants"][0]["id_number"] == "340603********123X"


def test_no_offer_when_the_prompt_would_go_to_a_log(db, monkeypatch):
    monkeypatch.setattr("mediation.cli.case.register.at_terminal", lambda: True)
    monkeypatch.setattr("mediation.cli.case.register.prompt_is_private", lambda: False)
    result = run(db.url, *ARGS)
    assert result.exit_code == 2 and "34060319900101123X" not in result.output
