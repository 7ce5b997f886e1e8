"""What a server runs with: the database, the rule set, its bounds. Passed to worker processes
through the environment (``MEDIATION_SERVE_*``), since ``--workers N`` starts them afresh."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mediation.rules.locate import default_rules_dir
from mediation.service.limits import MAX_BODY
from mediation.store.url import resolve_url

#: Requests a partner's token may send per minute, by default.
RATE_PER_MINUTE = 600
#: Seconds between the dashboard's refreshes, by default.
DASHBOARD_REFRESH = 60


@dataclass(frozen=True, slots=True)
class Settings:
    """A server's settings. ``db`` is a URL (resolved like ``--db``); ``rules`` a directory."""

    db: str
    rules: Path
    max_body: int = MAX_BODY
    rate_per_minute: int = RATE_PER_MINUTE
    refresh: int = DASHBOARD_REFRESH

    @classmethod
    def make(cls, db: str | None = None, rules: Path | None = None, **kw) -> Settings:
        """Settings with ``db`` and ``rules`` resolved as the CLI resolves them."""
        return cls(resolve_url(db), Path(rules or default_rules_dir()).resolve(), **kw)

    def to_env(self) -> dict[str, str]:
        return {"MEDIATION_SERVE_DB": self.db, "MEDIATION_SERVE_RULES": str(self.rules),
                "MEDIATION_SERVE_MAX_BODY": str(self.max_body),
                "MEDIATION_SERVE_RATE": str(self.rate_per_minute),
                "MEDIATION_SERVE_REFRESH": str(self.refresh)}

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(env["MEDIATION_SERVE_DB"], Path(env["MEDIATION_SERVE_RULES"]),
                   int(env.get("MEDIATION_SERVE_MAX_BODY", MAX_BODY)),
                   int(env.get("MEDIATION_SERVE_RATE", RATE_PER_MINUTE)),
                   int(env.get("MEDIATION_SERVE_REFRESH", DASHBOARD_REFRESH)))
