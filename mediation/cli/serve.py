"""``mediation serve``: the HTTP service (decision API, partners' cases, the hall's dashboard)."""

from __future__ import annotations

from pathlib import Path

import click

from mediation.cli.options import db_option, rules_option
from mediation.errors import InputError
from mediation.service.server import run
from mediation.service.settings import DASHBOARD_REFRESH, RATE_PER_MINUTE, Settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8080, show_default=True, help="Port to listen on.")
@db_option
@rules_option
@click.option("--workers", type=int, default=1, show_default=True, metavar="N",
              help="Worker processes (each with its own connections and rate limits).")
@click.option("--rate-limit", "rate", type=int, default=RATE_PER_MINUTE, show_default=True,
              metavar="N", help="Requests a partner's token may send per minute (0: no limit).")
@click.option("--refresh", type=int, default=DASHBOARD_REFRESH, show_default=True, metavar="SECONDS",
              help="How often the dashboard page reloads itself.")
@click.option("--quiet", is_flag=True, help="No access log.")
def serve(host: str, port: int, db: str | None, rules_dir: Path | None, workers: int, rate: int,
          refresh: int, quiet: bool) -> None:
    """Serve the HTTP API and the hall's dashboard until SIGTERM or Ctrl-C.

    \b
    POST /v1/decisions        review and route cases (stores nothing)
    POST /v1/cases            a partner's entrusted case (bearer token; Idempotency-Key)
    GET  /v1/cases/{case_no}  a partner's own case, personal data masked
    GET  /dashboard           the page for the hall's screen
    GET  /healthz, /openapi.json, /docs

    SIGTERM lets the requests in flight finish, then exits. Needs
    pip install 'mediation[serve]'.
    """
    if not 0 <= port <= 65535:
        raise InputError(f"--port must be 0 to 65535, not {port}")
    if not 1 <= workers <= 64:
        raise InputError(f"--workers must be 1 to 64, not {workers}")
    if refresh < 5:
        raise InputError(f"--refresh must be at least 5 seconds, not {refresh}")
    settings = Settings.make(db, rules_dir, rate_per_minute=max(rate, 0), refresh=refresh)
    run(settings, host=host, port=port, workers=workers, access_log=not quiet)
