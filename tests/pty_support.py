"""Run a command at a real pseudo-terminal of a given size (for what the terminal changes)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEDIATION = [sys.executable, "-m", "mediation"]


def at_terminal(args: list[str], *, columns: int = 80, env: dict[str, str | None] | None = None,
                answers: str = "", cwd: Path | None = None) -> tuple[int, str]:
    """(exit code, what the terminal showed) of ``mediation ARGS`` run with a terminal of
    ``columns`` as its stdin, stdout and stderr (colours left out); ``answers`` is typed at it. $COLUMNS and
    $LINES are unset, so the width is the terminal's."""
    full = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    for key, value in (env or {}).items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = value
    full.setdefault("TERM", "xterm")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    proc = subprocess.Popen([*MEDIATION, *args], stdin=slave, stdout=slave, stderr=slave, env=full,
                            cwd=cwd or ROOT, close_fds=True)
    os.close(slave)
    if answers:
        os.write(master, answers.encode())
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            proc.kill()
            raise TimeoutError(f"mediation {' '.join(args)}: no output for 60 s")
        try:
            data = os.read(master, 65536)
        except OSError:  # the terminal closed: the command ended
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    code = proc.wait(timeout=60)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return code, ANSI.sub("", text)


#: Colour and cursor escapes, left out of what at_terminal returns.
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
