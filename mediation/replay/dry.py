"""The dry run: every case of a file reviewed and routed by the rules, nothing stored.

It sums up where the cases go (review outcomes, destinations, rules,
territorial units) and, when the file says where each case actually went,
how often the rules agree. It runs the replay loop of :mod:`.pipeline` with a
sink that writes the per-case results (``--out``) and the rejects file; with
``workers`` > 1, on several processes (:mod:`.workers`), with the same result.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from mediation import clock
from mediation.errors import InputError
from mediation.replay.output import Outputs, RejectWriter, ResultWriter
from mediation.replay.pipeline import RouteStep, SplitMismatch, open_cases, run
from mediation.replay.readers import Table
from mediation.replay.summary import Counts, Summary
from mediation.replay.workers import in_parallel, inherited, plan_spans, report_progress
from mediation.rules import load_rules


class DrySink:
    """A dry run's rows: results to ``results`` (if any), rejects and refused histories to ``rejects``."""

    def __init__(self, results: ResultWriter | None, rejects: RejectWriter | None) -> None:
        self.results = results
        self.rejects = rejects
        self.accepted = self._accepted if results is not None or rejects is not None else None

    def _accepted(self, line: int, values: Any, routed: tuple) -> None:
        case, review, decision, _history, refusal = routed
        if refusal is not None and self.rejects is not None:
            self.rejects.write(line, refusal, values)
        if self.results is not None:
            self.results.write(line, case, review, decision)

    def rejected(self, line: int, reason: str, values: Any) -> None:
        if self.rejects is not None:
            self.rejects.write(line, reason, values)


def dry_span(table: Table, rules, *, as_of: date | None = None, now: datetime | None = None,
             compare: bool = False, results: ResultWriter | None = None, rejects: RejectWriter | None = None,
             span: tuple[int, int, int] | None = None, progress: Callable[[int, int, int], None] | None = None
             ) -> Counts:
    """The dry run over a table (or one byte range of it): the counts, with results and rejects written."""
    step = RouteStep(table, rules, as_of=as_of, now=now, compare=compare)
    read, rejected = run(table, step, DrySink(results, rejects), span=span, progress=progress)
    return step.finish(read, rejected)


def dry_run(path: str | Path, rules, *, as_of: date | None = None, compare: bool = False,
            out: str | Path | None = None, rejects: str | Path | None = None, workers: int = 1,
            encoding: str | None = None, format: str | None = None, ignore: Iterable[str] = (),
            now: datetime | None = None, progress: Callable[[int, int, int], None] | None = None,
            table: Table | None = None) -> Summary:
    """Replay a file of cases without a database; see the module docstring and :mod:`.pipeline`.

    ``out``: per-case results (JSON Lines, or CSV for a ``.csv`` name).
    ``rejects``: the rejects file; by default beside ``out``, or in the
    current directory when there is no ``out`` (``NAME.rejects.csv``). A rejects file
    named here, or any rejects file when ``out`` is given, is always written
    (with only its header when nothing was rejected); without ``out`` or
    ``rejects`` a rejects file is written only when a row was rejected or refused.
    ``compare`` needs an ``actual_destination`` column. ``now`` (default: the
    clock) is the latest moment a history may name. ``workers`` > 1 splits
    the file among processes; the summary and files are the same as with one.
    Raises :class:`InputError` for a file that cannot be replayed at all.
    """
    started = time.perf_counter()
    now = (now or clock.now()).replace(microsecond=0)  # one moment for every worker
    table = table or open_cases(path, rules, encoding=encoding, format=format, ignore=ignore)
    if compare and table.format == "csv" and "actual_destination" not in table.columns:
        raise InputError(f"--compare needs an actual_destination ({rules.catalogue.label('field', 'actual_destination')})"
                         " column", file=table.name, line=1)
    outputs = Outputs(table, out, rejects)
    spans = plan_spans(table, workers)
    counts = files = None
    if len(spans) > 1:
        job = {"path": str(table.path), "encoding": table.encoding, "format": table.format,
               "ignore": sorted(table.fields.ignored), "rules": str(rules.path), "digest": rules.digest,
               "as_of": as_of, "now": now, "compare": compare, "out_format": outputs.out_format,
               "rejects_format": outputs.rejects_format, "rejects_encoding": outputs.rejects_encoding,
               "headings": outputs.headings}
        # a stray quote may mislead the cut (SplitMismatch): one process then reads the file as it is
        with contextlib.suppress(SplitMismatch):
            counts, files = in_parallel(table, rules, spans, outputs, _work, job, progress)
    if counts is None:
        counts, files = _single(table, rules, outputs, as_of=as_of, compare=compare, now=now, progress=progress)
    return Summary.build(table, rules, counts, as_of=as_of, compare=compare, files=files, workers=workers,
                         seconds=time.perf_counter() - started)


def _single(table: Table, rules, outputs: Outputs, *, as_of, compare, now, progress) -> tuple[Counts, dict]:
    results, rejects = outputs.open()
    try:
        rw, jw = outputs.writers(results, rejects)
        counts = dry_span(table, rules, as_of=as_of, now=now, compare=compare, results=rw, rejects=jw,
                          progress=progress)
    except BaseException:
        if results is not None:
            results.abort()
        rejects.abort()
        raise
    finally:
        table.close()
    return counts, outputs.finish(results, rejects, counts.rejected + counts.refused)


def _work(job: dict) -> Counts:
    """One worker process: the dry run over its span, into its part files."""
    rules = inherited.get("rules")
    if rules is None or rules.digest != job["digest"]:
        rules = load_rules(job["rules"])
        if rules.digest != job["digest"]:
            raise RuntimeError("the rule set changed while the replay was starting")
    table = open_cases(job["path"], rules, encoding=job["encoding"], format=job["format"], ignore=job["ignore"])
    outs = [open(p, "w", encoding=enc, newline="", errors="surrogateescape") if p else None  # noqa: SIM115
            for p, enc in ((job["out"], "utf-8"), (job["rejects"], job["rejects_encoding"]))]
    try:
        results = ResultWriter(outs[0], job["out_format"], header=False) if outs[0] else None
        rejects = RejectWriter(outs[1], job["rejects_format"], job["headings"], header=False)
        return dry_span(table, rules, as_of=job["as_of"], now=job["now"], compare=job["compare"],
                        results=results, rejects=rejects, span=job["span"],
                        progress=report_progress(job["index"], job["span"][0]))
    finally:
        for f in outs:
            if f is not None:
                f.close()
        table.close()
