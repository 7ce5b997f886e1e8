"""The ``mediation`` console script: a desk command goes to the command server, the rest runs here.

Which commands go to the server (:data:`SERVED`): the desk's (``case``,
``queue``, ``escalate``, ``staff``, ``route``, ``calendar``), ``--help``,
``--version`` and shell completion. The analysts' long runs (``replay``,
``report``, ``rules``, ``flow``), ``init``, ``serve`` and ``server`` itself run in
their own process, where start-up is nothing beside their work.

When there is no server (the first command of the day, or ``MEDIATION_SERVER=off``),
or it cannot take the command, the command runs here exactly as it would
without one, and a server is started in the background for the next command.

This module is what every command imports first, so it imports only what is
built into the interpreter: ``_socket`` and ``_signal`` rather than ``socket``
and ``signal`` (whose enums cost more to import than the whole of a desk command
costs the server), and :mod:`marshal` for the request (see mediation.launch.protocol).
"""

from __future__ import annotations

import _signal
import _socket
import importlib
import os
import sys

from mediation.launch import place
from mediation.launch.protocol import ProtocolError, encode

#: The program a command runs: a server imports it once, a command without one here.
ENTRY = "mediation.cli:main"
#: Commands given to the server (the first argument that is not an option).
SERVED = frozenset({"case", "queue", "escalate", "staff", "route", "calendar"})
#: The variable click's shell completion sets: every press of Tab runs the program.
COMPLETION_ENV = "_MEDIATION_COMPLETE"
#: Signals passed on to the command's process (unless this process ignores them, as under
#: ``nohup``: then the command's process ignores them too).
FORWARDED = (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP, _signal.SIGQUIT)


def ignored() -> list[int]:
    """The signals of :data:`FORWARDED` and SIGTSTP this process was started ignoring."""
    return [s for s in (*FORWARDED, _signal.SIGTSTP) if _signal.getsignal(s) == _signal.SIG_IGN]


def served(argv: list[str], environ) -> bool:
    """Whether the command ``argv`` (without the program's name) goes to the server."""
    if COMPLETION_ENV in environ:
        return True
    first = next((a for a in argv if not a.startswith("-")), None)
    return first is None or first in SERVED


def run_entry() -> None:
    """Run the command in this process (the program imported by name: this module stays light)."""
    module, _, attr = ENTRY.partition(":")
    getattr(importlib.import_module(module), attr)()


def main() -> None:
    """Entry point of the ``mediation`` console script."""
    code = through_server(sys.argv, os.environ) if served(sys.argv[1:], os.environ) else None
    if code is None:
        run_entry()
        return
    sys.exit(code)


def through_server(argv: list[str], environ) -> int | None:
    """Run ``argv`` in the user's server and return its exit status; None when it must run here."""
    directory = place.server_dir(environ)
    if directory is None or not place.prepare(directory):
        return None
    key = place.key(environ)
    path = place.socket_path(directory, key)
    request = _request(argv, environ)
    if path is None or request is None:
        return None
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        try:
            sock.connect(path)
        except OSError:
            spawn(directory, key)
            return None
        try:
            _send(sock, encode(request), [0, 1, 2])
        except (OSError, ProtocolError):
            return None
        return _follow(sock)
    finally:
        sock.close()


def _request(argv: list[str], environ) -> dict | None:
    """The request for ``argv``, or None when this process's state cannot be handed over
    (a standard stream closed, the working directory gone)."""
    streams = (sys.stdin, sys.stdout, sys.stderr)
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
        cwd = os.getcwd()
    except OSError:
        return None
    if any(s is None or not isinstance(getattr(s, "encoding", None), str) for s in streams):
        return None
    mask = os.umask(0o022)
    os.umask(mask)
    return {"v": 1, "argv": list(argv), "env": dict(environ), "cwd": cwd, "umask": mask,
            "stdio": [[s.encoding, s.errors or "strict", bool(getattr(s, "write_through", False))]
                      for s in streams],
            "ignored": ignored()}


