"""The README's test command reads clean: no line per skipped PostgreSQL test, no lint fixture's coverage."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support import ROOT


def _pytest(*args: str, pg: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MEDIATION_TEST_PG"}
    if pg is not None:
        env["MEDIATION_TEST_PG"] = pg
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)


def test_without_postgresql_the_suite_says_so_once():
    run = _pytest("tests/store/test_schema.py", pg="")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SKIPPED" not in run.stdout
    lines = [line for line in run.stdout.splitlines() if "PostgreSQL tests not run" in line]
    assert len(lines) == 1 and "MEDIATION_TEST_PG" in lines[0], run.stdout


def test_the_lint_fixtures_rule_tests_are_not_collected():
    run = _pytest("--collect-only", "tests/rules", pg="")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "lint_sets" not in run.stdout
    assert "test_effective_dates.py" in run.stdout  # which runs the dated set's rule tests itself
