"""Rule test files: the format, located errors, running, explaining failures, coverage."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from mediation.errors import CaseError, InputError, RuleError
from mediation.rules.testing.files import (
    DEFAULT_RECEIVED_AT,
    is_rule_test_file,
    load_test_file,
    load_tests,
)
from mediation.rules.testing.run import (
    Coverage,
    format_failure,
    run_rule_tests,
    run_test,
    run_tests,
    why_not,
)
from tests.support import ROOT, RULES_DIR, shipped_rules


def write(tmp_path: Path, text: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str):
    return load_test_file(write(tmp_path, text), shipped_rules())


def error_of(tmp_path: Path, text: str) -> InputError:
    with pytest.raises(InputError) as info:
        load(tmp_path, text)
    return info.value


# ---------------------------------------------------------------- the shipped tests


def test_shipped_rule_tests_pass_and_reach_every_rule():
    run, errors = run_rule_tests(shipped_rules())
    assert errors == []
    assert run.failed == 0 and run.passed >= 60
    assert run.coverage.percent == 100.0
    assert run.coverage.unreached() == []


def test_shipped_tests_cover_the_boundaries_of_design():
    tests, _ = load_tests(sorted((RULES_DIR / "tests").glob("*.yaml")), shipped_rules())
    amounts = {t.case.amount for t in tests}
    parties = {t.case.parties for t in tests}
    assert {500000, 499999, 4999, 5000} <= amounts
    assert {4, 5, 9, 10} <= parties
    assert any(t.case.risk == "high" for t in tests)
    assert any(t.case.referred_by == "court" and t.case.litigation_pending for t in tests)
    assert any(t.case.litigation_pending and t.case.referred_by != "court" for t in tests)
    refusing = {t.case.request for t in tests if t.case.party_refuses}
    assert {"mediation", "petition"} <= refusing


# ---------------------------------------------------------------- the format


def test_a_test_gets_the_documented_defaults(tmp_path):
    (t,) = load(tmp_path, """
tests:
  - name: defaults
    expect: window.mediation
""")
    c = t.case
    assert (c.form, c.category, c.street, c.summary) == ("oral", "other", "xiangnan", "测试")
    assert c.received_at == DEFAULT_RECEIVED_AT == datetime(2020, 6, 1, 9, 0)
    assert t.expect == {"destination": "window.mediation", "outcome": "accepted"}
    assert (t.name, t.group, t.line) == ("defaults", None, 3)


def test_file_and_group_defaults_and_null_removing_a_default(tmp_path):
    tests = load(tmp_path, """
defaults: {street: 西街道, channel: referral, referred_by: court}
tests:
  - group: g
    defaults: {category: 医疗}
    tests:
      - name: inherits both
        expect: room.court
      - name: walk-in after all
        case: {channel: walk_in, referred_by: null, received_at: 2021-03-04}
        expect: room.medical
""")
    first, second = tests
    assert (first.case.street, first.case.category, first.case.referred_by) == ("xijie", "medical", "court")
    assert second.case.referred_by is None and second.case.channel == "walk_in"
    assert second.case.received_at == datetime(2021, 3, 4)
    assert [t.title for t in tests] == ["g › inherits both", "g › walk-in after all"]


def test_expectations_accept_labels_and_the_outcome_shorthand(tmp_path):
    first, second = load(tmp_path, """
tests:
  - name: labels
    case: {类型: 医疗纠纷}
    expect: {destination: 医疗纠纷调解室, department: 卫健委, unit: 相南, mediation_type: 人民调解}
  - name: shorthand outcome
    case: {party_refuses: true}
    expect: rejected
""")
    assert first.expect == {"destination": "room.medical", "department": "health", "unit": "xiangnan",
                            "mediation_type": "people", "outcome": "accepted"}
    assert second.expect == {"outcome": "rejected"}


def test_a_table_is_one_test_per_row(tmp_path):
    tests = load(tmp_path, """
tests:
  - group: amounts
    defaults: {category: neighbor}
    columns: [name, 涉及金额, parties, destination, rule, as_of]
    rows:
      - [under, 4999, 2, window.mediation, small_oral, null]
      - [null, 5000, null, room.general, fallback, 2021-01-01]
