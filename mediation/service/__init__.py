"""The HTTP service (docs/design.md §10): the decision API, partners' entrusted cases, the hall's dashboard.

- :mod:`.app`: the ASGI application (:func:`create_app`), health and errors;
- :mod:`.decisions`: ``POST /v1/decisions`` (stores nothing);
- :mod:`.intake`: ``POST /v1/cases`` and ``GET /v1/cases/{case_no}`` for partners;
- :mod:`.dashboard`: ``GET /dashboard``, the page for the hall's screen;
- :mod:`.problems`: errors as RFC 9457 problem details;
- :mod:`.limits`: bounded request bodies and a rate per token;
- :mod:`.server`: running it under uvicorn, with a graceful stop.

FastAPI and uvicorn come with ``pip install 'mediation[serve]'``.
"""

from mediation.service.app import app_from_env, create_app
from mediation.service.settings import Settings

__all__ = ["Settings", "app_from_env", "create_app"]
