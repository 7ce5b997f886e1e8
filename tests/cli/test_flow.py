"""``mediation flow`` (the diagram embedded in docs/lifecycle.md: tests/docs/test_lifecycle_diagram.py)."""

from __future__ import annotations

from click.testing import CliRunner

from mediation.cli import cli
from mediation.lifecycle.flow import render_flow
from tests.support import RULES_DIR


def flow(*args):
    result = CliRunner().invoke(cli, ["flow", *args, "--rules", str(RULES_DIR)])
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_prints_the_library_diagram():
    assert flow() == render_flow("mermaid")
    assert flow("--format", "dot") == render_flow("dot")


def test_labels_come_from_the_rule_files():
    text = flow("--labels")
    assert 'state "已登记" as registered' in text
    assert "diverted --> in_progress : 承办" in text