""")
    assert [t.name for t in tests] == ["under", "row 2: 涉及金额=5000"]
    assert tests[0].case.amount == 4999 and tests[1].case.parties == 2
    assert tests[1].expect["rule"] == "fallback" and tests[1].as_of == date(2021, 1, 1)
    assert tests[0].line == 7 and tests[1].line == 8
    assert all(run_test(t, shipped_rules()).passed for t in tests)


# ---------------------------------------------------------------- located errors


@pytest.mark.parametrize(("text", "message", "line", "field"), [
    ("tests:\n  - name: a\n    expect: room.medcal\n", "unknown destination 'room.medcal'", 3, "destination"),
    ("tests:\n  - name: a\n    case:\n      category: 医僚\n    expect: room.medical\n", "unknown category", 4,
     "category"),
    ("tests:\n  - name: a\n    case: {colour: red}\n    expect: room.medical\n", "unknown case field 'colour'", 3,
     "colour"),
    ("tests:\n  - name: a\n    expect: {outcome: accepted}\n", "expect a destination", 3, "destination"),
    ("tests:\n  - name: a\n    expect: {outcome: rejected, destination: room.general}\n",
     "a case that is rejected has no destination", 3, "destination"),
    ("tests:\n  - name: a\n    expect: {destination: room.general, to: police}\n", "to: is where a referred_out",
     3, "to"),
    ("tests:\n  - name: a\n    expekt: room.general\n", "unknown key 'expekt'", 3, "expekt"),
    ("tests:\n  - name: a\n    expect: room.general\n  - name: a\n    expect: room.general\n",
     "already exists", 4, "name"),
    ("tests:\n  - group: g\n    columns: [amount, destination]\n    rows:\n      - [1, room.general, x]\n",
     "row 1 has 3 values for 2 columns", 5, "rows"),
    ("tests:\n  - name: a\n    as_of: someday\n    expect: room.general\n", "as_of is a date", 3, "as_of"),
])
def test_errors_name_file_line_test_and_field(tmp_path, text, message, line, field):
    err = error_of(tmp_path, text)
    assert message in err.message
    assert err.file.endswith("t.yaml") and err.line == line and err.field == field
    assert "test 'a'" in str(err) or "group 'g'" in str(err)


@pytest.mark.parametrize(("expect", "words"), [
    ("{destination: room.general, rule: fallbak}", "there is no routing rule 'fallbak' (yet): did you mean 'fallback'"),
    ("{outcome: rejected, rule: fallback}", "there is no review rule 'fallback' (yet)"),
    ("{destination: room.lawyer, rule: mass_lawyer}", "there is no routing rule 'mass_lawyer' (yet)"),
])
def test_a_rule_that_does_not_exist_yet_makes_a_failing_test(tmp_path, expect, words):
    """Write the test first: the file is well-formed, the test fails and says why."""
    tests = load(tmp_path, f"tests:\n  - name: a\n    expect: {expect}\n")
    result = run_test(tests[0], shipped_rules())
    assert not result.passed
    assert any(words in line for line in why_not(result, shipped_rules())), why_not(result, shipped_rules())
    assert words in format_failure(result, shipped_rules())


def test_a_misspelt_destination_gets_a_suggestion(tmp_path):
    err = error_of(tmp_path, "tests:\n  - name: a\n    expect: room.medcal\n")
    assert "did you mean 'room.medical'" in str(err)


def test_case_errors_keep_their_type_and_point_at_the_default_they_came_from(tmp_path):
    err = error_of(tmp_path, "defaults:\n  risk: 极高\ntests:\n  - name: a\n    expect: room.general\n")
    assert isinstance(err, CaseError) and err.line == 2 and err.field == "risk"


def test_a_file_without_tests_is_refused(tmp_path):
    err = error_of(tmp_path, "routing: []\n")
    assert isinstance(err, RuleError) and "'tests:'" in err.message


def test_load_tests_collects_one_error_per_file(tmp_path):
    good = write(tmp_path, "tests:\n  - name: a\n    expect: window.mediation\n", "good.yaml")
    bad = write(tmp_path, "tests:\n  - name: a\n    expect: nowhere\n", "bad.yaml")
    tests, errors = load_tests([good, bad], shipped_rules())
    assert len(tests) == 1 and len(errors) == 1 and "bad.yaml" in str(errors[0])


# ---------------------------------------------------------------- running and explaining


def test_a_failure_says_which_rule_fired_instead_and_why(tmp_path):
    (t,) = load(tmp_path, """
