"""A dry run on several processes: the file cut into byte ranges, each routed by a process of its own.

With N workers the file is cut into N byte ranges, each starting where a row
starts: after a line break with an even number of quote characters before it
(so not inside a quoted field), and with its first line number counted. Each
process runs the replay loop over its own range and writes its results and
rejects to temporary part files; the parent sums the counts and joins the
parts in order. The summary, the results and the rejects are therefore the
same as with one process.

A range whose end falls inside a quoted field after all (a stray quote in an
unquoted field, which the CSV reader takes literally, upsets the count) is
detected by the reader (:data:`mediation.replay.readers.SPLIT`); the run is then
done again on one process.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mediation.replay.output import Outputs, is_stdout, locked_temp
from mediation.replay.readers import Table
from mediation.replay.summary import Counts

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


# Set in the parent before the workers fork, so that they need not load the rules again.
inherited: dict[str, Any] = {}
_progress: Any = None


def _init(shared) -> None:
    global _progress
    _progress = shared


def report_progress(index: int, start: int):
    """A progress callback for the worker running span ``index`` (which starts at byte ``start``)."""

    def report(rows: int, position: int, size: int) -> None:
        if _progress is not None:
            _progress[2 * index] = rows
            _progress[2 * index + 1] = max(position - start, 0)

    return report


def in_parallel(table: Table, rules, spans: list[tuple[int, int, int]], outputs: Outputs,
                work: Callable[[dict], Counts], job: dict, progress=None) -> tuple[Counts, dict]:
    """Run ``work`` on one process per span (each gets ``job`` plus its span and part files); join the parts.

    Raises what a worker raised (:class:`~mediation.replay.pipeline.SplitMismatch`
    when a span did not end at a row's end: the caller then runs on one process).
    """
    n = len(spans)
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    shared = ctx.Array("q", 2 * n, lock=False)
    parts: list[Path] = []
    held: list[int] = []  # each part's locked descriptor: a part is not stale while this run lives

    def part(target: Path | None, i: int) -> str | None:
        if target is None:
            return None
        where = Path(tempfile.gettempdir()) if is_stdout(target) else None  # standard output: the temporary directory
        fd, name = locked_temp(target, f".part{i}.", where)
        held.append(fd)
        parts.append(Path(name))
        return name

    results = rejects = None
    try:
        jobs = [dict(job, index=i, span=span, out=part(outputs.out, i), rejects=part(outputs.rejects, i))
                for i, span in enumerate(spans)]
        inherited["rules"] = rules
        with ctx.Pool(n, initializer=_init, initargs=(shared,)) as pool:
            pending = [pool.apply_async(work, (j,)) for j in jobs]
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
        return counts, outputs.finish(results, rejects, counts.rejected + counts.refused)
    except BaseException:
        for f in (results, rejects):
            if f is not None:
                f.abort()
        raise
    finally:
        inherited.clear()
        for p in parts:
            p.unlink(missing_ok=True)
        for fd in held:
            os.close(fd)
        table.close()
