"""Running the service under uvicorn: a clean start and a graceful stop.

Start: the database's schema and the rule set are checked before the socket
opens (:func:`~mediation.service.app.create_app`), so a misconfigured server
fails at once with one line instead of answering 500s. Stop: on SIGTERM or
SIGINT uvicorn stops accepting connections, lets the requests in flight finish
(each registration is one transaction: it either commits and is answered, or
never happened) and then exits 0. With ``workers`` > 1, uvicorn's supervisor
starts that many processes, each building the app from the environment
(:func:`~mediation.service.app.app_from_env`).
"""

from __future__ import annotations

import os
import signal

import uvicorn

from mediation.service.app import create_app
from mediation.service.settings import Settings

#: Seconds in-flight requests get to finish after SIGTERM before connections are closed.
GRACE = 30


def run(settings: Settings, *, host: str = "127.0.0.1", port: int = 8080, workers: int = 1,
        access_log: bool = True) -> None:
    """Serve until SIGTERM/SIGINT (blocking)."""
    common = {"host": host, "port": port, "access_log": access_log, "timeout_graceful_shutdown": GRACE,
              "server_header": False, "log_level": "info"}
    app = create_app(settings)  # with several workers: fail here, once, rather than in each
    # uvicorn re-raises the stopping signal once it has shut down gracefully; the
    # stop was asked for and went well, so the command then ends with status 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _stopped)
    if workers <= 1:
        uvicorn.Server(uvicorn.Config(app, **common)).run()
        return
    os.environ.update(settings.to_env())
    uvicorn.run("mediation.service.app:app_from_env", factory=True, workers=workers, **common)


def _stopped(signum, frame) -> None:
    """The stopping signal, re-raised by uvicorn after its graceful shutdown: nothing more to do."""
