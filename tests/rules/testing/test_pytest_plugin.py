"""The pytest plugin: rule test files collected as ordinary test items, and nothing else."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.support import ROOT, RULES_DIR

pytest_plugins = ["pytester"]

GOOD = """\
tests:
  - name: 医疗纠纷
    case: {category: medical}
    expect: room.medical
  - group: 金额
    defaults: {category: neighbor}
    columns: [name, amount, destination]
    rows:
      - [小额, 100, window.mediation]
      - [不小, 5000, room.general]
"""

BAD = """\
tests:
  - name: 群体性医疗纠纷
    case: {category: medical, parties: 12}
    expect: {destination: room.medical, rule: medical}
"""


@pytest.fixture
def rule_set(pytester: pytest.Pytester):
    """A copy of the shipped rule set (with no tests of its own) in the pytester directory."""
    target = pytester.path / "rules"
    shutil.copytree(RULES_DIR, target, ignore=shutil.ignore_patterns("tests"))
    (target / "tests").mkdir()
    return target


def test_each_rule_test_is_an_item_named_by_its_test(pytester, rule_set):
    (rule_set / "tests" / "routing.yaml").write_text(GOOD, encoding="utf-8")
    result = pytester.runpytest("-v", "rules/tests")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([
        "rules/tests/routing.yaml::医疗纠纷 PASSED*",
        "rules/tests/routing.yaml::金额::小额 PASSED*",
        "rules/tests/routing.yaml::金额::不小 PASSED*",
        "rule coverage of rules: 4 of 25 rules reached (16.0%); not reached: *",
    ])


def test_with_k_the_coverage_line_lists_no_rules_not_reached(pytester, rule_set):
    (rule_set / "tests" / "routing.yaml").write_text(GOOD, encoding="utf-8")
    result = pytester.runpytest("-k", "小额", "rules/tests")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["rule coverage of rules: * rules reached (*%)"])
    assert "not reached" not in result.stdout.str()


def test_a_failure_shows_the_explanation(pytester, rule_set):
    (rule_set / "tests" / "routing.yaml").write_text(BAD, encoding="utf-8")
    result = pytester.runpytest("rules/tests")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*rule test: 群体性医疗纠纷*",
        "FAIL rules/tests/routing.yaml:2  群体性医疗纠纷",
        "  expected destination room.medical (医疗纠纷调解室), got room.general (综合调解室)",
        "  why: medical matches, but major comes first",
        "  trace:",
        "*routing major * ✓ any(parties ≥ 10; risk = high)",
    ])
    assert "Traceback" not in result.stdout.str()


def test_a_malformed_file_is_a_collection_error_in_one_line(pytester, rule_set):
    (rule_set / "tests" / "broken.yaml").write_text("tests:\n  - name: a\n    expect: room.medcal\n",
                                                    encoding="utf-8")
    result = pytester.runpytest("rules/tests")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["unknown destination 'room.medcal' in rules/tests/broken.yaml:3 (test 'a', field "
                                 "destination): did you mean 'room.medical'*"])


def test_a_file_elsewhere_names_its_rule_set(pytester, rule_set):
    pytester.path.joinpath("checks").mkdir()
    pytester.path.joinpath("checks", "policy.yaml").write_text("rules: ../rules\n" + GOOD, encoding="utf-8")
    pytester.path.joinpath("checks", "orphan.yaml").write_text("rules: ../nowhere\n" + GOOD, encoding="utf-8")
    result = pytester.runpytest("--continue-on-collection-errors", "checks")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["rule set directory not found: nowhere in checks/orphan.yaml:1 (field rules)"])


def test_other_yaml_files_are_left_alone(pytester, rule_set):
    (rule_set / "tests" / "routing.yaml").write_text(GOOD, encoding="utf-8")
    pytester.path.joinpath("config.yaml").write_text("tests: [a, b]\nname: ci\n", encoding="utf-8")
    notes = pytester.path.joinpath("docs", "tests")
    notes.mkdir(parents=True)
    notes.joinpath("cases.yaml").write_text("tests:\n  - not a rule test\n", encoding="utf-8")
    result = pytester.runpytest("--collect-only", "-q", ".")
    result.stdout.fnmatch_lines(["3 tests collected*"])


def test_the_plugin_can_be_disabled(pytester, rule_set):
    (rule_set / "tests" / "routing.yaml").write_text(BAD, encoding="utf-8")
    result = pytester.runpytest("-p", "no:mediation_rules", "rules/tests")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_pytest_at_the_repository_root_runs_the_shipped_rule_tests():
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "rules", "tests/rules/lint_sets"],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    items = [line for line in result.stdout.splitlines() if "::" in line]
    files = {line.split("::")[0] for line in items}
    # the shipped tests; no rule file, and no lint set: they are fixtures (tests/conftest.py ignores them, and
    # tests/rules/test_effective_dates.py runs the dated set's rule tests), so their coverage is not printed
    assert files == {"rules/tests/review.yaml", "rules/tests/routing.yaml"}
    assert "rules/tests/routing.yaml::法院委托，诉前调解::法院委托优先于涉访重大" in items
