"""A command typed wrong at the desk (click's usage errors), told in the desk's words
(``mediation/cli/words/usage.py``).

Each kind through the real commands: one line on stderr in Chinese, nothing on stdout, exit 2,
the value as typed and the option or usage it is about, the suggestion and the command to type
next. Commands that are not the desk's keep click's English (scripts read it); so do
``MEDIATION_DEBUG=1``, a group run without arguments (its help), ``--help`` and ``--version``.
Types no desk command uses yet (DateTime, FloatRange, a Choice of no kind the desk names) are
told through :func:`~mediation.cli.words.usage.usage_text` with a command of the test's own.
"""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from mediation.cli import cli
from mediation.cli.words.usage import usage_text
from tests.cli.test_words import english

PREFIX = "mediation: error: "


def line(*args: str, env: dict[str, str | None] | None = None) -> str:
    """The one line a command typed wrong prints (without its prefix), checked: exit 2, one line
    on stderr, nothing on stdout."""
    result = CliRunner().invoke(cli, list(args), env={"MEDIATION_DEBUG": None, **(env or {})})
    assert result.exit_code == 2, (result.output, result.stderr)
    assert result.stdout == ""
    err = result.stderr
    assert err.startswith(PREFIX) and err.endswith("\n") and err.count("\n") == 1, err
    return err[len(PREFIX):-1]


def chinese(said: str, *latin: str) -> str:
    """``said``, checked to hold no English word but ids, options, commands, what was typed and
    ``latin`` (metavars such as DEST)."""
    rest = said
    for word in latin:
        rest = rest.replace(word, " ")
    assert english(rest) == [], said
    return said


# ----------------------------------------------------------------------- no such command


def test_a_mistyped_command_is_suggested():
    assert chinese(line("case", "lisst"), "list") == "没有命令 'lisst'（mediation case）：是 list 吗？下一步: mediation case --help"


def test_a_commands_unique_beginning_is_suggested():
    assert line("case", "reg") == "没有命令 'reg'（mediation case）：是 register 吗？下一步: mediation case --help"
    assert line("case", "doc") == ("没有命令 'doc'（mediation case）：是 document 还是 documents？"
                                   "下一步: mediation case --help")


def test_a_commands_chinese_name_is_suggested():
    assert line("case", "登记") == "没有命令 '登记'（mediation case）：是 register 吗？下一步: mediation case --help"


def test_a_command_mistyped_after_mediation_itself():
    assert line("casee") == "没有命令 'casee'（mediation）：是 case 吗？下一步: mediation --help"
    assert line("staff", "ad") == "没有命令 'ad'（mediation staff）：是 add 吗？下一步: mediation staff --help"


def test_a_command_like_none():
    assert line("case", "xyzzy") == "没有命令 'xyzzy'（mediation case）。下一步: mediation case --help"


# ----------------------------------------------------------------------- no such option


def test_a_mistyped_option_is_suggested():
    assert chinese(line("case", "list", "--pag", "2")) == "没有选项 '--pag'（mediation case list）：是 --page 吗？"
    said = line("case", "list", "--pgae", "2")
    assert said == "没有选项 '--pgae'（mediation case list）：是 --page 还是 --state？"


def test_an_option_like_none_points_to_the_help():
    said = line("case", "list", "--bogus")
    assert said == "没有选项 '--bogus'（mediation case list）。下一步: mediation case list --help"


# ----------------------------------------------------------------------- missing


def test_a_missing_argument_is_named_as_the_usage_line_names_it():
    said = line("queue")
    assert said == "缺少 DEST（mediation queue DEST）：要写明调解室或窗口。下一步: mediation queue --help"
    assert chinese(said, "DEST")
    assert line("calendar") == "缺少 YEAR（mediation calendar YEAR）。下一步: mediation calendar --help"
    assert line("case", "show") == "缺少 CASE_NO（mediation case show CASE_NO）。下一步: mediation case show --help"


def test_a_missing_option_names_its_flag_and_choices():
    said = line("staff", "add", "med_new", "--name", "新人", env={"MEDIATION_OPERATOR": "sup01"})
    assert said == "缺少 --role（mediation staff add）：角色是 登记员 (clerk)、调解员 (mediator)、督办员 (supervisor) 之一"


