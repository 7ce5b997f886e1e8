"""Files a replay writes: per-case results, rejects; each written atomically.

Every output goes to a temporary file beside its target and is renamed over
it only when the run completes, so an interrupted run leaves nothing
half-written (and an earlier complete file in place).

Per-case results are JSON Lines in the shape of docs/design.md §7 (the shape of
``mediation route --json``) with the input's ``line`` first::

    {"line": 2, "case_no": "XS-2020-00001", "review": {...}, "decision": {...}}

or, for a ``.csv`` file, one row per case with the columns :data:`RESULT_COLUMNS`.

Rejects are CSV (the default): ``line``, ``reason``, then the input's own
columns with the row's cells as they were (a row the CSV parser could not
split has its raw text under the first column; a JSON Lines input has one
column ``record``), or JSON Lines (a ``.jsonl`` name):
``{"line": 7, "reason": "...", "record": <the object or the raw line>}``.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import math
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no locks, no cleaning up
    fcntl = None  # type: ignore[assignment]

from mediation.errors import InputError
from mediation.text import CSV_ENCODINGS, spreadsheet_cell

RESULT_COLUMNS = ("line", "case_no", "review_outcome", "review_rule", "referred_to", "destination", "department",
                  "unit", "judicial_office", "mediation_type", "rule", "rules_digest")


class AtomicFile:
    """A text file written to a temporary name and renamed into place by :meth:`commit`.

    Only a regular file is ever replaced: a target that is a device, a pipe,
    a socket or a directory (``/dev/null``, ``/dev/stdout``) is refused with
    :class:`InputError` (``option`` names it in the message).
    """

    def __init__(self, path: str | Path, *, encoding: str = "utf-8", newline: str | None = None,
                 errors: str = "strict", option: str | None = None) -> None:
        self.path = Path(path)
        self.option = option
        check_target(self.path, option)
        remove_stale(self.path)
        try:
            fd, tmp = locked_temp(self.path, ".")
        except OSError as exc:
            raise InputError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self.tmp = Path(tmp)
        os.chmod(fd, 0o666 & ~_umask())  # as an ordinary new file would be, not mkstemp's 0600
        self.file = open(fd, "w", encoding=encoding, newline=newline, errors=errors)  # noqa: SIM115

    def commit(self) -> None:
        """Move the file into place and close it (unless the target has become other than a regular file).

        It is closed only once moved: until then its lock tells other runs it is not stale.
        """
        self.file.flush()
        try:
            check_target(self.path, self.option)
        except InputError:
            self.abort()
            raise
        if fcntl is None:  # pragma: no cover - Windows renames no open file (and has no locks to keep)
            self.file.close()
        os.replace(self.tmp, self.path)
        self.file.close()

    def abort(self) -> None:
        """Close and delete the temporary file (the target is left as it was)."""
        self.file.close()
        self.tmp.unlink(missing_ok=True)

    def append_parts(self, parts: Iterable[Path]) -> None:
        """Append other (temporary) files' bytes, in order, deleting each."""
        self.file.flush()
        with open(self.tmp, "ab") as out:
            _copy_parts(parts, out)


class StandardOutput:
    """``-``: standard output, with the interface of :class:`AtomicFile` (a stream cannot be taken back)."""

    path = Path("-")

    def __init__(self, *, encoding: str = "utf-8", newline: str | None = None, errors: str = "strict",
                 option: str | None = None) -> None:
        sys.stdout.flush()
        self.buffer = sys.stdout.buffer
        self.file = io.TextIOWrapper(self.buffer, encoding=encoding, newline=newline, errors=errors)

    def commit(self) -> None:
        if self.file is not None:
            self.file.flush()
            self.file.detach()  # standard output stays open
            self.file = None
            self.buffer.flush()

    abort = commit

    def append_parts(self, parts: Iterable[Path]) -> None:
        self.file.flush()
        _copy_parts(parts, self.buffer)


