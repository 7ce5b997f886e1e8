"""``mediation route`` and ``mediation rules show`` through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from mediation.cli import cli
from tests.support import EXAMPLES, RULES_DIR, shipped_rules


def run(*args, input=None):
    return CliRunner().invoke(cli, ["route", *args, "--rules", str(RULES_DIR)], input=input)


def test_one_case_as_json_has_the_documented_shape():
    result = run(str(EXAMPLES / "case.json"), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"case_no", "review", "decision"}
    assert out["review"] == {"outcome": "accepted", "rule": "accept", "reason": "符合受理条件，予以受理", "to": None}
    assert out["decision"] == {
        "destination": "room.medical", "department": "health", "unit": "xiangnan",
        "judicial_office": "相南司法所", "mediation_type": "people", "rule": "medical",
        "rules_digest": shipped_rules().digest}


def test_a_list_gives_a_list_and_referrals_have_no_decision():
    out = json.loads(run(str(EXAMPLES / "cases.json"), "--json").output)
    assert [o["case_no"] for o in out] == [f"XS-2020-0000{i}" for i in range(2, 8)]
    outside = out[2]
    assert outside["review"]["outcome"] == "referred_out" and outside["review"]["to"] == "duji"
    assert outside["decision"] is None
    assert [o["decision"]["destination"] for o in out if o["decision"]] == [
        "window.mediation", "room.general", "room.court", "window.consult", "room.lawyer"]


def test_human_output_uses_chinese_labels():
    result = run(str(EXAMPLES / "case.json"))
    assert result.exit_code == 0
    for label in ("医疗纠纷调解室", "区卫健委", "相南街道", "相南司法所", "人民调解"):
        assert label in result.output
    table = run(str(EXAMPLES / "cases.json")).output
    assert "移交 → 杜集区" in table and "诉前调解室" in table


def test_explain_lists_rules_tried_and_why():
    out = json.loads(run(str(EXAMPLES / "case.json"), "--json", "--explain").output)
    trace = out["trace"]
    assert [s["rule"] for s in trace if s["matched"]] == ["accept", "medical"]
    court = next(s for s in trace if s["rule"] == "court_referral")
    assert court == {"stage": "routing", "rule": "court_referral", "label": "法院委托，诉前调解", "matched": False,
                     "condition": "referred_by = court", "failed": "referred_by = court", "value": "null"}
    human = run(str(EXAMPLES / "case.json"), "--explain").output
    assert "规则轨迹" in human and "✓ 命中" in human


def test_stdin_and_normalised_input():
    case = {"form": "口頭", "category": "醫療(yī)糾紛", "street": "相南", "summary": "x"}
    out = json.loads(run("-", "--json", input=json.dumps(case, ensure_ascii=False)).output)
    assert out["decision"]["destination"] == "room.medical"
    assert out["case_no"] is None


def test_as_of_is_validated():
    result = run(str(EXAMPLES / "case.json"), "--as-of", "yesterday")
    assert result.exit_code == 2 and "--as-of must be a date" in result.output


@pytest.mark.parametrize(("text", "message"), [
    ('{"form": "oral",', "invalid JSON"),
    ('[{"form":"oral","category":"medical","street":"相南","summary":"x"},\n'
     ' {"form":"oral","category":"医僚","street":"相南","summary":"x"}]',
     "unknown category '医僚' in <stdin>:2 (case 2, field category): did you mean 'medical' (医疗)?"),
    ('{"form":"oral","category":"medical","street":"相南"}', "missing required field summary in <stdin>:1"),
    ('"just a string"', "a case is an object"),
])
def test_bad_input_is_one_line_and_exit_2(text, message):
    result = run("-", input=text)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mediation: error: ")
    assert message in lines[0]


def test_missing_file_and_bad_rules(tmp_path):
    result = run(str(tmp_path / "none.json"))
    assert result.exit_code == 2 and "cannot read" in result.output
    result = CliRunner().invoke(cli, ["route", str(EXAMPLES / "case.json"), "--rules", str(tmp_path)])
    assert result.exit_code == 2 and "no rule files" in result.output


def test_rules_show_lists_catalogue_and_rules():
    result = CliRunner().invoke(cli, ["rules", "show", "--json", "--rules", str(RULES_DIR)])
    data = json.loads(result.output)
    assert len(data["destinations"]) == 18 and data["routing"][-1]["id"] == "fallback"
    assert data["routing"][0]["source"].endswith("routing.yaml:14")
    human = CliRunner().invoke(cli, ["rules", "show", "routing", "--rules", str(RULES_DIR)]).output
    assert "petition_lawyer" in human and "律师调解室" in human
    code = CliRunner().invoke(cli, ["rules", "show", "--compiled", "--rules", str(RULES_DIR)]).output
    assert "def _n0(c):" in code


def test_console_script_never_shows_a_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"form": "oral", "category": "x", "street": "y", "summary": "z"}', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "mediation", "route", str(bad), "--rules", str(RULES_DIR)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
