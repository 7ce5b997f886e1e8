"""Rule tests: YAML files of cases with the review and routing each should get, and rule coverage.

- :mod:`.files`: reading and validating test files (the format is in its docstring);
- :mod:`.run`: running them against a rule set, coverage, and why a test failed;
- :mod:`.pytest_plugin`: the same tests collected by pytest as ordinary items.
"""

from mediation.rules.testing.files import RuleTest, is_rule_test_file, load_test_file, load_tests
from mediation.rules.testing.run import (
    Coverage,
    RuleTestRun,
    format_failure,
    run_rule_tests,
    run_tests,
)

__all__ = [
    "Coverage", "RuleTest", "RuleTestRun", "format_failure", "is_rule_test_file", "load_test_file",
    "load_tests", "run_rule_tests", "run_tests",
]
