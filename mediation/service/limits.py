"""Bounds on what a client may send: the size of a request body, and requests per token per minute.

The rate limit is a token bucket per bearer token (per worker process): a
client may send ``per_minute`` requests in a burst, then one every
``60 / per_minute`` seconds. Beyond it the answer is 429 with ``Retry-After``.
"""

from __future__ import annotations

import json
import math
import threading
import time
from typing import Any

from starlette.requests import Request

from mediation.service.problems import Problem

#: Bytes a request body may hold by default (a case is a few hundred bytes; a list
#: of cases for the decision API a few hundred kilobytes).
MAX_BODY = 1 << 20


async def read_json(request: Request, limit: int) -> Any:
    """The request's JSON body, refused with 413 past ``limit`` bytes (read no further), 400 if
    it is not JSON, 415 if it says it is something else."""
    kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if kind not in ("application/json", "") and not kind.endswith("+json"):
        raise Problem(415, f"send the body as application/json, not {kind}")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem(413, f"the request body has {declared} bytes; at most {limit} are accepted")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, f"the request body is larger than {limit} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise Problem(400, "the request has no body: send a case as a JSON object")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise Problem(400, "the request body is not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise Problem(400, f"the request body is not valid JSON: {exc.msg} at line {exc.lineno}, "
                           f"column {exc.colno}") from None


class RateLimiter:
    """A token bucket per key (a bearer token's hash): ``per_minute`` requests, refilled evenly."""

    def __init__(self, per_minute: int, clock=time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Take one request from ``key``'s bucket, or raise a 429 problem."""
        if self.per_minute <= 0:
            return
        rate = self.per_minute / 60.0
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / rate)
                raise Problem(429, f"more than {self.per_minute} requests a minute with this token: "
                                   f"try again in {wait} s", headers={"Retry-After": str(wait)})
            self._buckets[key] = (tokens - 1.0, now)
