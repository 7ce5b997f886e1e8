"""What the routes share: JSON as the CLI writes it, blocking calls off the event loop, the partner
behind a bearer token."""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from mediation.desk.partners import Partner, authenticate, token_digest
from mediation.domain import jsonable
from mediation.errors import MediationError, Unauthenticated
from mediation.service.problems import Problem, internal


class JSON(JSONResponse):
    """JSON as the CLI prints it: UTF-8 (Chinese as is), date-times ISO, decimals as numbers."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, default=jsonable).encode("utf-8")


async def call(fn, *args, **kwargs):
    """Run a blocking library call in the thread pool; an unexpected error becomes a bare 500."""
    try:
        return await run_in_threadpool(fn, *args, **kwargs)
    except (Problem, MediationError):
        raise
    except Exception as exc:  # never a traceback for the client
        raise internal(exc) from None


def bearer(request: Request) -> str:
    """The token of ``Authorization: Bearer TOKEN``, else :class:`Unauthenticated`."""
    header = request.headers.get("authorization")
    if not header:
        raise Unauthenticated("this needs a partner's bearer token (Authorization: Bearer ...)")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must read: Bearer TOKEN")
    return token.strip()


async def partner_of(request: Request) -> Partner:
    """The active partner whose token the request carries, within its rate limit."""
    token = bearer(request)
    partner = await call(authenticate, request.app.state.db, token)
    request.app.state.limiter.check(token_digest(token))
    return partner
