"""Start, ask and stop a user's command servers (``mediation server start|status|stop``)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import signal
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
        starting = _starting(place.lock_path(where[0], where[1]), where[1])
        if starting is not None:
            return {"state": "starting", "pid": starting}
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
    """Stop every server in the user's folder (any installation); how many were running or starting.

    A running server is asked over its socket (it ends when its running commands have); one
    still starting (its lock held, its socket not yet there) gets SIGTERM, the pid written in
    its lock file."""
    directory = place.server_dir(environ)
    if directory is None or not place.prepare(directory):
        return 0
    stopped = 0
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".lock"):
            continue
        key = name[: -len(".lock")]
        path = place.socket_path(directory, key)
        if path is not None and ask(path, "stop") == "stopping":
            stopped += 1
        elif (pid := _starting(place.lock_path(directory, key), key)) is not None:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
                stopped += 1
    return stopped


def _starting(lock: str, key: str) -> int | None:
    """The pid of the server holding ``lock``, or None when no one holds it (or the pid written
    there is not that server's: a file not yet rewritten, a pid since reused)."""
    try:
        fd = os.open(lock, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:  # held: read who holds it
            text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            return int(text) if text.isdigit() and _is_server(int(text), key) else None
        return None
    finally:
        os.close(fd)


def _is_server(pid: int, key: str) -> bool:
    """Whether process ``pid`` is the command server of ``key`` (its command line says so)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = f.read().split(b"\0")
    except OSError:
        return False
    return b"mediation.launch.server" in args and key.encode("ascii", "replace") in args


def describe(found: dict) -> str:
    """One line for ``mediation server status``."""
    state = found.get("state")
    if state == "off":
        return "off: every command runs in its own process (MEDIATION_SERVER or MEDIATION_CACHE is off)"
    if state == "starting":
        return f"starting: pid {found.get('pid')} is importing the program; it takes commands in a moment"
    if state != "running":
        return "not running: the next desk command starts it (or `mediation server start`)"
    minutes, seconds = divmod(int(found.get("uptime", 0)), 60)
    return (f"running: pid {found.get('pid')}, up {minutes} min {seconds} s, {found.get('served', 0)} commands, "
            f"{found.get('running', 0)} running now, stops after {found.get('idle', 0):g} s idle")
