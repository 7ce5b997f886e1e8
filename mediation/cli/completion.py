"""``mediation completion SHELL``: the shell completion script, as ``gh completion`` prints it."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

SHELLS = ("bash", "zsh", "fish")
#: The variable click's completion scripts set when they ask the program for candidates.
COMPLETE_VAR = "_MEDIATION_COMPLETE"


def completion_script(root: click.Command, shell: str, prog_name: str = "mediation") -> str:
    """The completion script of ``shell`` for the command ``root``."""
    cls = get_completion_class(shell)
    if cls is None:  # pragma: no cover - SHELLS are click's own
        raise click.BadParameter(f"no completion for {shell}")
    return cls(root, {}, prog_name, COMPLETE_VAR).source()


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the completion script of SHELL (bash, zsh or fish).

    It completes commands and options, and their values: destinations (rooms
    and windows), categories, streets and other labels by id or Chinese name,
    operators, and case numbers from the database (--db if given before).

    \b
    bash:  echo 'eval "$(mediation completion bash)"' >> ~/.bashrc
    zsh:   echo 'eval "$(mediation completion zsh)"' >> ~/.zshrc
    fish:  mediation completion fish > ~/.config/fish/completions/mediation.fish
    """
    root = click.get_current_context().find_root().command
    click.echo(completion_script(root, shell), nl=False)