tests:
  - name: mass medical
    case: {category: medical, parties: 12}
    expect: {destination: room.medical, rule: medical}
""")
    rules = shipped_rules()
    result = run_test(t, rules)
    assert not result.passed
    assert {(m.field, m.expected, m.actual) for m in result.mismatches} == {
        ("destination", "room.medical", "room.general"), ("rule", "medical", "major")}
    assert why_not(result, rules) == ["medical matches, but major comes first"]
    text = format_failure(result, rules)
    assert "FAIL" in text and "t.yaml:3" in text and "got room.general (综合调解室)" in text
    assert "major" in text.splitlines()[-1] and "✓" in text.splitlines()[-1]


def test_why_names_the_first_failing_condition_and_the_case_value(tmp_path):
    (t,) = load(tmp_path, """
tests:
  - name: 5000 is not small
    case: {category: neighbor, amount: 5000}
    expect: {destination: window.mediation}
""")
    result = run_test(t, shipped_rules())
    assert why_not(result, shipped_rules()) == ["small_oral does not match: amount < 5000 fails (amount=5000)"]


def test_why_for_a_rejected_case_expected_accepted(tmp_path):
    (t,) = load(tmp_path, "tests:\n  - name: r\n    case: {party_refuses: true}\n    expect: window.mediation\n")
    result = run_test(t, shipped_rules())
    assert ("outcome", "accepted", "rejected") in {(m.field, m.expected, m.actual) for m in result.mismatches}
    assert any("review did not accept" in line or "party_refuses comes first" in line
               for line in why_not(result, shipped_rules()))


def test_coverage_counts_the_rules_that_decided(tmp_path):
    tests = load(tmp_path, """
tests:
  - name: a
    case: {category: medical}
    expect: room.medical
  - name: b
    case: {category: medical, form: written}
    expect: room.medical
  - name: c
    case: {criminal: true}
    expect: {outcome: referred_out, to: police}
""")
    run = run_tests(tests, shipped_rules())
    cov = run.coverage
    assert cov.hits[("routing", "medical")] == 2
    assert cov.hits[("review", "accept")] == 2 and cov.hits[("review", "criminal")] == 1
    assert cov.reached == 3 and cov.total == 25
    assert ("routing", "fallback") in {(s, r.id) for s, r in cov.unreached()}
    data = run.as_dict(min_coverage=50)
    assert data["coverage"]["ok"] is False and data["passed"] == 3
    assert isinstance(Coverage(shipped_rules()).as_dict()["hits"], list)


def test_a_failed_run_as_json_carries_the_explanation(tmp_path):
    tests = load(tmp_path, "tests:\n  - name: a\n    case: {category: labor}\n    expect: room.medical\n")
    data = run_tests(tests, shipped_rules()).as_dict()
    (failure,) = data["failures"]
    assert failure["mismatches"][0] == {"field": "destination", "expected": "room.medical", "actual": "room.labor"}
    assert failure["why"] == ["medical does not match: category = medical fails (category=labor)"]
    assert failure["explanation"]["decision"]["rule"] == "labor"


# ---------------------------------------------------------------- which files are rule tests


def test_which_yaml_files_are_rule_tests(tmp_path):
    assert is_rule_test_file(RULES_DIR / "tests" / "routing.yaml")
    assert not is_rule_test_file(RULES_DIR / "routing.yaml")
    assert not is_rule_test_file(ROOT / "tests" / "rules" / "lint_sets" / "shadowed" / "routing.yaml")
    tagged = write(tmp_path, "rules: ../rules\ntests: []\n", "tagged.yaml")
    untagged = write(tmp_path, "tests: [a, b]\n", "untagged.yaml")
    assert is_rule_test_file(tagged) and not is_rule_test_file(untagged)
    assert not is_rule_test_file(write(tmp_path, "rules: x\ntests: []\n", "notes.txt"))
