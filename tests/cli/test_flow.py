"""``mediation flow`` and the diagram embedded in the README."""

from __future__ import annotations

import re

from click.testing import CliRunner

from mediation.cli import cli
from mediation.lifecycle import machine
from mediation.lifecycle.flow import render_flow
from tests.support import ROOT, RULES_DIR


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


def test_readme_embeds_the_current_diagram():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- flow:start -->\n```mermaid\n(.*?)```\n<!-- flow:end -->", readme, re.S)
    assert block, "README lacks the lifecycle diagram between <!-- flow:start/end --> markers"
    assert block.group(1) == flow("--labels"), "README diagram is stale: paste `mediation flow --labels`"
    # and the diagram has exactly the machine's transitions
    edges = set(re.findall(r"^\s+(\w+) --> (\w+) : ", block.group(1), re.M))
    m = machine()
    expected = {(t.source, t.dest) for ev in m.events.values() for ts in ev.transitions.values() for t in ts}
    assert edges == expected
