"""Partners: institutions that submit entrusted cases (委托) over HTTP with a bearer token.

A supervisor adds a partner for one department (``court``, ``police``, ...); the
token is made here, handed out once, and only its SHA-256 is stored, so a copy
of the database cannot be used to submit cases. Adding and revoking are
recorded in ``partner_changes`` (who, when, what). A partner acts as the
operator ``partner:ID`` in the events of the cases it submits.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from mediation.desk.roles import SUPERVISOR, operator_of
from mediation.desk.transaction import when
from mediation.errors import InputError, NotFound, PermissionDenied, Refused, Unauthenticated
from mediation.store.schema import partner_changes, partners
from mediation.text import quoted

PARTNER_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,31}")
#: Tokens start with this, so that a leaked one is recognisable (e.g. by a secret scanner).
TOKEN_PREFIX = "mdp_"
OPERATOR_PREFIX = "partner:"


@dataclass(frozen=True, slots=True)
class Partner:
    """A partner institution as stored (never its token)."""

    id: str
    department: str
    added_at: datetime
    added_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    @property
    def operator(self) -> str:
        """How the partner is named in a case's events: ``partner:ID``."""
        return OPERATOR_PREFIX + self.id

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def as_dict(self) -> dict:
        return {"id": self.id, "department": self.department, "added_at": self.added_at,
                "added_by": self.added_by, "revoked_at": self.revoked_at,
                "revoked_by": self.revoked_by, "active": self.active}


def token_digest(token: str) -> str:
    """The SHA-256 (hex) of a token: what is stored and looked up. A token holds 256 random bits,
    so a plain hash cannot be guessed back."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _supervisor(db, operator: str | None):
    # The one place partners meet the staff and roles API (docs/design.md §8): roles from the database.
    with db.read() as conn:
        op = operator_of(conn, operator)
    if op.role != SUPERVISOR:
        raise PermissionDenied(f"{op.id} ({op.role}) may not manage partners: only supervisors may",
                               who=op.id, role=op.role, places=op.destinations, action="partners", may=("supervisor",), why="role")
    return op


def _partner(row) -> Partner:
    return Partner(row["id"], row["department"], row["added_at"], row["added_by"],
                   row["revoked_at"], row["revoked_by"])


def _change(conn: Connection, partner: str, action: str, department: str, at: datetime,
            operator: str) -> None:
    conn.execute(insert(partner_changes).values(partner_id=partner, action=action,
                                                department=department, at=at, operator=operator))


def add_partner(db, rules, partner_id: str, department: str, *, operator: str | None,
                at: datetime | None = None) -> tuple[Partner, str]:
    """Add a partner for ``department``; return it and its bearer token (shown once, never stored)."""
    op = _supervisor(db, operator)
    if not isinstance(partner_id, str) or not PARTNER_ID.fullmatch(partner_id):
        raise InputError(f"partner id {quoted(partner_id)} is not valid",
                         hint="use 1 to 32 of a-z, 0-9, '_', '.', '-', starting with a letter or digit")
    departments = rules.catalogue.departments
    if department not in departments:
        raise NotFound(f"unknown department {quoted(department)}",
                       hint=rules.catalogue.index["department"].suggest(department))
    at = when(at)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.write() as conn:
        if conn.execute(select(partners.c.id).where(partners.c.id == partner_id)).first():
            raise Refused(f"partner {partner_id} already exists",
                          hint="revoke it and add one under another id to issue a new token")
        try:
            conn.execute(insert(partners).values(id=partner_id, department=department,
                                                 token_sha256=token_digest(token), added_at=at,
                                                 added_by=op.id))
        except IntegrityError:  # another supervisor added it just now
            raise Refused(f"partner {partner_id} already exists") from None
        _change(conn, partner_id, "add", department, at, op.id)
    return Partner(partner_id, department, at, op.id), token


def revoke_partner(db, rules, partner_id: str, *, operator: str | None,
                   at: datetime | None = None) -> Partner:
    """Revoke a partner's token: from now on its requests are refused (401). Recorded."""
    op = _supervisor(db, operator)
    at = when(at)
    with db.write() as conn:
        row = conn.execute(select(partners).where(partners.c.id == partner_id)).mappings().first()
        if row is None:
            raise NotFound(f"no partner {quoted(partner_id)}", hint="mediation partner list shows them")
        if row["revoked_at"] is not None:
            raise Refused(f"partner {partner_id} was already revoked on {row['revoked_at'].isoformat()}")
        conn.execute(update(partners).where(partners.c.id == partner_id)
                     .values(revoked_at=at, revoked_by=op.id))
        _change(conn, partner_id, "revoke", row["department"], at, op.id)
        row = conn.execute(select(partners).where(partners.c.id == partner_id)).mappings().one()
    return _partner(row)


def list_partners(db) -> list[Partner]:
    """Every partner, active or revoked, by id."""
    with db.read() as conn:
        return [_partner(r) for r in conn.execute(select(partners).order_by(partners.c.id)).mappings()]


def partner_history(db, partner_id: str | None = None) -> list[dict]:
    """The recorded changes (add, revoke) of one partner or all, oldest first."""
    stmt = select(partner_changes).order_by(partner_changes.c.id)
    if partner_id is not None:
        stmt = stmt.where(partner_changes.c.partner_id == partner_id)
    with db.read() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def active_partner(conn: Connection, token: str | None) -> Partner:
    """The active partner holding ``token`` (inside the caller's transaction), else
    :class:`Unauthenticated`."""
    if not token:
        raise Unauthenticated("this needs a partner's bearer token (Authorization: Bearer ...)")
    row = conn.execute(select(partners).where(partners.c.token_sha256 == token_digest(token))
                       ).mappings().first()
    if row is None:
        raise Unauthenticated("the bearer token is not valid")
    if row["revoked_at"] is not None:
        raise Unauthenticated(f"the bearer token of partner {row['id']} was revoked")
    return _partner(row)


def authenticate(db, token: str | None) -> Partner:
    """The active partner holding ``token``, else :class:`Unauthenticated`."""
    with db.read() as conn:
        return active_partner(conn, token)


def still_active(conn: Connection, partner_id: str) -> None:
    """Refuse (:class:`Unauthenticated`) a partner revoked since its token was checked."""
    row = conn.execute(select(partners.c.revoked_at).where(partners.c.id == partner_id)).first()
    if row is None or row.revoked_at is not None:
        raise Unauthenticated(f"the bearer token of partner {partner_id} was revoked")
