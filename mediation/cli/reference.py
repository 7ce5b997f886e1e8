"""The CLI reference (``docs/cli-reference.md``), generated from the commands' own ``--help``.

Regenerate it after changing a command, an option or a help text::

    .venv/bin/python -m mediation.cli.reference docs/cli-reference.md

Every command and group is found by walking the click tree, the lazily
loaded ones included (:class:`~mediation.cli.LazyGroup` imports a command
when asked for it), and its help is what ``mediation ... --help`` prints,
at a fixed width so that the file does not depend on the terminal it was
made at. ``tests/docs/test_cli_reference.py`` fails when the file is stale.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click
from click.testing import CliRunner

from mediation.cli import cli

#: Columns of the help texts (the root group's ``max_content_width``).
WIDTH = 100
#: How to regenerate the file, from the repository's root (said in the file and by its test).
REGENERATE = ".venv/bin/python -m mediation.cli.reference docs/cli-reference.md"
#: Variables that could change what a help text says or which rule set it reads.
_ENVIRONMENT = ("MEDIATION_DB", "MEDIATION_OPERATOR", "MEDIATION_RULES", "MEDIATION_DEBUG")


def command_paths(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command below ``group``, as its words after ``mediation``, depth first in help order."""
    ctx = click.Context(group, info_name="mediation")
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        path = (*prefix, name)
        yield path
        if isinstance(command, click.Group):
            yield from command_paths(command, path)


def help_text(path: tuple[str, ...]) -> str:
    """What ``mediation PATH... --help`` prints, at :data:`WIDTH` columns."""
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="mediation", terminal_width=WIDTH,
                                env=dict.fromkeys(_ENVIRONMENT), catch_exceptions=False)
    if result.exit_code != 0:
        raise RuntimeError(f"mediation {' '.join(path)} --help exited {result.exit_code}: {result.output}")
    return result.output


def reference() -> str:
    """The whole reference as Markdown: a contents list, then each command's help in a code block."""
    paths = [(), *command_paths()]
    lines = [
        "# CLI reference",
        "",
        f"<!-- Generated from the commands' own --help; do not edit. Regenerate: {REGENERATE} -->",
        "",
        "Every command's `--help`, as `mediation` prints it. The manual's chapters explain what the",
        "commands are for ([docs/README.md](README.md)); this page is the complete list of options.",
        "",
    ]
    for path in paths:
        title = " ".join(("mediation", *path))
        lines.append(f"{'  ' * max(len(path) - 1, 0)}- [{title}](#{title.replace(' ', '-')})")
    for path in paths:
        lines += ["", f"## {' '.join(('mediation', *path))}", "", "```", help_text(path).rstrip(), "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Write the reference to the file named (or to standard output without one)."""
    args = sys.argv[1:] if argv is None else argv
    text = reference()
    if not args:
        sys.stdout.write(text)
        return
    Path(args[0]).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
