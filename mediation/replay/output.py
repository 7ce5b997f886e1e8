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
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mediation.errors import InputError

RESULT_COLUMNS = ("line", "case_no", "review_outcome", "review_rule", "referred_to", "destination", "department",
                  "unit", "judicial_office", "mediation_type", "rule", "rules_digest")


class AtomicFile:
    """A text file written to a temporary name and renamed into place by :meth:`commit`."""

    def __init__(self, path: str | Path, *, encoding: str = "utf-8", newline: str | None = None,
                 errors: str = "strict") -> None:
        self.path = Path(path)
        directory = self.path.parent
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        except OSError as exc:
            raise InputError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self.tmp = Path(tmp)
        os.chmod(fd, 0o666 & ~_umask())  # as an ordinary new file would be, not mkstemp's 0600
        self.file = open(fd, "w", encoding=encoding, newline=newline, errors=errors)  # noqa: SIM115

    def commit(self) -> None:
        """Close the file and move it into place."""
        self.file.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        """Close and delete the temporary file (the target is left as it was)."""
        self.file.close()
        self.tmp.unlink(missing_ok=True)

    def append_parts(self, parts: Iterable[Path]) -> None:
        """Append other (temporary) files' bytes, in order, deleting each."""
        self.file.flush()
        with open(self.tmp, "ab") as out:
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
                found = [review.outcome, review.rule, review.to or "",
                         *((d.destination, d.department, d.unit, d.judicial_office or "", d.mediation_type, d.rule,
                            d.rules_digest) if d else ("",) * 7)]
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
                values = [json.dumps(values, ensure_ascii=False, default=str)]
            elif isinstance(values, str):
                values = [values]
            self._csv.writerow([line, reason, *values])
        else:
            if isinstance(values, list) and not self.jsonl_input:
                values = list(values)
            record = {"line": line, "reason": reason, "record": values}
            self.stream.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")


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

    def __init__(self, table, out: str | Path | None, rejects: str | Path | None) -> None:
        self.table = table
        self.out = Path(out) if out is not None else None
        self.out_format = result_format(self.out) if self.out else None
        self.rejects = Path(rejects) if rejects is not None else default_rejects_path(table.path, self.out,
                                                                                     table.format)
        self.rejects_format = rejects_format(self.rejects)
        # Named, or beside named results: always written. Otherwise only when there are rejects.
        self.rejects_always = rejects is not None or out is not None
        self.headings = table.headings if table.format == "csv" else None
        named = [("--out", self.out), ("--rejects", self.rejects)]
        for option, path in named:
            if path is not None and _same(path, table.path):
                raise InputError(f"{option} {path} is the input file itself", hint="write the results elsewhere")
        if self.out is not None and _same(self.out, self.rejects):
            raise InputError(f"--out and --rejects are the same file: {self.out}")
        if self.rejects_format == "csv" and table.format == "csv":
            self.rejects_encoding = table.encoding
        else:
            self.rejects_encoding = "utf-8"

    def open(self) -> tuple[AtomicFile | None, AtomicFile]:
        results = AtomicFile(self.out, newline="" if self.out_format == "csv" else None) if self.out else None
        try:
            rejects = AtomicFile(self.rejects, encoding=self.rejects_encoding, newline="",
                                 errors="surrogateescape")
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