def _send(sock, data: bytes, fds: list[int]) -> None:
    """``data`` with the descriptors ``fds`` attached to its first bytes (socket.send_fds)."""
    rights = b"".join(fd.to_bytes(4, sys.byteorder, signed=True) for fd in fds)
    sent = sock.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)])
    if sent < len(data):
        sock.sendall(data[sent:])


class _Child:
    """The command's process in the server: signals received here are passed on to it."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self.pending: list[int] = []

    def forward(self, signum: int, _frame=None) -> None:
        if self.pid is None:
            self.pending.append(signum)
        else:
            _kill(self.pid, signum)

    def started(self, pid: int) -> None:
        self.pid = pid
        for signum in self.pending:
            _kill(pid, signum)
        self.pending.clear()

    def suspend(self, _signum: int, _frame=None) -> None:
        """Ctrl-Z: stop the command's process with this one, and continue it with this one."""
        if self.pid is not None:
            _kill(self.pid, _signal.SIGSTOP)
        _signal.signal(_signal.SIGTSTP, _signal.SIG_DFL)
        os.kill(os.getpid(), _signal.SIGTSTP)
        _signal.signal(_signal.SIGTSTP, self.suspend)  # here again after `fg`
        if self.pid is not None:
            _kill(self.pid, _signal.SIGCONT)


def _kill(pid: int, signum: int) -> None:
    try:  # noqa: SIM105 - contextlib is not imported on a command's way
        os.kill(pid, signum)
    except OSError:
        pass  # it has just ended


def _lines(sock):
    """The server's answer, line by line."""
    pending = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            yield line.decode("ascii", "replace")


def _follow(sock) -> int | None:
    """Pass signals on until the server says how the command ended; its exit status."""
    child = _Child()
    leave = ignored()
    before = {s: _signal.signal(s, child.forward) for s in FORWARDED if s not in leave}
    if _signal.SIGTSTP not in leave:
        before[_signal.SIGTSTP] = _signal.signal(_signal.SIGTSTP, child.suspend)
    try:
        for line in _lines(sock):
            word, _, value = line.strip().partition(" ")
            if word == "local":
                return None
            if word == "pid" and value.isdigit():
                child.started(int(value))
            elif word == "exit" and value.isdigit():
                return int(value)
            elif word == "signal" and value.isdigit():
                _restore(before)
                return _die_by(int(value))
    except OSError:
        pass
    finally:
        _restore(before)
    if child.pid is None:
        return None  # the server went away before anything ran: run it here
    print("mediation: error: the command server stopped before the command ended "
          "(MEDIATION_SERVER=off runs each command in its own process)", file=sys.stderr)
    return 1


def _restore(handlers: dict) -> None:
    for signum, handler in handlers.items():
        _signal.signal(signum, handler)


def _die_by(signum: int) -> int:
    """End as the command's process ended: by the same signal (a shell tells it apart)."""
    _signal.signal(signum, _signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    return 128 + signum  # a signal that does not end a process (it was caught there)


def spawn(directory: str, key: str, ready_fd: int | None = None) -> bool:
    """Start a server in the background unless one holds the lock; True if one was started.

    With ``ready_fd`` the server writes a line to it once it takes commands."""
    import fcntl  # only when a server is started: not on a command's way
    import subprocess

    try:
        fd = os.open(place.lock_path(directory, key), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError:
        return False
    try:  # shared: a look, not a hold (`server stop` takes a held lock for a starting server)
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return False  # held: a server is starting (or running with its socket gone: it stops by itself)
    finally:
        os.close(fd)
    args = [sys.executable, "-P", "-m", "mediation.launch.server", directory, key, ENTRY]
    if ready_fd is not None:
        args.append(f"--ready-fd={ready_fd}")
    try:
        # -P: the installed modules, not a `mediation/` folder in the working directory. The
        # server starts here (it keeps the rule set a command from here loads), then leaves.
        subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True,
                         pass_fds=() if ready_fd is None else (ready_fd,))
    except OSError:
        return False
    return True
