"""Where a command server lives, and which one a command may use.

A server is found by its *key*: the user, the interpreter and its settings
(``sys.executable``, its version and flags, the ``PYTHON*``, ``LANG`` and
``LC_*`` variables) and the installed package's folder. A command run with
other settings starts (or finds) another server; one run by another user never
reaches this one. Its socket and lock lie in a directory that belongs to the
user and that no one else may enter (:func:`prepare`):

- ``$MEDIATION_CACHE/server`` when ``MEDIATION_CACHE`` names a folder;
- else ``$XDG_RUNTIME_DIR/mediation``;
- else ``~/.cache/mediation/server``.

``MEDIATION_SERVER=off`` (or ``MEDIATION_CACHE=off``: nothing kept between
commands) means no server: every command runs in its own process.

Only the standard library's built-in modules are imported here: the client
imports this module on every command.
"""

from __future__ import annotations

import os
import resource
import stat
import sys
import zlib

TYPE_CHECKING = False  # typing's, without importing typing: this module is on every command's way
if TYPE_CHECKING:
    from collections.abc import Mapping

SERVER_ENV = "MEDIATION_SERVER"
CACHE_ENV = "MEDIATION_CACHE"
IDLE_ENV = "MEDIATION_SERVER_IDLE"
#: Seconds without a command after which a server stops.
IDLE_DEFAULT = 1800.0
OFF = ("off", "0", "no", "false")
#: The longest path a Unix socket may have (sun_path is 108 bytes on Linux, with its NUL).
MAX_SOCKET_PATH = 107
#: The installed package whose commands the server runs.
PACKAGE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


def server_dir(environ: Mapping[str, str]) -> str | None:
    """The folder of this user's servers, or None when commands must run in their own process."""
    if environ.get(SERVER_ENV, "").strip().lower() in OFF:
        return None
    cache = environ.get(CACHE_ENV, "")
    if cache.strip().lower() in OFF:
        return None
    # the real path: a link swapped later cannot move the folder (prepare checks the real chain)
    if cache:
        return os.path.join(os.path.realpath(cache), "server")
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime):
        return os.path.join(os.path.realpath(runtime), "mediation")
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(os.path.realpath(base), "mediation", "server")


def prepare(directory: str) -> bool:
    """Create ``directory`` (mode 0700) if need be; True if it is a real folder of this user
    that no one else may enter or swap, the only kind a server's socket is put in or looked for:
    every folder above it belongs to this user or to root, and one that others may write has
    the sticky bit (as /tmp has), so that no one else can rename it away and put another in
    its place. (The client also checks who answers on the socket: mediation.launch.client.)"""
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        st = os.lstat(directory)
    except OSError:
        return False
    if not (stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077):
        return False
    parent = os.path.dirname(directory)
    while True:
        try:
            up = os.lstat(parent)
        except OSError:
            return False
        if stat.S_ISLNK(up.st_mode) or up.st_uid not in (0, os.getuid()):
            return False
        if up.st_mode & 0o022 and not up.st_mode & stat.S_ISVTX:
            return False
        if parent == os.path.dirname(parent):
            return True
        parent = os.path.dirname(parent)


def key(environ: Mapping[str, str]) -> str:
    """Which server a command of this process may use: one of the same interpreter, settings and
    installation, and of the same user, groups, priority and resource limits (a command's process
    is a fork of its server, so it has the server's: ``ulimit -f``, ``nice`` and ``sg`` start
    another server rather than being lost)."""
    settings = sorted((k, v) for k, v in environ.items()
                      if k.startswith(("PYTHON", "LC_", "LD_")) or k in ("LANG", "LANGUAGE"))
    process = (os.getuid(), os.geteuid(), os.getgid(), os.getegid(), sorted(os.getgroups()),
               os.getpriority(os.PRIO_PROCESS, 0), limits(), namespaces())
    parts = [repr(process), sys.executable, sys.version, repr(sys.flags), PACKAGE, repr(settings)]
    data = "\0".join(parts).encode("utf-8", "surrogateescape")
    # two CRCs (zlib is built in; hashlib loads OpenSSL): a name, not a secret, in a private folder
    return f"{zlib.crc32(data):08x}{zlib.crc32(data[::-1], 0x5EED):08x}"


def limits() -> list[tuple[int, int]]:
    """This process's resource limits (soft, hard), every one ``resource`` knows."""
    return [resource.getrlimit(getattr(resource, name)) for name in sorted(dir(resource))
            if name.startswith("RLIMIT_")]


def namespaces() -> list[str]:
    """This process's Linux namespaces (a container, ``unshare``, a service's ``PrivateTmp``:
    another view of the files, another server); empty where there are none. (Not its control
    group: a terminal's tabs may each have one, and it changes no file a command sees.)"""
    found = []
    for name in ("mnt", "net", "pid", "user", "ipc", "uts", "cgroup"):
        try:  # noqa: SIM105 - contextlib is not imported on a command's way
            found.append(os.readlink(f"/proc/self/ns/{name}"))
        except OSError:
            pass
    return found


def socket_path(directory: str, server_key: str) -> str | None:
    """The server's socket, or None when the folder's path is too long for one."""
    path = os.path.join(directory, f"{server_key}.sock")
    return path if len(os.fsencode(path)) <= MAX_SOCKET_PATH else None


def lock_path(directory: str, server_key: str) -> str:
    """Held by the server while it runs: a second one started meanwhile stops at once."""
    return os.path.join(directory, f"{server_key}.lock")


def idle_seconds(environ: Mapping[str, str]) -> float:
    """``$MEDIATION_SERVER_IDLE`` (seconds, at least 1), else half an hour."""
    try:
        value = float(environ.get(IDLE_ENV, ""))
    except ValueError:
        return IDLE_DEFAULT
    return max(value, 1.0) if value == value else IDLE_DEFAULT  # NaN: the default
