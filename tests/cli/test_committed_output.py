"""Issue 11: a command whose change committed must not look failed.

With standard output on /dev/full, ``case register`` used to exit 1 with the
case stored, so a retrying script registered it twice. Now one line on stderr
says the change was recorded (已记录, with the case number), and the exit code is 3,
distinct from every failure (documented in docs/README.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mediation import desk
from mediation.cli.common import RECORDED_EXIT

ROOT = Path(__file__).resolve().parents[2]
REGISTER = ["case", "register", "--form", "口头", "--category", "邻里", "--street", "东街道", "--summary",
            "噪音（合成示例）", "--at", "2020-06-01T10:00"]


def to_dev_full(db_url: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, MEDIATION_DB=db_url, MEDIATION_ON_BEHALF_OF="clerk01")
    env.pop("MEDIATION_DEBUG", None)
    with open("/dev/full", "w") as full:
        return subprocess.run([sys.executable, "-m", "mediation", *args], stdout=full, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, env=env, cwd=ROOT, text=True, timeout=120)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("as_json", [False, True])
def test_a_registration_whose_output_fails_says_it_was_recorded(db, as_json):
    result = to_dev_full(db.url, *REGISTER, *(["--json"] if as_json else []))
    assert result.returncode == RECORDED_EXIT == 3, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr == ("mediation: error: XS-2020-00001 的登记 (register) 已记录，但输出无法写出（磁盘已满）："
                             "请勿重复办理。下一步: mediation case show XS-2020-00001\n")
    assert desk.show(db, "XS-2020-00001").state == "registered"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_move_whose_output_fails_says_it_was_recorded_and_a_failure_stays_a_failure(db):
    assert to_dev_full(db.url, *REGISTER).returncode == RECORDED_EXIT
    result = to_dev_full(db.url, "case", "review", "XS-2020-00001", "--at", "2020-06-01T10:05")
    assert result.returncode == RECORDED_EXIT and "XS-2020-00001 的审查 (review) 已记录" in result.stderr
    assert desk.show(db, "XS-2020-00001").state == "under_review"
    refused = to_dev_full(db.url, "case", "review", "XS-2020-00001", "--at", "2020-06-01T10:06")
    assert refused.returncode == 2 and "已记录" not in refused.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_an_escalation_whose_output_fails_says_it_was_recorded(db):
    assert to_dev_full(db.url, *REGISTER).returncode == RECORDED_EXIT
    env = dict(os.environ, MEDIATION_DB=db.url, MEDIATION_OPERATOR="sup01")
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "mediation", "escalate", "--as-of", "2020-07-01"],
                                stdout=full, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env, cwd=ROOT,
                                text=True, timeout=120)
    assert result.returncode == RECORDED_EXIT, result.stderr
    assert result.stderr == ("mediation: error: 1 件案件的督办已记录，但输出无法写出（磁盘已满）：请勿重复办理。"
                             "下一步: mediation case list --overdue\n")
    assert desk.show(db, "XS-2020-00001").row["escalation"] == 2
