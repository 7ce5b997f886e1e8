"""``mediation flow``: the case lifecycle as a diagram."""

from __future__ import annotations

from pathlib import Path

import click

from mediation.cli.options import load, rules_option
from mediation.lifecycle import render_flow


@click.command()
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True,
              help="Mermaid stateDiagram-v2 or Graphviz dot.")
@click.option("--labels", is_flag=True, help="Chinese labels for states and triggers, from the rule files.")
@rules_option
def flow(fmt: str, labels: bool, rules_dir: Path | None) -> None:
    """Draw the lifecycle from the table the state machine is built from."""
    names = None
    if labels:
        cat = load(rules_dir).catalogue
        names = {**cat.enums.get("state", {}), **cat.enums.get("trigger", {})}
        names = {k: v[0] for k, v in names.items()}
    click.echo(render_flow(fmt, names), nl=False)
