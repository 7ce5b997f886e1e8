"""Hostile and broken case input: a Case or one CaseError, never anything else."""

from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediation.cases import KEYS, parse_case
from mediation.cli import cli
from mediation.domain import Case
from mediation.errors import CaseError
from tests.support import NOW, RULES_DIR, shipped_rules

RULES = shipped_rules()

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.sampled_from(["医疗", "醫療", "oral", "相南", "是", "否", "1e400", "-0", "NaN",
                                           "2020-02-30", "2020-01-01", "'; DROP TABLE cases; --", "\x00", "ｏｒａｌ"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                      max_leaves=5)
keys = st.one_of(st.sampled_from(KEYS + ("纠纷类型", "街道", "形式")), st.text(max_size=8))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, values, max_size=12))
def test_random_objects(data):
    try:
        case = parse_case(data, RULES, now=NOW)
    except CaseError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(case, Case)
        RULES.evaluate(case)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries(
    {"form": st.just("oral"), "category": st.just("medical"), "street": st.just("xiangnan"),
     "summary": st.just("x")},
    optional={k: values for k in ("parties", "amount", "received_at", "request", "risk", "petition",
                                  "referred_by", "channel", "case_no", "applicants", "applicant_id")}))
def test_a_valid_base_with_random_extras(data):
    try:
        case = parse_case(data, RULES, now=NOW)
    except CaseError as exc:
        assert exc.field, str(exc)  # a field-level problem always names its field
    else:
        review, decision = RULES.evaluate(case)
        assert review.outcome in ("accepted", "rejected", "referred_out")


def test_over_long_and_control_text_through_the_cli():
    runner = CliRunner()
    for case, fragment in [
        ({"form": "oral", "category": "medical", "street": "相南", "summary": "长" * 5000}, "longer than 2000"),
        ({"form": "oral", "category": "medical", "street": "相南", "summary": "a\x1bb"}, "control character"),
        ({"form": "oral", "category": "medical", "street": "相南", "summary": "x", "community": "c" * 500},
         "community is longer"),
    ]:
        result = runner.invoke(cli, ["route", "-", "--rules", str(RULES_DIR)], input=json.dumps(case))
        assert result.exit_code == 2 and fragment in result.output and result.output.count("\n") == 1


def test_deeply_nested_json_is_one_error():
    result = CliRunner().invoke(cli, ["route", "-", "--rules", str(RULES_DIR)], input="[" * 100_000)
    assert result.exit_code == 2 and result.output.startswith("mediation: error: invalid JSON")


def test_mixed_encodings_are_refused_with_the_line():
    data = b'[{"form": "oral",\n"summary": "' + "纠纷".encode("gb18030") + b'"}]'
    result = CliRunner().invoke(cli, ["route", "-", "--rules", str(RULES_DIR)], input=data)
    assert result.exit_code == 2 and "not valid UTF-8 in <stdin>:2" in result.output
