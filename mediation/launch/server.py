"""The command server: imports the program once, then forks a child for each command.

    python -P -m mediation.launch.server DIRECTORY KEY MODULE:FUNCTION

started by :func:`mediation.launch.client.spawn` (never by hand). It

1. takes the lock ``KEY.lock`` (held already: another server is starting; this one stops);
2. imports ``MODULE`` and calls its ``warm()`` if it has one (the program's
   libraries imported, its caches filled: nothing that opens a database or a thread);
3. listens on ``KEY.sock`` (created under another name and renamed: a client never
   meets a half-started server), mode 0600 in a folder of mode 0700;
4. for each connection of its own user (``SO_PEERCRED``) receives a request
   (:mod:`.protocol`), checks that the installation is unchanged (else answers
   ``local`` and stops), forks, answers ``pid N``, and when the child has ended
   ``exit N`` or ``signal N`` (the child says ``exit N`` itself first, as it ends);
5. stops after ``$MEDIATION_SERVER_IDLE`` seconds (half an hour) without a command,
   on ``stop`` or SIGTERM (after its running commands have ended), or when its socket
   file is removed or replaced.

The child is the command's process: it takes the client's descriptors as its
standard input, output and error, its arguments, environment (and time zone),
working directory and umask, rebuilds ``sys.stdin``/``stdout``/``stderr`` with the
client's encodings, runs ``FUNCTION`` and exits with the status Python would
have exited with (``atexit`` handlers run, streams flushed).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import hashlib
import importlib
import importlib.util
import io
import json
import os
import selectors
import signal
import socket
import struct
import sys
import tempfile
import time
import traceback
from collections.abc import Callable

from mediation.launch import place
from mediation.launch.protocol import HEADER, ProtocolError, decode, length, well_formed

_CREDENTIALS = struct.Struct("3i")  # struct ucred: pid, uid, gid


class Server:
    """One user's server for one installation (see the module's doc)."""

    def __init__(self, directory: str, key: str, entry: str, environ=os.environ,
                 ready_fd: int | None = None) -> None:
        self.ready_fd = ready_fd
        self.directory = directory
        self.key = key
        self.entry_name = entry
        self.path = place.socket_path(directory, key)
        self.idle = place.idle_seconds(environ)
        self.children: dict[int, socket.socket] = {}
        self.stopping = False
        self.started = time.monotonic()
        self.served = 0
        self.listener: socket.socket | None = None
        self.inode: tuple[int, int] | None = None
        self.lock_fd = -1
        self.wake: tuple[int, int] = (-1, -1)
        self.entry: Callable[[], object] | None = None
        self.code = ""
        self.watched = ""

    # -- start and stop ---------------------------------------------------------------

    def lock(self) -> bool:
        """Take the server's lock; False when another server holds it."""
        import fcntl

        self.lock_fd = os.open(place.lock_path(self.directory, self.key),
                               os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(self.lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        # who holds it, for `mediation server stop` while this one is still starting
        os.ftruncate(self.lock_fd, 0)
        os.pwrite(self.lock_fd, f"{os.getpid()}\n".encode("ascii"), 0)
        return True

    def load(self) -> None:
        """Import the program (and warm it), and note the installation it came from."""
        module_name, _, attr = self.entry_name.partition(":")
        spec = importlib.util.find_spec(module_name.split(".")[0])
        locations = list(spec.submodule_search_locations or []) if spec else []
        # the program's files before and after: importing writes byte code, which changes the
        # folders on sys.path, so only the files count here
        before = fingerprint(locations[0] if locations else spec.origin, paths=[]) if spec else ""
        module = importlib.import_module(module_name)
        self.entry = getattr(module, attr)
        warm = getattr(module, "warm", None)
        if callable(warm):
            warm()
        gc.collect()
        gc.freeze()  # what the program imported stays in pages the children share
        self.watched = watched(module_name)
        if fingerprint(self.watched, paths=[]) != before:  # changed while imported: which version is unknown
            raise RuntimeError("the program changed while the server imported it")
        self.code = fingerprint(self.watched)

    def listen(self) -> None:
        temporary = os.path.join(self.directory, f".{self.key}.{os.getpid()}.sock")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(temporary)
        os.chmod(temporary, 0o600)
        listener.listen(64)
        os.replace(temporary, self.path)
        st = os.stat(self.path)
        self.inode = (st.st_dev, st.st_ino)
        self.listener = listener

    def ours(self) -> bool:
        """Whether the socket file is still this server's (not removed, not replaced)."""
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) == self.inode

    def stop(self) -> None:
        """Take no more commands; the server ends when the running ones have."""
        self.stopping = True
        if self.listener is not None:
            if self.ours():
                with contextlib.suppress(OSError):
                    os.unlink(self.path)
            self.selector.unregister(self.listener)
            self.listener.close()
            self.listener = None

    # -- the loop ---------------------------------------------------------------------

    def run(self) -> int:
        if self.path is None:
            return 1
        os.umask(0o077)
        if not self.lock():
            return 0
        self.load()  # in the directory of the command that started it (see warm())
        os.chdir("/")  # then nowhere: it holds no folder of the user's busy
        wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.wake = (wake_r, wake_w)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the loop (through the pipe)
        signal.signal(signal.SIGTERM, lambda *_: self.stop())
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        self.selector = selectors.DefaultSelector()
        self.listen()
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.selector.register(wake_r, selectors.EVENT_READ)
        self._ready()
        last = time.monotonic()
        while True:
            self._reap()
            if self.stopping and not self.children:
                break
            if not self.stopping and not self.children and time.monotonic() - last >= self.idle:
                self.stop()
                continue
            timeout = min(60.0, max(0.0, self.idle - (time.monotonic() - last)))
            for found, _ in self.selector.select(None if self.children else timeout):
                if found.fileobj is self.listener:
                    self._accept()
                    last = time.monotonic()
                elif found.fileobj == wake_r:
                    with contextlib.suppress(OSError):
                        while os.read(wake_r, 512):
                            pass
                elif found.data is not None and _gone(found.fileobj):  # a command's client went away
                    self.selector.unregister(found.fileobj)
                    with contextlib.suppress(OSError):
                        os.kill(found.data, signal.SIGKILL)
            if not self.stopping and not self.ours():
                self.stop()
        return 0

    def _ready(self) -> None:
        """Tell whoever waits for this server (``mediation server start``) that it takes commands."""
        if self.ready_fd is not None:
            with contextlib.suppress(OSError):
                os.write(self.ready_fd, b"ready\n")
            with contextlib.suppress(OSError):
                os.close(self.ready_fd)
            self.ready_fd = None

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is None:
                continue
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(conn)
            if os.WIFSIGNALED(status):
                answer = f"signal {os.WTERMSIG(status)}\n"
            else:
                answer = f"exit {os.waitstatus_to_exitcode(status)}\n"
            with contextlib.suppress(OSError):
                conn.sendall(answer.encode("ascii"))
            conn.close()

    def _accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        fds: list[int] = []
        try:
            conn.settimeout(5.0)  # a client sends its request at once (a loaded machine: a few seconds)
            _pid, uid, _gid = _CREDENTIALS.unpack(
                conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CREDENTIALS.size))
            if uid != os.getuid():
                conn.close()
                return
            request, fds = receive_request(conn)
            control = request.get("control")
            if control is not None:
                self._control(conn, control)
                return
            if not well_formed(request, fds):
                conn.close()
                return
            if fingerprint(self.watched) != self.code:  # a new release or an edited checkout
                conn.sendall(b"local\n")
                conn.close()
                self.stop()
                return
            self._fork(conn, request, fds)
        except (OSError, ProtocolError):
            if conn not in self.children.values():  # a child's connection is closed when it is reaped
                conn.close()
        finally:
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _control(self, conn: socket.socket, control: str) -> None:
        with conn:
            if control == "status":
                status = {"pid": os.getpid(), "uptime": time.monotonic() - self.started, "served": self.served,
                          "running": len(self.children), "idle": self.idle, "socket": self.path}
                conn.sendall(b"status " + json.dumps(status).encode("ascii") + b"\n")
            elif control == "stop":
                self.stop()  # first: once told, no command reaches this server
                conn.sendall(b"stopping\n")

    def _fork(self, conn: socket.socket, request: dict, fds: list[int]) -> None:
        if _gone(conn):
            conn.close()  # the client gave up (or was killed) while this server was busy
            return
        # Signals the client passes on are held back until the child has its handlers (else one
        # sent just after "pid" would meet the server's and be lost), and the server's own too.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
        try:
            pid = os.fork()
            if pid == 0:
                self._child(conn, request, fds, held)  # never returns
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        self.children[pid] = conn  # from here the connection is the child's: closed when it is reaped
        self.served += 1
        # a client that goes (killed, or given up) takes its command with it, as its own process would
        self.selector.register(conn, selectors.EVENT_READ, pid)
        # A quick command may have ended, and its client read the child's "exit" and gone, before
        # this line is sent (the child can run first): the client has no use for it then.
        with contextlib.suppress(OSError):
            conn.sendall(f"pid {pid}\n".encode("ascii"))

    # -- the command's process --------------------------------------------------------

    def _child(self, conn: socket.socket, request: dict, fds: list[int], mask: set) -> None:
        code = 1
        try:
            signal.set_wakeup_fd(-1)
            for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
                signal.signal(signum, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            for signum in request.get("ignored", []):  # as the client was started (nohup)
                signal.signal(signum, signal.SIG_IGN)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a signal held back arrives now
            self.selector.close()
            for other in [self.listener, *self.children.values()]:
                if other is not None:
                    other.close()
            for fd in (*self.wake, self.lock_fd):
                with contextlib.suppress(OSError):
                    os.close(fd)
            os.fchdir(fds[3])  # the client's working directory itself (not its name)
            for target, fd in enumerate(fds[:3]):
                os.dup2(fd, target)
            for fd in fds:
                if fd > 2:
                    os.close(fd)
            adopt(request)
            code = run_entry(self.entry)
            # Said here, before this process is torn down (a few milliseconds for a process of
            # this size); the server says it again when it has reaped the child (and says how
            # it ended, if it never came here: killed by a signal).
            with contextlib.suppress(OSError):
                conn.sendall(f"exit {code}\n".encode("ascii"))
        except BaseException:  # noqa: B036 - the child must always end here, never return to the loop
            with contextlib.suppress(Exception):
                traceback.print_exc()
        finally:
            os._exit(code)


#: The signals a client passes on (held back around a fork), and the server's own SIGTERM.
HELD = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT}


