"""``mediation rules test`` and ``mediation rules check`` through the CLI."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from mediation.cli import cli
from tests.support import ROOT, RULES_DIR

SETS = ROOT / "tests" / "rules" / "lint_sets"


def run(*args: str):
    return CliRunner().invoke(cli, ["rules", *args])


# ---------------------------------------------------------------- rules test


def test_the_shipped_rule_tests_pass_with_full_coverage():
    result = run("test", str(RULES_DIR), "--min-coverage", "100")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(r"\d+ passed, 0 failed", lines[-1])
    assert "rule coverage: 25 of 25 rules reached (100.0%)" in result.output
    assert re.search(r"routing: consultation \d+ · legal_aid \d+", result.output)
    assert "not reached" not in result.output


def test_the_coverage_lines_fit_80_columns():
    result = CliRunner().invoke(cli, ["rules", "test", str(RULES_DIR)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    assert "fallback" in result.output and "…" not in result.output


def test_the_rule_set_defaults_like_rules_elsewhere(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert run("test").exit_code == 0
    assert run("test", "--rules", "rules").exit_code == 0
    clash = run("test", "rules", "--rules", str(SETS / "dated"))
    assert clash.exit_code == 2 and "give the rule set once" in clash.output


def test_coverage_below_the_minimum_fails():
    result = run("test", str(RULES_DIR), "-k", "涉访", "--min-coverage", "90")
    assert result.exit_code == 1
    assert "not reached:" not in result.output  # -k selected some tests: no list of what they miss
    assert re.search(r"\(\d+ rules not reached by the tests matching -k '涉访': run without -k", result.output)
    assert re.search(r"coverage \d+\.\d% is below --min-coverage 90%", result.output)
    assert re.fullmatch(r"[1-9]\d* passed, 0 failed", result.output.splitlines()[-1])


def test_without_k_the_rules_not_reached_are_listed(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text(f"rules: {RULES_DIR}\ntests:\n  - name: 医疗\n    case: {{category: medical}}\n"
                    "    expect: room.medical\n", encoding="utf-8")
    result = run("test", str(RULES_DIR), "--tests", str(path))
    assert result.exit_code == 0, result.output
    assert "not reached: routing rule major (rules/routing.yaml:" in result.output.replace(str(ROOT) + "/", "")


def test_a_failing_test_prints_its_trace_and_fails(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("tests:\n  - name: 群体性医疗纠纷\n    case: {category: medical, parties: 12}\n"
                    "    expect: {destination: room.medical, rule: medical}\n"
                    "  - name: ok\n    case: {category: labor}\n    expect: room.labor\n", encoding="utf-8")
    result = run("test", str(RULES_DIR), "--tests", str(path))
    assert result.exit_code == 1
    out = result.output
    assert "FAIL" in out and "mine.yaml:2  群体性医疗纠纷" in out
    assert "expected destination room.medical (医疗纠纷调解室), got room.general (综合调解室)" in out
    assert "why: medical matches, but major comes first" in out
    assert re.search(r"routing major +✓ any\(parties ≥ 10; risk = high\)", out)
    assert out.splitlines()[-1] == "1 passed, 1 failed"


def test_json_for_ci(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("tests:\n  - name: a\n    case: {category: labor}\n    expect: room.medical\n", encoding="utf-8")
    result = run("test", str(RULES_DIR), "--tests", str(path), "--json", "--min-coverage", "10")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["ok"] is False and (data["passed"], data["failed"]) == (0, 1)
    assert data["failures"][0]["why"] == ["medical does not match: category = medical fails (category=labor)"]
    assert data["coverage"]["ok"] is False and data["coverage"]["min"] == 10
    assert {"stage": "routing", "rule": "labor", "hits": 1} in data["coverage"]["hits"]
    ok = json.loads(run("test", str(RULES_DIR), "--json").output)
    assert ok["ok"] is True and ok["coverage"]["percent"] == 100.0


def test_a_malformed_test_file_exits_2_naming_file_line_test_and_field(tmp_path):
    (tmp_path / "a.yaml").write_text("tests:\n  - name: x\n    expect: room.medcal\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("tests:\n  - name: y\n    case: {category: 医僚}\n    expect: room.medical\n",
                                     encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "test", str(RULES_DIR), "--tests", str(tmp_path)])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("mediation: error:")]
    assert len(errors) == 2
    assert re.search(r"unknown destination 'room.medcal' in .*a\.yaml:3 \(test 'x', field destination\): did you "
                     r"mean 'room.medical'", errors[0])
    assert re.search(r"unknown category '医僚' in .*b\.yaml:3 \(test 'y', field category\)", errors[1])


def test_no_tests_is_an_error(tmp_path):
    result = run("test", str(SETS / "shadowed"))
    assert result.exit_code == 2 and "no rule tests at" in result.output


# ---------------------------------------------------------------- rules check


def test_the_shipped_set_checks_clean_even_strict():
    result = run("check", str(RULES_DIR), "--strict")
    assert result.exit_code == 0, result.output
    last = result.output.splitlines()[-1]
    assert re.search(r": 0 errors, 0 warnings, \d+ info \(\d+ ms\)$", last)
    assert "info gap (review rule accept)" in result.output
    assert "info overlaps not shown" in result.output and ": info overlap (" not in result.output
    assert ": info overlap (routing rule court_referral)" in run("check", str(RULES_DIR), "-v").output


def test_findings_fail_by_severity():
    shadowed = run("check", str(SETS / "shadowed"))
    assert shadowed.exit_code == 1
    assert re.search(r"shadowed/routing\.yaml:\d+: error shadowed \(routing rule medical_lawyer\): can never fire",
                     shadowed.output)
    redundant = run("check", str(SETS / "redundant"))
    assert redundant.exit_code == 0 and "warning redundant (routing rule medical_small)" in redundant.output
    assert run("check", str(SETS / "redundant"), "--strict").exit_code == 1


def test_a_schema_error_exits_2_with_one_line():
    result = CliRunner().invoke(cli, ["rules", "check", str(SETS / "schema_error")])
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith("mediation: error: unknown destination 'room.medcal' in ")
    assert line.endswith("schema_error/routing.yaml:5 (rule medical, field to): did you mean 'room.medical' "
                         "(医疗纠纷调解室)?")


def test_check_json():
    result = run("check", str(SETS / "overlap"), "--json", "--strict")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["ok"] is False and data["strict"] is True and data["counts"]["warning"] == 3
    codes = {(f["severity"], f["code"], f["rule"]) for f in data["findings"]}
    assert ("warning", "overlap", "large_land") in codes
    schema = run("check", str(SETS / "schema_error"), "--json")
    assert schema.exit_code == 2
    err = json.loads(schema.output)["schema_errors"][0]
    assert (err["line"], err["field"]) == (5, "to") and err["file"].endswith("schema_error/routing.yaml")


def test_min_coverage_must_be_a_number_from_0_to_100():
    for value in ("nan", "NaN", "inf", "-inf", "-1", "100.5", "abc"):
        result = run("test", str(RULES_DIR), "--min-coverage", value)
        assert result.exit_code == 2 and "--min-coverage" in result.stderr, (value, result.output)
