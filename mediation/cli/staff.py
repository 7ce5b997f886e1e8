"""``mediation staff list|add|set|deactivate``: who works here (supervisors only; each change audited)."""

from __future__ import annotations

from pathlib import Path

import click

from mediation.cli.common import echo_json
from mediation.cli.options import OPERATOR_ENV, db_option, load, rules_option
from mediation.desk import staff as members
from mediation.desk.identity import identify
from mediation.desk.staff import SUPERVISOR
from mediation.errors import PermissionDenied
from mediation.store.database import open_database


def _operator(f):
    return click.option(
        "--operator", "operator", metavar="ID", envvar=OPERATOR_ENV, default=None,
        help="Who acts: may be left out, since the login says who you are; given, it must be you.",
    )(f)


def _supervisor(database, operator: str | None) -> str:
    acting = identify(database, operator)
    with database.read() as conn:
        me = members.get_member(conn, acting.operator)
    if me is None or me.role != SUPERVISOR:
        role = me.role if me else "unknown"
        raise PermissionDenied(f"{acting.operator} ({role}) may not see or change the staff: only supervisors may",
                               who=acting.operator, role=me.role if me else None,
                               places=me.destinations if me else (), action="staff", may=("supervisor",), why="role")
    return acting.operator


def _line(m: members.StaffMember) -> str:
    where = ",".join(m.destinations) or "-"
    state = "" if m.active else "  (inactive)"
    return f"{m.id:<22} {m.role:<10} {m.name}  destinations {where}  login {m.login or '-'}{state}"


@click.group()
def staff() -> None:
    """Who works here, their roles and logins (docs/roles.md).

    \b
    The staff live in the database: `mediation init` seeds them from
    staff.yaml once, and from then on only a supervisor changes them here,
    each change a row of the audit table. --rules never changes who may do
    what. A login is the PostgreSQL role a desk connects as, or on a SQLite
    file the operating-system user.
    """


@staff.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_operator
@db_option
def list_(as_json: bool, operator: str | None, db: str | None) -> None:
    """Every member of staff: id, role, name, destinations, login, active."""
    with open_database(db) as database:
        _supervisor(database, operator)
        found = members.list_staff(database)
    if as_json:
        echo_json([m.as_dict() for m in found])
        return
    for m in found:
        click.echo(_line(m))


@staff.command()
@click.argument("staff_id", metavar="ID")
@click.option("--name", required=True, help="The name shown for them.")
@click.option("--role", type=click.Choice(["clerk", "mediator", "supervisor"]), required=True)
@click.option("--destination", "destinations", multiple=True, metavar="DEST",
              help="A mediator's room or window (repeatable).")
@click.option("--login", metavar="NAME", default=None,
              help="Their PostgreSQL login role, or operating-system user for a SQLite file.")
@_operator
@db_option
@rules_option
def add(staff_id: str, name: str, role: str, destinations: tuple[str, ...], login: str | None,
        operator: str | None, db: str | None, rules_dir: Path | None) -> None:
    """Add staff member ID (on PostgreSQL an existing --login joins the role's group)."""
    rules = load(rules_dir)
    with open_database(db) as database:
        me = _supervisor(database, operator)
        member = members.add(database, rules, operator=me, id=staff_id, name=name, role=role,
                             destinations=destinations, login=login)
    click.echo(f"added {_line(member)}")


@staff.command("set")
@click.argument("staff_id", metavar="ID")
@click.option("--name", default=None)
@click.option("--role", type=click.Choice(["clerk", "mediator", "supervisor"]), default=None)
@click.option("--destination", "destinations", multiple=True, metavar="DEST",
              help="A mediator's room or window (repeatable; replaces them all).")
@click.option("--login", metavar="NAME", default=None, help="Their login (replaces the old one).")
@click.option("--no-login", is_flag=True, help="Remove their login.")
@click.option("--active/--inactive", "active", default=None, help="Whether they may act.")
@_operator
@db_option
@rules_option
def set_(staff_id: str, name: str | None, role: str | None, destinations: tuple[str, ...], login: str | None,
         no_login: bool, active: bool | None, operator: str | None, db: str | None,
         rules_dir: Path | None) -> None:
    """Change staff member ID's name, role, destinations, login or whether they are active."""
    rules = load(rules_dir)
    kwargs: dict = {}
    if login is not None and no_login:
        raise click.UsageError("--login and --no-login exclude each other")
    if login is not None or no_login:
        kwargs["login"] = None if no_login else login
    with open_database(db) as database:
        me = _supervisor(database, operator)
        member = members.update(database, rules, staff_id, operator=me, name=name, role=role,
                                destinations=destinations or None, active=active, **kwargs)
    click.echo(f"changed {_line(member)}")


@staff.command()
@click.argument("staff_id", metavar="ID")
@_operator
@db_option
@rules_option
def deactivate(staff_id: str, operator: str | None, db: str | None, rules_dir: Path | None) -> None:
    """Staff member ID may no longer act (their records stay theirs)."""
    rules = load(rules_dir)
    with open_database(db) as database:
        me = _supervisor(database, operator)
        member = members.deactivate(database, rules, staff_id, operator=me)
    click.echo(f"deactivated {_line(member)}")
