"""docs/lifecycle.md embeds the diagram ``mediation flow --labels`` draws today."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from mediation.cli import cli
from mediation.lifecycle import machine

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "lifecycle.md"


def test_the_lifecycle_page_embeds_the_current_diagram():
    result = CliRunner().invoke(cli, ["flow", "--labels", "--rules", str(ROOT / "rules")])
    assert result.exit_code == 0, result.output
    text = PAGE.read_text(encoding="utf-8")
    block = re.search(r"<!-- flow:start -->\n```mermaid\n(.*?)```\n<!-- flow:end -->", text, re.S)
    assert block, "docs/lifecycle.md lacks the diagram between <!-- flow:start/end --> markers"
    assert block.group(1) == result.output, ("docs/lifecycle.md's diagram is stale: paste "
                                             "`mediation flow --labels` between its markers")
    # and the diagram has exactly the machine's transitions
    edges = set(re.findall(r"^\s+(\w+) --> (\w+) : ", block.group(1), re.M))
    m = machine()
    expected = {(t.source, t.dest) for ev in m.events.values() for ts in ev.transitions.values() for t in ts}
    assert edges == expected
