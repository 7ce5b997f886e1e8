"""The ASGI application: one rule set and one database per process, errors as problem details.

:func:`create_app` builds it from :class:`~mediation.service.settings.Settings`;
:func:`app_from_env` is the factory each worker process of ``mediation serve
--workers N`` calls. Requests that touch the database run in Starlette's thread
pool (the store is synchronous); every library error leaves as a problem
detail (:mod:`.problems`), anything unexpected as a bare 500.
"""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager, nullcontext

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from mediation import __version__
from mediation.errors import MediationError
from mediation.rules import load_rules
from mediation.service import dashboard, decisions, intake, reference
from mediation.service.common import JSON, call
from mediation.service.limits import RateLimiter
from mediation.service.openapi import DESCRIPTION, TAGS, problems_for_validation
from mediation.service.problems import Problem, from_error, internal, problem_response
from mediation.service.settings import Settings
from mediation.store.database import open_database
from mediation.store.schema import HEAD_REVISION


def create_app(settings: Settings, *, rules=None) -> FastAPI:
    """The service for ``settings``: checks the database's schema and loads the rules now, so a
    server that starts is one that can answer."""
    rules = rules or load_rules(settings.rules)
    db = open_database(settings.db)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        db.dispose()

    app = FastAPI(title="mediation: 相山区多元化解纠纷调解中心 API", version=__version__,
                  description=DESCRIPTION, openapi_tags=TAGS, lifespan=lifespan,
                  default_response_class=JSON,
                  # Swagger UI and ReDoc load their script from a CDN: /docs is our own page instead
                  docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.db = db
    app.state.rules = rules
    app.state.limiter = RateLimiter(settings.rate_per_minute)
    # SQLite takes one writer at a time, and a writer that finds it busy backs off
    # in sleeps of up to 100 ms: queueing this process's writers on a lock instead
    # keeps the latency even (other processes still wait on the database's lock).
    app.state.write_lock = threading.Lock() if db.sqlite else nullcontext()

    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(MediationError, _library_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)

    @app.get("/healthz", tags=["service"], summary="存活与就绪检查 (liveness and readiness)")
    async def healthz(request: Request) -> dict:
        """``ok`` when the database answers at this program's schema revision."""
        await call(db.check_schema)
        return {"status": "ok", "schema": HEAD_REVISION, "rules_digest": rules.digest,
                "version": __version__}

    app.include_router(decisions.router)
    app.include_router(intake.router)
    app.include_router(dashboard.router)
    app.include_router(reference.router)

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = problems_for_validation(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_from_env() -> FastAPI:
    """The factory of a worker process (``uvicorn --factory``): settings from the environment."""
    return create_app(Settings.from_env())


async def _problem(request: Request, exc: Exception) -> Response:
    return problem_response(exc, request.url.path)  # type: ignore[arg-type]


async def _library_error(request: Request, exc: Exception) -> Response:
    return problem_response(from_error(exc), request.url.path)  # type: ignore[arg-type]


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "error"
    if exc.status_code == 404:
        detail = f"no such resource: {request.method} {request.url.path}"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    return problem_response(Problem(exc.status_code, detail, headers=dict(exc.headers or {})),
                            request.url.path)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for e in exc.errors():
        where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path", "header"))
        errors.append({"field": where or None, "detail": f"{where}: {e.get('msg', 'invalid')}"})
    detail = errors[0]["detail"] if errors else "invalid request"
    return problem_response(Problem(422, detail, errors=errors), request.url.path)


async def _unexpected(request: Request, exc: Exception) -> Response:
    return problem_response(internal(exc), request.url.path)