def is_stdout(path: str | Path | None) -> bool:
    """Whether an output path is ``-`` (standard output)."""
    return path is not None and str(path) == "-"


def output_file(path: str | Path, **kwargs) -> AtomicFile | StandardOutput:
    """Where an output goes: standard output for ``-`` (never with a BOM), else an :class:`AtomicFile`."""
    if is_stdout(path):
        kwargs["encoding"] = part_encoding(kwargs.get("encoding", "utf-8"))
        return StandardOutput(**kwargs)
    return AtomicFile(path, **kwargs)


#: The encoding of CSV files written for a spreadsheet: UTF-8 with a BOM, by which Excel knows it is UTF-8.
SPREADSHEET = CSV_ENCODINGS[0]


def check_csv_encoding(encoding: str | None) -> str | None:
    """``--csv-encoding``: one of :data:`CSV_ENCODINGS` (None: the default); InputError otherwise."""
    if encoding is None:
        return None
    name = encoding.strip().lower().replace("_", "-")
    if name not in CSV_ENCODINGS:
        raise InputError(f"--csv-encoding {encoding!r} is not one of {', '.join(CSV_ENCODINGS)}")
    return name


def part_encoding(encoding: str) -> str:
    """The encoding of text appended to a file already begun: without the BOM."""
    return "utf-8" if encoding == "utf-8-sig" else encoding


