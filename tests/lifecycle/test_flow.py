from __future__ import annotations

import re

import pytest

from mediation.errors import InputError
from mediation.lifecycle import machine
from mediation.lifecycle.flow import render_flow

MERMAID_EDGE = re.compile(r"^    (\w+) --> (\w+) : (.+)$")
DOT_EDGE = re.compile(r'^    "(\w+)" -> "(\w+)" \[label="((?:[^"\\]|\\.)*)"\];$')


def machine_edges() -> set[tuple[str, str, str]]:
    """(source, dest, trigger) as the transitions Machine itself holds them."""
    return {
        (source, t.dest, name)
        for name, event in machine().events.items()
        for source, transitions in event.transitions.items()
        for t in transitions
    }


def final_states() -> set[str]:
    return {name for name, state in machine().states.items() if state.final}


def test_mermaid_has_exactly_the_machine_transitions():
    text = render_flow("mermaid")
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    edges = [m.groups() for line in lines if (m := MERMAID_EDGE.match(line))]
    assert len(edges) == len(set(edges))
    assert set(edges) == machine_edges()
    assert f"    [*] --> {machine().initial}" in lines
    ends = {m.group(1) for line in lines if (m := re.match(r"^    (\w+) --> \[\*\]$", line))}
    assert ends == final_states()
    # every line is a header, a state declaration, the start, an edge or an end
    assert len(lines) == 2 + len(edges) + len(ends)


def test_dot_has_exactly_the_machine_transitions():
    text = render_flow("dot")
    lines = text.splitlines()
    assert lines[0] == "digraph lifecycle {" and lines[-1] == "}"
    edges = [m.groups() for line in lines if (m := DOT_EDGE.match(line))]
    assert len(edges) == len(set(edges))
    assert set(edges) == machine_edges()
    assert f'    "__start" -> "{machine().initial}";' in lines
    doubled = {
        m.group(1) for line in lines if (m := re.match(r'^    "(\w+)" \[.*peripheries=2\];$', line))
    }
    assert doubled == final_states()
    assert text.count("{") == text.count("}") == 1


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_output_is_deterministic(fmt):
    labels = {"registered": "已登记", "take": "受理"}
    assert render_flow(fmt, labels) == render_flow(fmt, dict(reversed(labels.items())))
    assert render_flow(fmt) == render_flow(fmt, None) == render_flow(fmt, {})
    assert render_flow(fmt).endswith("}\n" if fmt == "dot" else "--> [*]\n")


def test_mermaid_labels():
    text = render_flow("mermaid", {"registered": "已登记", "take": "受理", "closed": "结案"})
    assert '    state "已登记" as registered' in text
    assert '    state "结案" as closed' in text
    assert "    diverted --> in_progress : 受理" in text.splitlines()
    assert "    in_progress --> settled : settle" in text.splitlines()


def test_mermaid_escapes_what_would_break_the_syntax():
    text = render_flow("mermaid", {"take": "受理: 当场;\n登记", "registered": 'a "b" #1'})
    assert "    diverted --> in_progress : 受理#58; 当场#59; 登记" in text.splitlines()
    assert '    state "a #quot;b#quot; #35;1" as registered' in text.splitlines()


def test_dot_labels_are_quoted():
    text = render_flow("dot", {"registered": "已登记", "take": '受理 "当场"', "closed": "a\\b"})
    lines = text.splitlines()
    assert '    "registered" [label="已登记"];' in lines
    assert '    "diverted" -> "in_progress" [label="受理 \\"当场\\""];' in lines
    assert '    "closed" [label="a\\\\b", peripheries=2];' in lines
    edges = {m.groups() for line in lines if (m := DOT_EDGE.match(line))}
    assert len(edges) == len(machine_edges())


def test_unknown_format():
    with pytest.raises(InputError, match="unknown diagram format 'svg'"):
        render_flow("svg")
