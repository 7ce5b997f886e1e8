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


#: Seconds the client waits for the server to take the command (its ``pid`` line): a server
#: stopped (``kill -STOP``) or stuck is given up on, and the command runs here. The server never
#: starts a command whose client has gone, and kills one whose client goes.
ANSWER_TIMEOUT = 5.0


def through_server(argv: list[str], environ) -> int | None:
    """Run ``argv`` in the user's server and return its exit status; None when it must run here."""
    if not _can_hand_over(argv):
        return None
    directory = place.server_dir(environ)
    if directory is None or not place.prepare(directory):
        return None
    key = place.key(environ)
    path = place.socket_path(directory, key)
    request = _request(argv, environ)
    if path is None or request is None:
        return None
    try:  # the working directory itself, not its name (a name may be renamed, or unreachable)
        here = os.open(".", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    except (OSError, AttributeError):
        return None
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.settimeout(ANSWER_TIMEOUT)
        try:
            sock.connect(path)
        except OSError:
            spawn(directory, key)
            return None
        if not _ours(sock):
            return None  # someone else's process answers there: it is told nothing
        try:
            _send(sock, encode(request), [0, 1, 2, here])
        except (OSError, ProtocolError):
            return None
        finally:
            os.close(here)
            here = -1
        return _follow(sock)
    finally:
        sock.close()
        if here != -1:
            os.close(here)


def _can_hand_over(argv: list[str]) -> bool:
    """Whether a forked process of the server can do what this one would: not when an argument
    names a descriptor of this process beyond the standard three (``/dev/fd/3``), nor when a
    standard stream is a terminal this process is in the background of (``cmd &``: reading it
    must stop this process, as job control does, not take what the shell is given)."""
    for arg in argv[1:]:
        for prefix in ("/dev/fd/", "/proc/self/fd/"):
            at = arg.find(prefix)
            if at != -1 and arg[at + len(prefix):].split("/")[0] not in ("0", "1", "2"):
                return False
    return _foreground()


def _foreground() -> bool:
    """False when a standard stream is a terminal whose foreground is not this process's group."""
    for fd in (0, 1, 2):
        try:
            if os.isatty(fd) and os.tcgetpgrp(fd) != os.getpgrp():
                return False
        except OSError:
            pass
    return True


def _ours(sock) -> bool:
    """Whether the process listening at ``sock`` is this user's (SO_PEERCRED: pid, uid, gid)."""
    try:
        credentials = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
    except (OSError, AttributeError):
        return False
    return int.from_bytes(credentials[4:8], sys.byteorder) == os.geteuid()


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


class _Interrupted(Exception):
    """A signal came before the server said the command had started: this process ends by it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _Child:
    """The command's process in the server: signals received here are passed on to it."""

    def __init__(self) -> None:
        self.pid: int | None = None

    def forward(self, signum: int, _frame=None) -> None:
        if self.pid is None:
            raise _Interrupted(signum)  # nothing has run: end here (the server kills what it forked)
        _kill(self.pid, signum)

    def suspend(self, _signum: int, _frame=None) -> None:
        """Ctrl-Z: stop the command's process with this one, and continue it with this one."""
        if self.pid is not None:
            _kill(self.pid, _signal.SIGSTOP)
        _signal.signal(_signal.SIGTSTP, _signal.SIG_DFL)
        os.kill(os.getpid(), _signal.SIGTSTP)
        _signal.signal(_signal.SIGTSTP, self.suspend)  # here again after `fg` or `bg`
        if not _foreground():  # `bg` at a terminal: wait for `fg`, as a process reading it would
            os.kill(os.getpid(), _signal.SIGTTIN)
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
                child.pid = int(value)
                sock.settimeout(None)  # the command takes as long as it takes
            elif word == "exit" and value.isdigit():
                return int(value)
            elif word == "signal" and value.isdigit():
                _restore(before)
                return _die_by(int(value))
    except _Interrupted as interrupted:
        _restore(before)
        sock.close()  # the server sees it gone: it starts nothing, or kills what it started
        return _die_by(interrupted.signum)
    except OSError:  # the server went away, or did not answer in time
        pass
    finally:
        _restore(before)
    if child.pid is None:
        return None  # the server went away before anything ran: run it here
    # the desk's words (the served commands are the desk's): the command may have done its work
    print("mediation: error: 命令服务器在命令结束前停止了：命令可能已做完，也可能没有，请先核对再重做"
          "（MEDIATION_SERVER=off 让每个命令在自己的进程里运行）", file=sys.stderr)
    return 1


def _restore(handlers: dict) -> None:
    for signum, handler in handlers.items():
        _signal.signal(signum, handler)


def _die_by(signum: int) -> int:
    """End as the command's process ended: by the same signal (a shell tells it apart)."""
    try:  # noqa: SIM105 - contextlib is not imported on a command's way
        _signal.signal(signum, _signal.SIG_DFL)
    except (OSError, ValueError):
        pass  # SIGKILL and SIGSTOP have no handler to reset
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
