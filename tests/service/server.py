"""A real ``mediation serve`` on a loopback port, and a plain HTTP client for it (stdlib only).

The server is a subprocess, as in production; it is ready when ``/healthz``
answers 200 (polled: each failed poll waits on the connection, not on a sleep).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PG_ENV = "MEDIATION_TEST_PG"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


class Client:
    """One keep-alive connection to the server (not thread-safe: one per thread)."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 60) -> None:
        self.port, self.token, self.timeout = port, token, timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method: str, path: str, body: Any = None, *, token: str | None = None,
                headers: dict[str, str] | None = None, raw: bytes | None = None) -> Answer:
        h = {"Content-Type": "application/json"}
        token = token if token is not None else self.token
        if token:
            h["Authorization"] = f"Bearer {token}"
        h.update(headers or {})
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        try:
            self.conn.request(method, path, body=data, headers=h)
            r = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.conn.close()  # a closed keep-alive connection: once more on a new one
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.conn.request(method, path, body=data, headers=h)
            r = self.conn.getresponse()
        return Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8"))

    def get(self, path: str, **kw) -> Answer:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw) -> Answer:
        return self.request("POST", path, body, **kw)

    def close(self) -> None:
        self.conn.close()


class Server:
    """``mediation serve`` in a subprocess on a free loopback port."""

    def __init__(self, db_url: str, *args: str, log: Path) -> None:
        self.port = free_port()
        self.db_url = db_url
        self.log = log
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("MEDIATION_DB", None)
        self.out = open(log, "wb")  # noqa: SIM115 (closed by stop())
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mediation", "serve", "--db", db_url, "--port", str(self.port),
             "--rules", str(ROOT / "rules"), *args],
            stdout=self.out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}): {self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
            except OSError:
                # not listening yet: wait for the process a little instead of spinning
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=0.05)
                continue
            answer = Client(self.port).get("/healthz")
            if answer.status == 200:
                return
        raise RuntimeError(f"the server was not ready in {timeout} s: {self.log.read_text()}")

    def client(self, token: str | None = None) -> Client:
        return Client(self.port, token)

    def stop(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        return self.proc.returncode


