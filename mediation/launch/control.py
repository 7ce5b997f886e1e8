"""Start, ask and stop a user's command servers (``mediation server start|status|stop``)."""

from __future__ import annotations

import json
import os
import select
import socket
from collections.abc import Mapping

from mediation.launch import place
from mediation.launch.client import spawn
from mediation.launch.protocol import ProtocolError, encode

#: How long ``start`` waits for a new server to take commands (it imports the whole program).
START_TIMEOUT = 60.0


def ask(path: str, control: str, timeout: float = 5.0) -> str | None:
    """Send a control request to the server at ``path``; its answer line, or None if none answers."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path)
            sock.sendall(encode({"v": 1, "control": control}))
            return sock.makefile("rb").readline().decode("ascii", "replace").strip() or None
    except (OSError, ProtocolError):
        return None


def _where(environ: Mapping[str, str]) -> tuple[str, str, str] | None:
    directory = place.server_dir(environ)
    if directory is None or not place.prepare(directory):
        return None
    key = place.key(environ)
    path = place.socket_path(directory, key)
    return None if path is None else (directory, key, path)


def status(environ: Mapping[str, str] = os.environ) -> dict:
    """{"state": "off"|"stopped"|"running", ...} for this user, installation and settings."""
    where = _where(environ)
    if where is None:
        return {"state": "off"}
    answer = ask(where[2], "status")
    if answer is None or not answer.startswith("status "):
        return {"state": "stopped", "socket": where[2]}
    try:
        found = json.loads(answer[len("status "):])
    except ValueError:
        return {"state": "stopped", "socket": where[2]}
    return {"state": "running", **found}


def start(environ: Mapping[str, str] = os.environ, timeout: float = START_TIMEOUT) -> dict:
    """Start the server if none runs and wait until it takes commands; its :func:`status`."""
    where = _where(environ)
    if where is None:
        return {"state": "off"}
    found = status(environ)
    if found["state"] == "running":
        return found
    read_end, write_end = os.pipe()
    try:
        started = spawn(where[0], where[1], ready_fd=write_end)
        os.close(write_end)
        write_end = -1
        if started:
            # the server writes a line once it listens; end of file: it stopped (another one won)
            ready, _, _ = select.select([read_end], [], [], timeout)
            if ready:
                os.read(read_end, 64)
    finally:
        os.close(read_end)
        if write_end != -1:
            os.close(write_end)
    return status(environ)


def stop_all(environ: Mapping[str, str] = os.environ) -> int:
    """Ask every server in the user's folder (any installation) to stop; how many answered."""
    directory = place.server_dir(environ)
    if directory is None or not place.prepare(directory):
        return 0
    sockets = sorted(os.path.join(directory, n) for n in os.listdir(directory) if n.endswith(".sock"))
    return sum(ask(path, "stop") == "stopping" for path in sockets)


def describe(found: dict) -> str:
    """One line for ``mediation server status``."""
    state = found.get("state")
    if state == "off":
        return "off: every command runs in its own process (MEDIATION_SERVER or MEDIATION_CACHE is off)"
    if state != "running":
        return "not running: the next desk command starts it (or `mediation server start`)"
    minutes, seconds = divmod(int(found.get("uptime", 0)), 60)
    return (f"running: pid {found.get('pid')}, up {minutes} min {seconds} s, {found.get('served', 0)} commands, "
            f"{found.get('running', 0)} running now, stops after {found.get('idle', 0):g} s idle")
