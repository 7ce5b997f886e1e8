"""The lifecycle drawn as a diagram, from the same table the machine is built from."""

from __future__ import annotations

from collections.abc import Mapping

from mediation.errors import InputError
from mediation.lifecycle.table import FINAL_STATES, INITIAL, STATES, TABLE

FORMATS = ("mermaid", "dot")


def edges() -> list[tuple[str, str, str]]:
    """Every (source, dest, trigger) of the lifecycle table, in table order."""
    out = []
    for row in TABLE:
        sources = [row["source"]] if isinstance(row["source"], str) else row["source"]
        out.extend((source, row["dest"], row["trigger"]) for source in sources)
    return out


def render_flow(fmt: str = "mermaid", labels: Mapping[str, str] | None = None) -> str:
    """The lifecycle as Mermaid ``stateDiagram-v2`` or Graphviz ``dot`` source text.

    ``labels`` maps state ids and trigger names to display text (e.g.
    ``{"registered": "已登记", "take": "受理"}``); anything not in it shows its id.
    Output is deterministic (table order) and ends with a newline. An unknown
    ``fmt`` raises :class:`InputError`.
    """
    labels = labels or {}
    if fmt == "mermaid":
        return _mermaid(labels)
    if fmt == "dot":
        return _dot(labels)
    raise InputError(f"unknown diagram format {fmt!r}", hint=f"use {' or '.join(FORMATS)}")


# Mermaid reads a transition label to the end of the line and treats these
# characters specially; its #code; entities survive parsing.
_MERMAID_ENTITIES = {"#": "#35;", ";": "#59;", ":": "#58;", '"': "#quot;", "<": "#lt;", ">": "#gt;"}


def _mermaid_text(text: str) -> str:
    text = " ".join(text.split())  # a label is one line
    return "".join(_MERMAID_ENTITIES.get(ch, ch) for ch in text)


def _mermaid(labels: Mapping[str, str]) -> str:
    lines = ["stateDiagram-v2"]
    for state in STATES:
        if state in labels:
            lines.append(f'    state "{_mermaid_text(labels[state])}" as {state}')
    lines.append(f"    [*] --> {INITIAL}")
    for source, dest, trigger in edges():
        lines.append(f"    {source} --> {dest} : {_mermaid_text(labels.get(trigger, trigger))}")
    for state in FINAL_STATES:
        lines.append(f"    {state} --> [*]")
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    text = " ".join(text.split())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot(labels: Mapping[str, str]) -> str:
    lines = [
        "digraph lifecycle {",
        "    rankdir=LR;",
        '    node [shape=box, style=rounded, fontname="sans-serif"];',
        '    edge [fontname="sans-serif"];',
        '    "__start" [shape=point, label=""];',
    ]
    for state in STATES:
        extra = ", peripheries=2" if state in FINAL_STATES else ""
        label = _dot_quote(labels.get(state, state))
        lines.append(f"    {_dot_quote(state)} [label={label}{extra}];")
    lines.append(f'    "__start" -> {_dot_quote(INITIAL)};')
    for source, dest, trigger in edges():
        label = _dot_quote(labels.get(trigger, trigger))
        lines.append(f"    {_dot_quote(source)} -> {_dot_quote(dest)} [label={label}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
