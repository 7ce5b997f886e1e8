"""``mediation rules fmt``: rewrite rule files in the canonical form (comments kept)."""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from mediation.cli.options import rules_option
from mediation.rules.fmt import format_files, rule_files, write
from mediation.rules.locate import default_rules_dir


@click.command()
@click.argument("paths", nargs=-1, metavar="[DIR|FILE]...", type=click.Path(exists=True, path_type=Path))
@rules_option
@click.option("--check", is_flag=True, help="Change nothing: list the files not in canonical form (with a diff) "
              "and exit 1 if there are any.")
def fmt(paths: tuple[Path, ...], rules_dir: Path | None, check: bool) -> None:
    """Rewrite the rule files of DIR (and DIR/tests) in the canonical form.

    Keys of each rule in a fixed order (id, label, when, outcome, to, reason,
    valid_from, valid_until), indentation by 2, long flow collections wrapped
    at 110 columns; comments, quotes and blank lines kept; the data never
    change (nor the rule set's digest). See "Formatting" in docs/rules.md.
    Default: the rule set of --rules, $MEDIATION_RULES or ./rules.
    """
    files: list[Path] = []
    for p in paths or (rules_dir or default_rules_dir(),):
        files += rule_files(p) if p.is_dir() else [p]
    results = format_files(files)
    changed = [r for r in results if r.changed]
    for r in changed:
        if check:
            click.echo(f"would reformat {r.path}")
            diff = difflib.unified_diff(r.old.splitlines(), r.new.splitlines(), f"{r.path}", f"{r.path} (fmt)",
                                        lineterm="", n=1)
            for line in diff:
                click.echo(line)
        else:
            write(r)
            click.echo(f"reformatted {r.path}")
    verb = "would be reformatted" if check else "reformatted"
    click.echo(f"{len(changed)} of {len(results)} rule files {verb}" if changed else
               f"{len(results)} rule files already in canonical form")
    if check and changed:
        raise click.exceptions.Exit(1)
