"""What a client and a command server say to each other over the Unix socket.

The client sends one *request*: four bytes of length (big-endian), then that
many bytes of a :mod:`marshal`-ed dict, with its standard input, output and
error and its working directory (an ``O_PATH`` descriptor) attached to the
first bytes (``SCM_RIGHTS``)::

    {"v": 1, "argv": [...], "env": {...}, "cwd": "/home/clerk", "umask": 18,
     "stdio": [["utf-8", "strict", false], ["utf-8", "strict", false],
               ["utf-8", "backslashreplace", false]],
     "ignored": [1]}

(``stdio``: each stream's encoding, errors and whether it writes through, as
``python -u`` makes them; ``ignored``: the signals the client was started
ignoring, as ``nohup`` starts it: the command's process ignores them too.)

or a control request without descriptors: ``{"v": 1, "control": "status"}``
(or ``"stop"``). The server answers in lines: ``pid N`` when the command's
process has started, then ``exit N`` or ``signal N`` when it has ended;
``local`` when the client must run the command itself (nothing has run);
``status {JSON}`` and ``stopping`` to control requests.

Why marshal: it is built into the interpreter (``json`` costs the client a few
milliseconds to import, a tenth of its start-up), it keeps arguments that are
not UTF-8 (lone surrogates) as they are, and only the user's own processes
reach the server (its folder is the user's alone, and it checks the peer's
uid before it reads a byte), so it never reads another's data. What it reads
is checked field by field (:func:`well_formed`).
"""

from __future__ import annotations

import marshal

VERSION = 1
#: A request larger than this (its environment, mostly) is refused: the client runs the command itself.
MAX_REQUEST = 1 << 20
HEADER = 4


class ProtocolError(Exception):
    """A request or answer that is not what this module describes."""


def encode(request: dict) -> bytes:
    """The bytes of ``request`` on the wire (length first)."""
    data = marshal.dumps(request)
    if len(data) > MAX_REQUEST:
        raise ProtocolError("request too large")
    return len(data).to_bytes(HEADER, "big") + data


def length(header: bytes) -> int:
    """The length of the request whose first bytes are ``header``; ProtocolError if too large."""
    size = int.from_bytes(header[:HEADER], "big")
    if size > MAX_REQUEST:
        raise ProtocolError("request too large")
    return size


def decode(body: bytes) -> dict:
    """The request in ``body`` (the bytes after the length); ProtocolError if it is not one."""
    try:
        request = marshal.loads(body)
    except (ValueError, EOFError, TypeError) as exc:
        raise ProtocolError(f"malformed request: {exc}") from None
    if not isinstance(request, dict) or request.get("v") != VERSION:
        raise ProtocolError("unknown request version")
    return request


def well_formed(request: dict, fds: list[int]) -> bool:
    """Whether a command request has every field, of the right type, and its four descriptors
    (standard input, output and error, and the working directory)."""
    argv, env, stdio = request.get("argv"), request.get("env"), request.get("stdio")
    return (len(fds) == 4
            and isinstance(argv, list) and bool(argv) and all(isinstance(a, str) for a in argv)
            and isinstance(env, dict)
            and all(isinstance(k, str) and isinstance(v, str) and k and "=" not in k and "\0" not in k + v
                    for k, v in env.items())
            and isinstance(request.get("cwd"), str) and isinstance(request.get("umask"), int)
            and isinstance(stdio, list) and len(stdio) == 3
            and all(isinstance(s, list) and len(s) == 3 and isinstance(s[0], str) and isinstance(s[1], str)
                    and isinstance(s[2], bool) for s in stdio)
            and isinstance(request.get("ignored", []), list)
            and all(isinstance(n, int) and 0 < n < 65 for n in request.get("ignored", [])))
