"""Running a dry run on one process or several, and writing its files atomically.

With N workers the file is cut into N byte ranges, each starting where a row
starts: after a line break with an even number of quote characters before it
(so not inside a quoted field), and with its first line number counted. Each
process reads and routes its own range and writes its results and rejects to
temporary part files; the parent sums the counts and joins the parts in
order. The summary, the results and the rejects are therefore the same as
with one process.

A range whose end falls inside a quoted field after all (a stray quote in an
unquoted field, which the CSV reader takes literally, upsets the count) is
detected by the reader (:data:`mediation.readers.SPLIT`); the run is then
done again on one process.
"""

from __future__ import annotations

import multiprocessing
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from mediation.errors import InputError
from mediation.readers import Table
from mediation.replay_output import (
    AtomicFile,
    RejectWriter,
    ResultWriter,
    default_rejects_path,
    rejects_format,
    result_format,
)
from mediation.replay_summary import Counts

#: A range smaller than this is not worth a process.
MIN_SPAN = 4096
_BLOCK = 1 << 20


def plan_spans(table: Table, workers: int) -> list[tuple[int, int, int]]:
    """Byte ranges ``(start, end, first line)`` covering the data rows, cut where rows start."""
    start, size = table.data_start, table.size
    first = 2 if table.format == "csv" else 1
    if workers <= 1 or size - start < 2 * MIN_SPAN:
        return [(start, size, first)]
    workers = min(workers, (size - start) // MIN_SPAN)
    targets = [start + (size - start) * k // workers for k in range(1, workers)]
    quoted = table.format == "csv"
    cuts: list[tuple[int, int]] = []  # (byte offset, line breaks before it)
    quotes = breaks = 0
    last_cr = False
    pos = start
    with open(table.path, "rb") as f:
        f.seek(start)
        while targets:
            block = f.read(_BLOCK)
            if not block:
                break
            end = pos + len(block)
            while targets and targets[0] < end:
                i = block.find(b"\n", max(targets[0] - pos, 0))
                q = quotes + (block.count(b'"', 0, i) if quoted and i >= 0 else 0)
                while i >= 0 and q % 2:
                    j = block.find(b"\n", i + 1)
                    if j >= 0:
                        q += block.count(b'"', i, j)
                    i = j
                if i < 0:
                    targets[0] = end  # look on in the next block
                    break
                cuts.append((pos + i + 1, breaks + _breaks(block[: i + 1], last_cr)))
                targets.pop(0)
            quotes += block.count(b'"') if quoted else 0
            breaks += _breaks(block, last_cr)
            last_cr = block.endswith(b"\r")
            pos = end
    spans = []
    begin, line = start, first
    for cut, before in cuts:
        if cut > begin:
            spans.append((begin, cut, line))
            begin, line = cut, first + before
    spans.append((begin, size, line))
    return [s for s in spans if s[1] > s[0]] or [(start, size, first)]


def _breaks(data: bytes, after_cr: bool) -> int:
    """Line breaks in ``data`` as the CSV reader counts lines: LF, CRLF and a lone CR each once."""
    n = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    if after_cr and data.startswith(b"\n"):
        n -= 1  # the CR ending the previous block and this LF are one break
    return n


# ------------------------------------------------------------ files


class Outputs:
    """The result and rejects files of a run: where, in what format, and whether to keep them."""

    def __init__(self, table: Table, out: str | Path | None, rejects: str | Path | None) -> None:
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


# ------------------------------------------------------------ running


def run(table: Table, rules, *, as_of: date | None, compare: bool, out, rejects, workers: int,
        now: datetime | None, progress=None) -> tuple[Counts, dict]:
    """Run the dry run on ``workers`` processes; return the counts and the files written."""
    outputs = Outputs(table, out, rejects)
    spans = plan_spans(table, workers)
    if len(spans) > 1:
        from mediation.replay import SplitMismatch

        try:
            return _parallel(table, rules, spans, outputs, as_of=as_of, compare=compare, now=now,
                             progress=progress)
        except SplitMismatch:
            pass  # a stray quote misled the cut: one process reads it as it is
    return _single(table, rules, outputs, as_of=as_of, compare=compare, now=now, progress=progress)


def _single(table, rules, outputs: Outputs, *, as_of, compare, now, progress) -> tuple[Counts, dict]:
    from mediation.replay import run_span

    results, rejects = outputs.open()
    try:
        rw, jw = outputs.writers(results, rejects)
        counts = run_span(table, rules, as_of=as_of, now=now, compare=compare, results=rw, rejects=jw,
                          progress=progress)
    except BaseException:
        if results is not None:
            results.abort()
        rejects.abort()
        raise
    finally:
        table.close()
    return counts, outputs.finish(results, rejects, counts.rejected)


# Set in the parent before the workers fork, so that they need not load the rules again.
_inherited: dict[str, Any] = {}
_progress: Any = None


def _init(shared) -> None:
    global _progress
    _progress = shared


def _work(job: dict) -> Counts:
    from mediation.replay import open_cases, run_span
    from mediation.rules import load_rules

    rules = _inherited.get("rules")
    if rules is None or rules.digest != job["digest"]:
        rules = load_rules(job["rules"])
        if rules.digest != job["digest"]:
            raise RuntimeError("the rule set changed while the replay was starting")
    table = open_cases(job["path"], rules, encoding=job["encoding"], format=job["format"], ignore=job["ignore"])
    index = job["index"]
    start = job["span"][0]

    def report(rows: int, position: int, size: int) -> None:
        if _progress is not None:
            _progress[2 * index] = rows
            _progress[2 * index + 1] = max(position - start, 0)

    outs = [open(p, "w", encoding=enc, newline="", errors="surrogateescape") if p else None  # noqa: SIM115
            for p, enc in ((job["out"], "utf-8"), (job["rejects"], job["rejects_encoding"]))]
    try:
        results = ResultWriter(outs[0], job["out_format"], header=False) if outs[0] else None
        rejects = RejectWriter(outs[1], job["rejects_format"], job["headings"], header=False)
        return run_span(table, rules, as_of=job["as_of"], now=job["now"], compare=job["compare"],
                        results=results, rejects=rejects, span=job["span"], progress=report)
    finally:
        for f in outs:
            if f is not None:
                f.close()
        table.close()


def _parallel(table: Table, rules, spans, outputs: Outputs, *, as_of, compare, now, progress):
    import tempfile

    n = len(spans)
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    shared = ctx.Array("q", 2 * n, lock=False)
    parts: list[Path] = []

    def part(target: Path | None, i: int) -> str | None:
        if target is None:
            return None
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.part{i}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        parts.append(Path(name))
        return name

    results = rejects = None
    try:
        jobs = []
        for i, span in enumerate(spans):
            jobs.append({
                "index": i, "span": span, "path": str(table.path), "encoding": table.encoding,
                "format": table.format, "ignore": sorted(table.fields.ignored), "rules": str(rules.path),
                "digest": rules.digest, "as_of": as_of, "now": now, "compare": compare,
                "out": part(outputs.out, i), "out_format": outputs.out_format,
                "rejects": part(outputs.rejects, i), "rejects_format": outputs.rejects_format,
                "rejects_encoding": outputs.rejects_encoding, "headings": outputs.headings,
            })
        _inherited["rules"] = rules
        with ctx.Pool(n, initializer=_init, initargs=(shared,)) as pool:
            pending = [pool.apply_async(_work, (job,)) for job in jobs]
            while not all(p.ready() for p in pending):
                next(p for p in pending if not p.ready()).wait(0.25)
                if progress is not None:
                    progress(sum(shared[0::2]), spans[0][0] + sum(shared[1::2]), table.size)
            found = [p.get() for p in pending]
        counts = Counts()
        for c in found:
            counts.merge(c)
        results, rejects = outputs.open()
        outputs.writers(results, rejects)  # writes the headers
        if results is not None:
            results.append_parts([Path(j["out"]) for j in jobs])
        rejects.append_parts([Path(j["rejects"]) for j in jobs])
        return counts, outputs.finish(results, rejects, counts.rejected)
    except BaseException:
        for f in (results, rejects):
            if f is not None:
                f.abort()
        raise
    finally:
        _inherited.clear()
        for p in parts:
            p.unlink(missing_ok=True)
        table.close()