def test_a_missing_option_without_choices_points_to_the_help():
    said = line("case", "extend", "XS-2020-00001", "--consent")
    assert said == "缺少 --days（mediation case extend）。下一步: mediation case extend --help"


# ----------------------------------------------------------------------- an option without its value


def test_an_option_without_its_value_lists_the_rule_sets_choices():
    said = line("case", "register", "--form")
    assert chinese(said) == "--form 需要一个值：形式是 口头 (oral)、书面 (written) 之一"


def test_an_option_without_its_value_lists_a_choices_labels():
    said = line("staff", "add", "med_new", "--name", "新人", "--role")
    assert said == "--role 需要一个值：角色是 登记员 (clerk)、调解员 (mediator)、督办员 (supervisor) 之一"


def test_a_long_list_of_choices_is_left_to_the_help():
    said = line("case", "register", "--category")
    assert said == "--category 需要一个值（纠纷类型）。下一步: mediation case register --help"


def test_an_option_without_its_value_says_what_the_value_is():
    assert line("case", "list", "--page") == "--page 需要一个值（1 以上的整数）"
    assert line("queue", "room.medical", "--limit") == "--limit 需要一个值（1 到 1000 的整数）"
    assert line("case", "list", "--rules") == "--rules 需要一个值（文件夹的路径）"
    assert line("case", "list", "--as-of") == "--as-of 需要一个值。下一步: mediation case list --help"


def test_a_flag_given_a_value():
    assert line("case", "list", "--json=yes") == "--json 不带值：只写 --json"


# ----------------------------------------------------------------------- values of the wrong type


def test_not_an_integer():
    assert chinese(line("case", "list", "--page", "x")) == "'x' 不是整数（--page：1 以上）"
    assert line("case", "extend", "XS-2020-00001", "--days", "七") == "'七' 不是整数（--days）"
    assert chinese(line("calendar", "二〇二六"), "YEAR") == "'二〇二六' 不是整数（YEAR）"


def test_an_integer_out_of_range():
    assert line("case", "list", "--page", "0") == "0 超出范围（--page：1 以上）"
    assert line("case", "list", "--limit", "5000") == "5000 超出范围（--limit：1 到 1000）"


def test_a_choice_mistyped_is_suggested():
    said = line("staff", "add", "med_new", "--name", "新人", "--role", "supervsor")
    assert said == "没有这个角色 'supervsor'（--role）：是 督办员 (supervisor) 吗？"
    said = line("staff", "add", "med_new", "--name", "新人", "--role", "boss")
    assert said == "没有这个角色 'boss'（--role）：角色是 登记员 (clerk)、调解员 (mediator)、督办员 (supervisor) 之一"


def test_a_path_of_the_wrong_kind(tmp_path):
    file = tmp_path / "rules.txt"
    file.write_text("", encoding="utf-8")
    assert line("case", "list", "--rules", str(file)) == f"'{file}' 是文件，不是文件夹（--rules）"


def test_a_file_that_cannot_be_read(tmp_path):
    said = line("case", "settle", "XS-2020-00001", "--from-json", str(tmp_path / "nothing.json"))
    assert said == f"读不了 '{tmp_path / 'nothing.json'}'（--from-json）：没有这个文件"


# ----------------------------------------------------------------------- extra arguments, the rest


def test_an_extra_argument():
    said = line("escalate", "XS-2026-00001")
    assert chinese(said) == ("多余的参数 'XS-2026-00001'：mediation escalate 不接受参数。"
                             "下一步: mediation escalate --help")
    said = line("case", "show", "XS-2026-00001", "XS-2026-00002")
    assert said == ("多余的参数 'XS-2026-00002'：mediation case show 只接受 CASE_NO。"
                    "下一步: mediation case show --help")


def test_options_that_exclude_each_other():
    said = line("staff", "set", "clerk01", "--login", "x", "--no-login", env={"MEDIATION_OPERATOR": "sup01"})
    assert said == "--login 和 --no-login 不能同时写：只留一个"


