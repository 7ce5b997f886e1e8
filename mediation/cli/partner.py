"""``mediation partner add|list|revoke``: institutions that submit cases over HTTP (a supervisor's)."""

from __future__ import annotations

import click

from mediation import desk
from mediation.cli.common import echo_json
from mediation.cli.options import db_option, load, operator_option, rules_option
from mediation.desk.identity import identify
from mediation.store.database import open_database


@click.group()
def partner() -> None:
    """Partners (法院, 公安, 信访局, 12345 ...) submitting entrusted cases to `mediation serve`."""


@partner.command("add")
@click.argument("partner_id", metavar="ID")
@click.option("--department", required=True, metavar="DEPT",
              help="The partner's department (court, police, petition_bureau, ...): its cases' referred_by.")
@operator_option
@db_option
@rules_option
@click.option("--json", "as_json", is_flag=True, help="Print the partner and its token as JSON.")
def add(partner_id: str, department: str, operator: str | None, on_behalf_of: str | None, db: str | None,
        rules_dir, as_json: bool) -> None:
    """Add partner ID and print its bearer token, once: only its hash is stored.

    A supervisor's action, recorded with who and when.
    """
    rules = load(rules_dir)
    with open_database(db) as database:
        acting = identify(database, operator, on_behalf_of)
        added, token = desk.add_partner(database, rules, partner_id, department, operator=acting.operator)
    if as_json:
        echo_json({**added.as_dict(), "token": token})
        return
    click.echo(f"合作单位 {added.id} ({rules.catalogue.label('department', added.department)}) 已添加。")
    click.echo("令牌只显示这一次，请妥善交付 (the token is shown once; only its hash is kept):")
    click.echo(token)


@partner.command("list")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(db: str | None, as_json: bool) -> None:
    """Every partner, active or revoked (never a token)."""
    with open_database(db) as database:
        partners = desk.list_partners(database)
    if as_json:
        echo_json([p.as_dict() for p in partners])
        return
    if not partners:
        click.echo("(no partners)")
    for p in partners:
        state = "active" if p.active else f"revoked {p.revoked_at.isoformat()} by {p.revoked_by}"
        click.echo(f"{p.id}\t{p.department}\tadded {p.added_at.isoformat()} by {p.added_by}\t{state}")


@partner.command("revoke")
@click.argument("partner_id", metavar="ID")
@operator_option
@db_option
@rules_option
def revoke(partner_id: str, operator: str | None, on_behalf_of: str | None, db: str | None, rules_dir) -> None:
    """Revoke partner ID's token: its requests are refused (401) from now on. Recorded."""
    rules = load(rules_dir)
    with open_database(db) as database:
        acting = identify(database, operator, on_behalf_of)
        p = desk.revoke_partner(database, rules, partner_id, operator=acting.operator)
    click.echo(f"合作单位 {p.id} 的令牌已吊销 (revoked at {p.revoked_at.isoformat()} by {p.revoked_by}).")
