"""``mediation staff list|add|set|deactivate``: who works here (supervisors only; each change audited)."""

from __future__ import annotations

from pathlib import Path

import click

from mediation.cli.common import console, echo_json, label
from mediation.cli.options import OPERATOR_ENV, db_option, load, rules_option
from mediation.cli.tables import Column, print_table
from mediation.cli.words.refusals import ROLES, person
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


#: Whether a member may act, as the list and the confirmations say it.
STATES = {True: "启用", False: "停用"}
#: The list's columns: the id, name, role and state are never cut (a name wraps if it must);
#: the destinations wrap, then the login is left out (the caption says so; --json has it).
COLUMNS = (Column("编号"), Column("姓名", give=1, wrap=True, keep=True), Column("角色"),
           Column("去向", give=2, wrap=True), Column("登录", give=3), Column("状态"))


def _row(rules, m: members.StaffMember) -> list[str]:
    places = "\n".join(f"{label(rules, 'destination', d)} {d}" for d in m.destinations)
    return [m.id, m.name, ROLES.get(m.role, m.role), places, m.login or "", STATES[m.active]]


def _said(rules, done: str, m: members.StaffMember) -> None:
    """``已添加 med_x（调解员，综合调解室 room.general）  姓名 调解员戊  登录 medx  启用``, wrapped at the width."""
    line = (f"{done} {person(rules, m.id, m.role, m.destinations)}  姓名 {m.name}  登录 {m.login or '无'}  "
            f"{STATES[m.active]}")
    console().print(line, markup=False)


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
@rules_option
def list_(as_json: bool, operator: str | None, db: str | None, rules_dir: Path | None) -> None:
    """Every member of staff: id, name, role, destinations, login, whether active (启用/停用)."""
    with open_database(db) as database:
        _supervisor(database, operator)
        found = members.list_staff(database)
    if as_json:
        echo_json([m.as_dict() for m in found])
        return
    rules = load(rules_dir)
    print_table(COLUMNS, [_row(rules, m) for m in found], title=f"工作人员 {len(found)} 人")


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
    _said(rules, "已添加", member)


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
    _said(rules, "已更改", member)


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
    _said(rules, "已停用", member)