# ----------------------------------------------------------------------- types no desk command uses yet


@click.command("probe")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--when", type=click.DateTime())
@click.option("--share", type=click.FloatRange(0, 1))
@click.option("--fmt", type=click.Choice(["csv", "jsonl"]))
@click.option("--id", "id_", type=click.UUID)
def probe(**_) -> None:
    """A command of the test's own."""


def told(*args: str) -> str:
    root = click.Context(cli, info_name="mediation")
    with pytest.raises(click.UsageError) as raised:
        probe.make_context("probe", list(args), parent=root)
    # click names no context for an option without its value: RootGroup finds it from what was typed
    return usage_text(raised.value, raised.value.ctx or click.Context(probe, info_name="probe", parent=root))


def test_a_date_is_shown_in_its_forms():
    assert told("--day", "15/6") == "'15/6' 不是日期（--day）：请写成 2020-06-15"
    assert told("--when", "x") == ("'x' 不是日期或时刻（--when）：请写成 2020-06-15、2020-06-15T09:30:00 或 "
                                   "2020-06-15 09:30:00")
    assert told("--day") == "--day 需要一个值（日期，如 2020-06-15）"


def test_a_number_of_a_range():
    assert told("--share", "half") == "'half' 不是数（--share：0 到 1）"
    assert told("--share", "2") == "2.0 超出范围（--share：0 到 1）"


def test_a_choice_of_no_kind_the_desk_names():
    assert told("--fmt", "jsnl") == "'jsnl' 不是可选的值（--fmt）：是 jsonl 吗？"
    assert told("--fmt", "xml") == "'xml' 不是可选的值（--fmt）：可选 csv 或 jsonl"
    assert told("--fmt") == "--fmt 需要一个值：可选 csv 或 jsonl"


def test_a_type_without_words_keeps_clicks_message_in_a_chinese_frame():
    said = told("--id", "nope")
    assert said == "--id 的值不能用（mediation probe）：'nope' is not a valid UUID."


# ----------------------------------------------------------------------- what keeps click's English


@pytest.mark.parametrize("args, english_text", [
    (("route", "--bogus"), "No such option '--bogus'"),
    (("replay", "--limit"), "No such option '--limit'"),
    (("report", "--year", "x"), "Invalid value for '--year'"),
    (("rules", "tesst"), "No such command 'tesst'"),
    (("flow", "--format", "svgg"), "Invalid value for '--format'"),
])
def test_commands_not_of_the_desk_keep_clicks_english(args, english_text):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("Usage: ") and f"Error: {english_text}" in result.stderr, result.stderr


def test_debug_keeps_clicks_english():
    result = CliRunner().invoke(cli, ["case", "lisst"], env={"MEDIATION_DEBUG": "1"})
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage: ") and "Error: No such command 'lisst'." in result.stderr


def test_a_group_without_arguments_still_shows_its_help():
    result = CliRunner().invoke(cli, ["case"])
    assert result.exit_code == 2 and "Commands:" in result.stderr and "mediation: error" not in result.stderr


def test_help_and_version_are_as_they_were():
    result = CliRunner().invoke(cli, ["case", "list", "--help"])
    assert result.exit_code == 0 and result.stdout.startswith("Usage: ") and result.stderr == ""
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("mediation ")


def test_the_line_in_a_process_of_its_own():
    done = subprocess.run([sys.executable, "-m", "mediation", "case", "lisst"], capture_output=True, text=True,
                          encoding="utf-8", timeout=60)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"{PREFIX}没有命令 'lisst'（mediation case）：是 list 吗？下一步: mediation case --help\n"


def test_the_roots_own_options_keep_clicks_english():
    result = CliRunner().invoke(cli, ["--bogus"])
    assert result.exit_code == 2 and "Error: No such option '--bogus'." in result.stderr


def test_words_that_fail_leave_clicks_message(monkeypatch):
    def broken(exc, ctx):
        raise KeyError("words")

    monkeypatch.setattr("mediation.cli.words.usage.usage_text", broken)
    result = CliRunner().invoke(cli, ["case", "lisst"])
    assert result.exit_code == 2 and "Error: No such command 'lisst'." in result.stderr