def _gone(conn: socket.socket) -> bool:
    """Whether the client at the other end of ``conn`` has closed it (or gone: it sends nothing
    after its request, so anything to read is its end)."""
    conn.settimeout(None)  # a socket with a timeout waits before it reads, MSG_DONTWAIT or not
    try:
        return conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def receive_request(sock: socket.socket) -> tuple[dict, list[int]]:
    """(request, descriptors) as the client sent them (see mediation.launch.protocol);
    ProtocolError if malformed. The descriptors are the caller's to close, in any case."""
    data, fds, _flags, _addr = socket.recv_fds(sock, 65536, 4)
    try:
        while len(data) < HEADER:
            data += _more(sock)
        size = length(data)
        while len(data) < HEADER + size:
            data += _more(sock)
        return decode(data[HEADER:HEADER + size]), fds
    except BaseException:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        raise


def _more(sock: socket.socket) -> bytes:
    chunk = sock.recv(65536)
    if not chunk:
        raise ProtocolError("request cut short")
    return chunk


def fingerprint(code: str, paths: list[str] | None = None) -> str:
    """The program as installed now: the size and time of every module under ``code`` (its
    top package's folder, or its one file), and the time of every folder on ``sys.path``
    (which changes when a library is installed or removed). When it changes, the server
    hands the command back and stops."""
    digest = hashlib.sha256()
    todo = [code]
    while todo:
        folder = todo.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except NotADirectoryError:
            entries = []
            _stamp(digest, folder, os.stat(folder))
        except OSError:
            digest.update(f"{folder}:-\0".encode("utf-8", "surrogateescape"))
            continue
        for entry in entries:
            if entry.name == "__pycache__":
                continue
            if entry.is_dir(follow_symlinks=False):
                todo.append(entry.path)
            elif entry.name.endswith(".py"):
                _stamp(digest, entry.path, entry.stat(follow_symlinks=False))
    for folder in sys.path if paths is None else paths:
        try:
            digest.update(f"{folder}:{os.stat(folder or '.').st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
        except OSError:
            digest.update(f"{folder}:-\0".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _stamp(digest, path: str, st: os.stat_result) -> None:
    digest.update(f"{path}:{st.st_size}:{st.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))


def watched(module_name: str) -> str:
    """What :func:`fingerprint` looks at for the program ``module_name``: its top package's
    folder (``mediation/``), or the file of a module that is not in a package."""
    top = sys.modules[module_name.split(".")[0]]
    folders = list(getattr(top, "__path__", []))
    return folders[0] if folders else top.__file__


def adopt(request: dict) -> None:
    """Become the client's process: its umask, environment, arguments and streams (its working
    directory and descriptors are taken before, from what came with the request)."""
    os.umask(request["umask"] & 0o777)
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    tempfile.tempdir = None  # chosen again from this environment's TMPDIR
    sys.argv = list(request["argv"])
    (in_enc, in_err, _), (out_enc, out_err, unbuffered), (err_enc, err_err, _) = request["stdio"]
    sys.stdin = sys.__stdin__ = _text(0, "<stdin>", "r", in_enc, in_err, unbuffered)
    sys.stdout = sys.__stdout__ = _text(1, "<stdout>", "w", out_enc, out_err, unbuffered)
    sys.stderr = sys.__stderr__ = _text(2, "<stderr>", "w", err_enc, err_err, unbuffered)


def _text(fd: int, name: str, mode: str, encoding: str, errors: str, unbuffered: bool) -> io.TextIOWrapper:
    """A standard stream as CPython makes it at start-up (``create_stdio``): buffered, line by
    line at a terminal and on stderr; with ``-u`` (PYTHONUNBUFFERED: the client's stdout writes
    through) output not buffered at all; no newline translation."""
    raw = io.FileIO(fd, mode, closefd=False)
    raw.name = name
    if mode == "r":
        buffer = io.BufferedReader(raw)
    else:
        buffer = raw if unbuffered else io.BufferedWriter(raw)
    stream = io.TextIOWrapper(buffer, encoding=encoding, errors=errors, newline="\n",
                              line_buffering=not unbuffered and (os.isatty(fd) or fd == 2),
                              write_through=unbuffered)
    stream.mode = mode
    return stream


def run_entry(entry: Callable[[], object]) -> int:
    """Run the program as ``python`` runs a script: the exit status it would end with."""
    try:
        entry()
        code = 0
    except SystemExit as exc:
        code = _exit_status(exc.code)
    except KeyboardInterrupt as exc:
        _print_from_entry(exc)
        _flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)  # as Python does: the parent sees the signal
        code = 130
    except BaseException as exc:  # noqa: B036 - as the interpreter: a traceback and status 1
        _print_from_entry(exc)
        code = 1
    atexit._run_exitfuncs()
    if not _flush_at_exit():
        code = 120  # as Python when its standard streams cannot be flushed at exit
    return code


def _print_from_entry(exc: BaseException) -> None:
    """The traceback Python prints for an uncaught ``exc``, from the program's entry point on:
    the launcher's own frames (here, and the script's in a process of its own) are not the
    program's."""
    with contextlib.suppress(Exception):
        traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next if exc.__traceback__ else None)


def _exit_status(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    with contextlib.suppress(Exception):
        print(value, file=sys.stderr)
    return 1


def _flush() -> bool:
    ok = True
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and not stream.closed:
                stream.flush()
        except (OSError, ValueError):
            ok = False
    return ok


def _flush_at_exit() -> bool:
    """Flush the standard streams as Python does when it ends (``flush_std_files``): a failure of
    stdout is told on stderr as an exception ignored, one of stderr silently; False if either failed."""
    ok = True
    stdout = sys.stdout
    if stdout is not None and not getattr(stdout, "closed", True):
        try:
            stdout.flush()
        except Exception as exc:
            ok = False
            with contextlib.suppress(Exception):
                sys.stderr.write(f"Exception ignored in: {stdout!r}\n"
                                 + "".join(traceback.format_exception_only(type(exc), exc)))
    stderr = sys.stderr
    if stderr is not None and not getattr(stderr, "closed", True):
        try:
            stderr.flush()
        except Exception:
            ok = False
    return ok


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    ready = [a for a in args if a.startswith("--ready-fd=")]
    args = [a for a in args if not a.startswith("--ready-fd=")]
    if len(args) != 3 or len(ready) > 1 or (ready and not ready[0].split("=", 1)[1].isdigit()):
        print("usage: python -P -m mediation.launch.server DIRECTORY KEY MODULE:FUNCTION [--ready-fd=N]",
              file=sys.stderr)
        return 2
    directory = args[0]
    if not place.prepare(directory):
        return 1
    ready_fd = int(ready[0].split("=", 1)[1]) if ready else None
    return Server(directory, args[1], args[2], ready_fd=ready_fd).run()


if __name__ == "__main__":
    sys.exit(main())
