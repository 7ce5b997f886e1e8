"""Issue 13, point 3: ``case register`` at a real terminal (a pseudo-terminal) recovers from a
typo by asking again for the one bad field; a script gets every problem at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

ROOT = Path(__file__).resolve().parents[2]
AT = ["--on-behalf-of", "clerk01", "--at", "2020-06-15T09:30"]


@pytest.fixture
def env(tmp_path):
    env = {**os.environ, "MEDIATION_DB": str(tmp_path / "mediation.db"), "MEDIATION_RULES": str(ROOT / "rules"),
           "COLUMNS": "80", "LANG": "C.UTF-8"}
    env.pop("MEDIATION_OPERATOR", None)
    subprocess.run([sys.executable, "-m", "mediation", "init"], env=env, check=True, capture_output=True)
    return env


def terminal(env, *args: str) -> pexpect.spawn:
    return pexpect.spawn(sys.executable, ["-m", "mediation", *args], env=env, encoding="utf-8",
                         timeout=60, dimensions=(24, 80), cwd=str(ROOT))


def test_a_typo_is_asked_again_at_once(env):
    child = terminal(env, "case", "register", *AT)
    child.expect_exact("形式 (form):")
    child.sendline("口投")  # the input method's homophone of 口头
    child.expect_exact("没有这个形式 '口投'（--form）：是 口头 (oral) 吗？")
    child.expect_exact("形式 (form):")
    child.sendline("口头")
    child.expect_exact("纠纷类型 (category):")
    child.sendline("交通事故")
    child.expect_exact("街道 (street):")
    child.sendline("曲阳街道")
    child.expect_exact("纠纷概要 (summary):")
    child.sendline("两车剐蹭（合成示例）")
    # then the parties, at the prompts rather than in arguments (issue 11: personal data in argv)
    child.expect_exact("申请人姓名 (applicant_name，可留空):")
    child.sendline("张三")
    child.expect_exact("申请人身份证号 (applicant_id，可留空):")
    child.sendline("")
    child.expect_exact("申请人电话 (applicant_phone，可留空):")
    child.sendline("139-1234-567")  # a digit short
    child.expect_exact("申请人电话（--applicant-phone）须是 11 位手机号")
    child.expect_exact("申请人电话 (applicant_phone，可留空):")
    child.sendline("139-1234-5678")
    child.expect_exact("被申请人姓名 (respondent_name，可留空):")
    child.sendline("")
    child.expect_exact("XS-2020-00001  登记  已登记")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = subprocess.run([sys.executable, "-m", "mediation", "case", "show", "XS-2020-00001", "--json",
                            "--reveal", "--on-behalf-of", "clerk01", "--at", "2020-06-15T09:31"],
                           env=env, capture_output=True, text=True, check=True).stdout
    view = json.loads(shown)
    assert view["category"] == "traffic" and view["form"] == "oral" and view["street"] == "quyang"
    assert view["applicants"] == [{"name": "张三", "id_number": None, "phone": "13912345678"}]
    assert view["respondents"] == []


def test_a_bad_flag_is_asked_for_alone_with_its_choices(env):
    child = terminal(env, "case", "register", "--form", "口头", "--category", "yiliao", "--street", "东街道",
                     "--summary", "术后争议（合成示例）", *AT)
    # the nearest choice, when there is one ...
    child.expect_exact("没有这个纠纷类型 'yiliao'（--category）：是 医疗 (medical) 吗？")
    child.expect_exact("纠纷类型 (category):")
    assert "可选" not in child.before
    child.sendline("宠物")
    # ... else every choice
    child.expect_exact("没有这个纠纷类型 '宠物'（--category）")
    child.expect_exact("可选：")
    child.expect_exact("医疗 (medical)")
    child.expect_exact("纠纷类型 (category):")
    child.sendline("医疗")
    child.expect_exact("XS-2020-00001  登记  已登记")
    before = child.before
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "形式 (form):" not in before and "街道 (street):" not in before


def test_giving_up_at_the_prompt_stores_nothing(env):
    child = terminal(env, "case", "register", "--form", "电话", "--category", "邻里", "--street", "东街道",
                     "--summary", "噪音（合成示例）", *AT)
    child.expect_exact("'电话' 是来源渠道 来电 (phone)，不是形式")
    child.expect_exact("形式 (form):")
    child.sendeof()
    child.expect_exact("mediation: error: 没有这个形式 '电话'（--form）")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    listed = subprocess.run([sys.executable, "-m", "mediation", "case", "list", "--json"], env=env,
                            capture_output=True, text=True, check=True)
    assert "XS-2020" not in listed.stdout


def test_a_script_gets_every_problem_in_one_line(env):
    result = subprocess.run([sys.executable, "-m", "mediation", "case", "register", "--form", "口投",
                             "--category", "yiliao", "--applicant-name", "张三", "--applicant-phone", "123", *AT],
                            env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    err = result.stderr
    assert err.startswith("mediation: error: 5 处问题：")
    for part in ("缺少街道（--street）", "缺少纠纷概要（--summary）",
                 "没有这个形式 '口投'（--form）：是 口头 (oral) 吗？",
                 "没有这个纠纷类型 'yiliao'（--category）：是 医疗 (medical) 吗？",
                 "申请人电话（--applicant-phone）须是 11 位手机号，或带区号的固定电话"):
        assert part in err
