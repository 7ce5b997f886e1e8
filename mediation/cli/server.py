"""``mediation server``: the command server that keeps desk commands quick (see mediation.launch)."""

from __future__ import annotations

import click

from mediation.launch import control


@click.group()
def server() -> None:
    """The command server that keeps desk commands quick.

    \b
    Desk commands (case, queue, escalate, staff, route, calendar) are handed to
    a warm process of yours that has imported the program once; it forks a
    process per command, which works with your terminal, files and login as
    the command would on its own. The first command starts it; it stops after
    $MEDIATION_SERVER_IDLE seconds (1800) without a command, or when the
    program is upgraded. MEDIATION_SERVER=off runs every command on its own.
    """


@server.command()
def status() -> None:
    """Whether your server for this installation runs, since when, how many commands it ran."""
    click.echo(control.describe(control.status()))


@server.command()
def start() -> None:
    """Start the server now (and wait until it takes commands), rather than at the next command."""
    click.echo(control.describe(control.start()))


@server.command()
def stop() -> None:
    """Stop your servers (every installation's); running commands finish first."""
    stopped = control.stop_all()
    click.echo(f"stopped {stopped} server{'s' if stopped != 1 else ''}" if stopped else "no server was running")
