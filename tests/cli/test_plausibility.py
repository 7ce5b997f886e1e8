"""Plausibility (issue 13, point 7): the impossible refused, the implausible asked about at a
terminal and refused without one unless --yes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mediation.cli import cli
from tests.pty_support import at_terminal

REGISTER = ["case", "register", "--form", "口头", "--category", "邻里", "--street", "相南街道",
            "--summary", "合成示例", "--on-behalf-of", "clerk01"]


@pytest.fixture
def env(tmp_path):
    env = {"MEDIATION_DB": f"sqlite:///{tmp_path / 'mediation.db'}", "MEDIATION_OPERATOR": None, "MEDIATION_ON_BEHALF_OF": None}
    assert CliRunner().invoke(cli, ["init"], env=env).exit_code == 0
    return env


def test_a_moment_before_every_known_year_is_refused_without_a_terminal(env):
    runner = CliRunner()
    result = runner.invoke(cli, [*REGISTER, "--at", "1990-01-01T10:00"], env=env)
    assert result.exit_code == 2
    assert result.stderr == ("mediation: error: --at 1990-01-01 10:00 早于工作日历所知的最早年份 2004，"
                             "未记录：请核对日期，确有其事时加 --yes\n")
    assert "XS-1990" not in runner.invoke(cli, ["case", "list"], env=env).stdout  # nothing written
    result = runner.invoke(cli, [*REGISTER, "--at", "1990-01-01T10:00", "--yes"], env=env)
    assert result.exit_code == 0 and result.stdout.startswith("XS-1990-00001")
    # a move of that case is asked about too, and --yes may come before --at
    result = runner.invoke(cli, ["case", "review", "XS-1990-00001", "--on-behalf-of", "clerk01",
                                 "--at", "1990-01-01T11:00"], env=env)
    assert result.exit_code == 2 and "--yes" in result.stderr
    result = runner.invoke(cli, ["case", "review", "XS-1990-00001", "--on-behalf-of", "clerk01", "-y",
                                 "--at", "1990-01-01T11:00"], env=env)
    assert result.exit_code == 0, result.output


def test_a_plausible_moment_is_not_asked_about(env):
    result = CliRunner().invoke(cli, [*REGISTER, "--at", "2020-06-15T09:30"], env=env)
    assert result.exit_code == 0 and result.stderr == ""


@pytest.mark.parametrize(("answer", "code"), [("n\n", 2), ("y\n", 0)])
def test_at_a_terminal_the_implausible_is_asked_about(env, tmp_path, answer, code):
    status, shown = at_terminal([*REGISTER, "--at", "1990-01-01T10:00"], env=env, answers=answer,
                                cwd=tmp_path)
    assert "--at 1990-01-01 10:00 早于工作日历所知的最早年份 2004，仍要记录吗？ [y/N]" in shown
    assert status == code, shown
    assert ("XS-1990-00001" in shown) == (code == 0)


def test_the_impossible_is_refused_even_with_yes(env):
    result = CliRunner().invoke(cli, [*REGISTER, "--at", "2999-01-01T10:00", "--yes"], env=env)
    assert result.exit_code == 2 and "--at 2999-01-01T10:00 还没到" in result.stderr
