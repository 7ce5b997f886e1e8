"""pytest plugin: rule test files are collected as ordinary test items.

Registered through the ``pytest11`` entry point ``mediation_rules``, so
``pytest`` in a project with a ``rules/`` folder runs its rule tests, one item
per test, named by the test's name (``rules/tests/routing.yaml::group::name``).
Collected are the YAML files in a ``tests/`` directory of a rule set (a
directory with a review, routing or extends section) and any YAML file with
top-level ``tests:`` and ``rules:`` keys; other YAML files are left alone.
A failure shows what differed, why the expected rule did not fire, and the
trace; the terminal summary gives the rule coverage of the tests that ran.
Disable with ``-p no:mediation_rules``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mediation.errors import InputError, RuleError
from mediation.rules.load import load_rules
from mediation.rules.schema import display_path
from mediation.rules.testing.files import is_rule_test_file, load_test_file, read_test_file
from mediation.rules.testing.run import Coverage, format_failure, run_test

_RULES = pytest.StashKey[dict]()
_COVERAGE = pytest.StashKey[dict]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_RULES] = {}
    config.stash[_COVERAGE] = {}


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix not in (".yaml", ".yml"):
        return None

    if is_rule_test_file(file_path):
        return RuleTestFile.from_parent(parent, path=file_path)
    return None


class RuleTestFailed(AssertionError):
    """A rule test whose case was reviewed or routed otherwise than expected."""

    def __init__(self, result: Any) -> None:
        super().__init__(result.test.title)
        self.result = result


def _one_line(excinfo: pytest.ExceptionInfo) -> str | None:
    return str(excinfo.value) if isinstance(excinfo.value, InputError) else None


def _rules_for(config: pytest.Config, directory: Path):
    """The rule set at ``directory``, loaded once per session (or the error it raised)."""

    cache = config.stash[_RULES]
    key = directory.resolve()
    if key not in cache:
        try:
            cache[key] = load_rules(directory)
        except InputError as exc:
            cache[key] = exc
    found = cache[key]
    if isinstance(found, Exception):
        raise found
    return found


class RuleTestFile(pytest.File):
    """A rule test file: its groups and top-level tests."""

    def collect(self):
        data, rules_dir = read_test_file(self.path)
        here = display_path(self.path)
        if rules_dir is None:
            raise RuleError("which rule set does this test? put it in <rule set>/tests/ or add 'rules: DIR'",
                            file=here)
        try:
            rules = _rules_for(self.config, rules_dir)
        except InputError as exc:  # the rule set named here is missing or broken
            line = data.line_of("rules") if "rules" in data else None
            raise exc.located(file=here, line=line, field="rules" if line else None) from None
        tests = load_test_file(self.path, rules)
        # tests in file order; a group where its first test is
        nodes: dict[tuple[str, str], list] = {}
        for test in tests:
            key = ("test", test.name) if test.group is None else ("group", test.group)
            nodes.setdefault(key, []).append(test)
        for (kind, name), members in nodes.items():
            if kind == "test":
                yield RuleTestItem.from_parent(self, name=name, test=members[0], rules=rules)
            else:
                yield RuleTestGroup.from_parent(self, name=name, tests=members, rules=rules)

    def repr_failure(self, excinfo, style=None):
        return _one_line(excinfo) or super().repr_failure(excinfo, style)


class RuleTestGroup(pytest.Collector):
    """A named group of rule tests (with its table rows)."""

    def __init__(self, *, tests: list, rules: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tests = tests
        self.rules = rules

    def collect(self):
        for test in self.tests:
            yield RuleTestItem.from_parent(self, name=test.name, test=test, rules=self.rules)

    def repr_failure(self, excinfo, style=None):
        return _one_line(excinfo) or super().repr_failure(excinfo, style)


class RuleTestItem(pytest.Item):
    """One rule test: review and route its case, compare with the expectation."""

    def __init__(self, *, test: Any, rules: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.test = test
        self.rules = rules

    def runtest(self) -> None:
        result = run_test(self.test, self.rules)
        coverage = self.config.stash[_COVERAGE]
        if self.rules.path not in coverage:
            coverage[self.rules.path] = Coverage(self.rules)
        coverage[self.rules.path].add(result)
        if not result.passed:
            raise RuleTestFailed(result)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, RuleTestFailed):

            return format_failure(excinfo.value.result, self.rules)
        return _one_line(excinfo) or super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, self.test.line - 1, f"rule test: {self.test.title}"


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    coverage = config.stash.get(_COVERAGE, {})
    selected = bool(config.getoption("keyword", "") or config.getoption("markexpr", ""))
    for path, cov in coverage.items():
        # with -k or -m only some tests ran: the rules they do not reach are no news
        unreached = [] if selected else [f"{stage} {rule.id}" for stage, rule in cov.unreached()]
        missed = ", ".join(unreached[:8]) + (f" and {len(unreached) - 8} more" if len(unreached) > 8 else "")
        line = f"rule coverage of {display_path(Path(path))}: {cov.reached} of {cov.total} rules reached ({cov.percent:.1f}%)"
        terminalreporter.write_line(line + (f"; not reached: {missed}" if missed else ""))
