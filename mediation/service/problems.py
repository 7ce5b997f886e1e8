"""Errors as RFC 9457 problem details (``application/problem+json``), with the CLI's one-line messages.

Every library error becomes one JSON object: ``type``, ``title``, ``status``,
``detail`` (the line the CLI prints after ``mediation: error:``), and for bad
input ``errors``: each field named with its own line. Nothing else of an
exception reaches the client: no traceback, no SQL, no personal data from a
database error's parameters.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.responses import Response

from mediation.domain import jsonable
from mediation.errors import (
    ConcurrentUpdate,
    InputError,
    MediationError,
    NotFound,
    PermissionDenied,
    Refused,
    Unauthenticated,
)
from mediation.store.database import DatabaseError

log = logging.getLogger("mediation.service")

PROBLEM_TYPE = "application/problem+json"
#: status -> (type URI suffix, title)
TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "No valid bearer token"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid", "Invalid input"),
    429: ("rate-limited", "Too many requests"),
    500: ("internal", "Internal error"),
    503: ("unavailable", "Service unavailable"),
}


class Problem(Exception):
    """An HTTP error answered as a problem detail."""

    def __init__(self, status: int, detail: str, *, errors: list[dict] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


def problem_response(problem: Problem, instance: str | None = None) -> Response:
    """The ``application/problem+json`` response of ``problem``."""
    slug, title = TITLES.get(problem.status, ("error", "Error"))
    body: dict[str, Any] = {"type": f"/problems/{slug}", "title": title, "status": problem.status,
                            "detail": problem.detail}
    if instance:
        body["instance"] = instance
    if problem.errors:
        body["errors"] = problem.errors
    headers = dict(problem.headers)
    if problem.status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="mediation"')
    return Response(json.dumps(body, ensure_ascii=False, default=jsonable), status_code=problem.status,
                    media_type=PROBLEM_TYPE, headers=headers)


def status_of(exc: MediationError) -> int:
    """The HTTP status of a library error."""
    if isinstance(exc, Unauthenticated):
        return 401
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, ConcurrentUpdate | Refused):
        return 409
    if isinstance(exc, InputError):
        return 422
    if isinstance(exc, DatabaseError):
        return 503
    return 500


def from_error(exc: MediationError) -> Problem:
    """A library error as a problem: its one line, and the field it names."""
    status = status_of(exc)
    errors = None
    if status == 422 and isinstance(exc, InputError):
        errors = [field_error(exc)]
    return Problem(status, str(exc), errors=errors)


def field_error(exc: InputError) -> dict:
    """One entry of a problem's ``errors``: the field (and case) an input error names, and its line."""
    out: dict[str, Any] = {"field": exc.field, "detail": str(exc)}
    if exc.item:
        out["item"] = exc.item
    return out


def internal(exc: BaseException) -> Problem:
    """An unexpected failure: logged here (type only), answered without any of its text."""
    log.error("internal error: %s", type(exc).__name__)
    return Problem(500, f"internal error ({type(exc).__name__}): the centre's staff can read the "
                        "server's log")
