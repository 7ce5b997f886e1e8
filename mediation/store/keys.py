"""The secrets a database keeps (table ``secrets``, migration 0004): read here, printed nowhere.

- ``replay_digest_key``: the key of the digest a replayed row's register event
  stores (:func:`mediation.replay.plan.content_digest`). The digest covers the
  parties' personal data so that a rerun tells the same row from another with
  the same number; keyed, it cannot be recomputed (nor the data guessed back
  from it) without this key.
- ``unkeyed_digests_up_to``: present when the database held replayed cases
  before 0004; their digests are unkeyed (events are never rewritten), so a
  rerun compares with the unkeyed form too, and views hide them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection

from mediation.errors import MediationError
from mediation.store.schema import secrets

REPLAY_DIGEST_KEY = "replay_digest_key"
UNKEYED_DIGESTS = "unkeyed_digests_up_to"
#: How a keyed digest starts (the unkeyed ones stored before migration 0004 are bare hex).
KEYED = "keyed:"
HIDDEN = "(hidden: an unkeyed digest from before migration 0004)"


def shown_details(trigger: str, details):
    """An event's details as views show them: a replay's unkeyed digest (personal data could be
    guessed back from it) replaced by :data:`HIDDEN`."""
    if trigger != "register" or not isinstance(details, dict):
        return details
    replay = details.get("replay")
    if not isinstance(replay, dict) or not isinstance(replay.get("content"), str):
        return details
    if replay["content"].startswith(KEYED):
        return details
    return {**details, "replay": {**replay, "content": HIDDEN}}


class MissingSecret(MediationError):
    """The database lacks a secret its schema promises (someone deleted it)."""


@dataclass(frozen=True)
class ReplayKeys:
    """What a persisted replay needs to digest rows: the key, and whether unkeyed digests exist."""

    key: bytes
    unkeyed_before: bool

    def __repr__(self) -> str:  # never the key, not even in a traceback
        return f"ReplayKeys(key=<hidden>, unkeyed_before={self.unkeyed_before})"


def replay_keys(conn: Connection) -> ReplayKeys:
    """The replay digest key of the database ``conn`` is connected to."""
    found = dict(conn.execute(select(secrets.c.name, secrets.c.value)
                              .where(secrets.c.name.in_((REPLAY_DIGEST_KEY, UNKEYED_DIGESTS)))).all())
    if REPLAY_DIGEST_KEY not in found:
        raise MissingSecret(f"the database has no {REPLAY_DIGEST_KEY} (table secrets): it was removed; "
                            "restore it from a backup (a new key would make a rerun of a replay "
                            "see every stored case as different)")
    return ReplayKeys(bytes.fromhex(found[REPLAY_DIGEST_KEY]), UNKEYED_DIGESTS in found)