def check_target(path: Path, option: str | None = None) -> None:
    """Refuse to write ``path`` when it exists and is not a regular file (a device, pipe, socket, directory)."""
    name = f"{option} {path}" if option else str(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(f"cannot write {name}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"cannot write {name}: it is a directory", hint="name a file")
    if not stat.S_ISREG(mode):
        raise InputError(f"will not write {name}: it is not a regular file (a device, pipe or socket)",
                         hint="name a file, or - for standard output")


def locked_temp(target: Path, infix: str, directory: Path | None = None) -> tuple[int, str]:
    """A new temporary file ``.NAME<infix>XXXXXXXX.tmp`` beside ``target`` (or in ``directory``), locked.

    The lock (``flock``) lasts as long as the descriptor is open, and no longer
    than the process: :func:`remove_stale` removes only files nobody holds.
    """
    where = target.parent if directory is None else directory
    while True:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}{infix}", suffix=".tmp", dir=where)
        if fcntl is None:
            return fd, name
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a file system without locks: nobody can lock it, so nobody removes it
            return fd, name
        if os.fstat(fd).st_nlink:
            return fd, name
        os.close(fd)  # removed as stale between its creation and its lock: make another


def remove_stale(target: Path) -> list[Path]:
    """Delete the temporary files of ``target`` that earlier runs, killed, left behind (``.NAME.*.tmp``).

    A file still locked belongs to a run in progress and is left alone.
    """
    removed: list[Path] = []
    if fcntl is None:  # pragma: no cover - not on POSIX
        return removed
    try:
        candidates = list(target.parent.glob(f".{glob.escape(target.name)}.*.tmp"))
    except OSError:
        return removed
    for path in candidates:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a run in progress
            path.unlink(missing_ok=True)
            removed.append(path)
        finally:
            os.close(fd)
    return removed


def _copy_parts(parts: Iterable[Path], out) -> None:
    for part in parts:
        with open(part, "rb") as f:
            shutil.copyfileobj(f, out, 1 << 20)
        part.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def result_format(path: str | Path) -> str:
    """``csv`` for a ``.csv`` name, else ``jsonl``."""
    return "csv" if str(path).lower().endswith(".csv") else "jsonl"


class ResultWriter:
    """Writes one result per routed case (docs/design.md §7 shape plus ``line``)."""

    def __init__(self, stream, fmt: str, *, header: bool = True) -> None:
        self.stream = stream
        self.fmt = fmt
        self._cache: dict[tuple[int, int], Any] = {}
        self._keep: list[Any] = []  # the cached objects stay alive, so their ids stay theirs
        if fmt == "csv":
            self._csv = csv.writer(stream, lineterminator="\n")
            if header:
                self._csv.writerow(RESULT_COLUMNS)
            self.write = self._write_csv
        else:
            self.write = self._write_json

    def _tail(self, review, decision) -> Any:
        key = (id(review), id(decision))
        found = self._cache.get(key)
        if found is None:
            self._keep.append((review, decision))
            if self.fmt == "csv":
                d = decision
                found = [spreadsheet_cell(c) for c in (
                    review.outcome, review.rule, review.to or "",
                    *((d.destination, d.department, d.unit, d.judicial_office or "", d.mediation_type, d.rule,
                       d.rules_digest) if d else ("",) * 7))]
            else:
                body = {"review": review.as_dict(), "decision": decision.as_dict() if decision else None}
                found = json.dumps(body, ensure_ascii=False)[1:]  # '"review": ..., "decision": ...}'
            self._cache[key] = found
        return found

    def _write_json(self, line: int, case, review, decision) -> None:
        # A case number has passed parse_case (XS-YYYY-NNNNN): nothing in it needs escaping.
        case_no = "null" if case.case_no is None else f'"{case.case_no}"'
        self.stream.write(f'{{"line": {line}, "case_no": {case_no}, {self._tail(review, decision)}\n')

    def _write_csv(self, line: int, case, review, decision) -> None:
        self._csv.writerow([line, case.case_no or "", *self._tail(review, decision)])


class RejectWriter:
    """Writes the rows that could not be read or routed, with their line and reason."""

    def __init__(self, stream, fmt: str, headings: list[str] | None, *, header: bool = True) -> None:
        self.stream = stream
        self.fmt = fmt
        self.count = 0
        if fmt == "csv":
            self._csv = csv.writer(stream, lineterminator="\n")
            if header:
                self._csv.writerow(["line", "reason", *(headings if headings is not None else ["record"])])
        self.jsonl_input = headings is None

    def write(self, line: int, reason: str, values: Any) -> None:
        self.count += 1
        if self.fmt == "csv":
            if isinstance(values, dict):
                values = [json_line(values)]
            elif isinstance(values, str):
                values = [values]
            self._csv.writerow([line, spreadsheet_cell(reason), *map(spreadsheet_cell, values)])
        else:
            if isinstance(values, list) and not self.jsonl_input:
                values = list(values)
            self.stream.write(json_line({"line": line, "reason": reason, "record": values}) + "\n")


def json_line(value: Any) -> str:
    """``value`` as one line of valid JSON: never a bare ``NaN`` or ``Infinity``, never a raw surrogate.

    Text holding bytes that did not decode (or a lone surrogate) is written with
    ``\\u`` escapes, so the line stays valid UTF-8; a float that is not finite
    becomes its text (``"nan"``).
    """
    try:
        text = json.dumps(value, ensure_ascii=False, default=str, allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(value), ensure_ascii=False, default=str, allow_nan=False)
    if _SURROGATE.search(text):
        text = json.dumps(_finite(value), ensure_ascii=True, default=str, allow_nan=False)
    return text


_SURROGATE = re.compile("[\ud800-\udfff]")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def rejects_format(path: str | Path) -> str:
    """``jsonl`` for a ``.jsonl``/``.ndjson`` name, else ``csv``."""
    return "jsonl" if str(path).lower().endswith((".jsonl", ".ndjson")) else "csv"


def default_rejects_path(input_path: Path, out: Path | None, input_format: str) -> Path:
    """Beside the output (``RESULTS.rejects.csv``), else in the current directory (``FILE.rejects.csv``).

    Never beside the input: that may be a folder the user does not own (or a
    checkout's examples). A JSON Lines input gets ``.rejects.jsonl``; standard
    input (``-``) gives ``stdin.rejects.csv``.
    """
    if out is not None:
        base = out
    else:
        base = Path(input_path.name if input_path.name not in ("", "-") else "stdin")  # relative: here
    suffix = ".rejects.jsonl" if input_format == "jsonl" else ".rejects.csv"
    name = base.name
    for ext in (".jsonl", ".ndjson", ".json", ".csv"):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
            break
    return base.with_name(name + suffix)


class Outputs:
    """The result and rejects files of a run: where, in what format, and whether to keep them."""

    def __init__(self, table, out: str | Path | None, rejects: str | Path | None, *,
                 csv_encoding: str | None = None) -> None:
        self.table = table
        for option, given in (("--out", out), ("--rejects", rejects)):
            # click hands "" over as Path("."): no file name either way
            if given is not None and (not str(given).strip() or Path(given).name in ("", ".", "..")):
                raise InputError(f"{option} needs a file name, not {str(given)!r} (empty, or a directory)")
        self.out = Path(out) if out is not None else None
        if self.out is not None and not is_stdout(self.out):
            check_target(self.out, "--out")  # a directory (also "" and ".") has no name to put rejects beside
        self.out_format = result_format(self.out) if self.out else None
        beside = None if is_stdout(out) else self.out  # results on standard output: rejects beside the input
        self.rejects = Path(rejects) if rejects is not None else default_rejects_path(table.path, beside,
                                                                                     table.format)
        self.rejects_format = rejects_format(self.rejects)
        # Named, or beside named results: always written. Otherwise only when there are rejects.
        self.rejects_always = rejects is not None or beside is not None
        self.headings = table.headings if table.format == "csv" else None
        named = [("--out", self.out), ("--rejects", self.rejects)]
        for option, path in named:
            if path is not None and not is_stdout(path):
                if _same(path, table.path):
                    raise InputError(f"{option} {path} is the input file itself", hint="write the results elsewhere")
                check_target(path, option)
        if self.out is not None and (_same(self.out, self.rejects) or is_stdout(self.out) and is_stdout(self.rejects)):
            raise InputError(f"--out and --rejects are the same file: {self.out}")
        csv_encoding = check_csv_encoding(csv_encoding)
        self.out_encoding = csv_encoding or SPREADSHEET if self.out_format == "csv" else "utf-8"
        if self.rejects_format != "csv":
            self.rejects_encoding = "utf-8"
        elif csv_encoding is not None:
            self.rejects_encoding = csv_encoding
        else:  # a GB18030 file's rejects in GB18030, as it came; otherwise UTF-8 with a BOM
            self.rejects_encoding = "gb18030" if table.encoding == "gb18030" else SPREADSHEET

    def open(self) -> tuple[AtomicFile | StandardOutput | None, AtomicFile | StandardOutput]:
        results = output_file(self.out, encoding=self.out_encoding, newline="" if self.out_format == "csv" else None,
                              option="--out") if self.out else None
        try:
            rejects = output_file(self.rejects, encoding=self.rejects_encoding, newline="",
                                  errors="surrogateescape", option="--rejects")
        except BaseException:
            if results is not None:
                results.abort()
            raise
        return results, rejects

    def writers(self, results: AtomicFile | None, rejects: AtomicFile, *, header: bool = True):
        rw = ResultWriter(results.file, self.out_format, header=header) if results is not None else None
        jw = RejectWriter(rejects.file, self.rejects_format, self.headings, header=header)
        return rw, jw

    def finish(self, results: AtomicFile | None, rejects: AtomicFile, rejected: int) -> dict:
        """Commit the files to keep; report their paths (None: not written)."""
        files: dict[str, Any] = {"out": None, "rejects": None}
        if results is not None:
            results.commit()
            files["out"] = str(self.out)
        if rejected or self.rejects_always:
            rejects.commit()
            files["rejects"] = str(self.rejects)
        else:
            rejects.abort()
        return files


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
