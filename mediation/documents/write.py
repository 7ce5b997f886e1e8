"""Writing a document: a reveal, recorded in the same transaction that decides to write it.

:func:`write_document` reads the case, checks that the operator may reveal
its personal data (the roles' ``reveal`` permission) and that the case
allows the kind (:mod:`.kinds`), renders the template, and appends a
``reveal`` event whose details name the document and its SHA-256 digest:
all in one transaction. The document is written to a temporary file beside
its target before the commit and moved into place after it, so a refused or
failed write leaves neither a file nor an event, and a reader never sees half
a document. An existing target that is not a regular file (a directory, a
link, a device, a pipe) is never replaced.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from mediation.desk.read import CaseRecord, list_cases, load_record, show
from mediation.desk.transaction import act, event
from mediation.documents.context import document_context
from mediation.documents.kinds import KINDS, allowed, kind_of, refusal, refusal_reason
from mediation.documents.render import render_template
from mediation.errors import InputError, MediationError, Refused
from mediation.rules.locate import SHIPPED

SOFFICE = "soffice"
PDF_TIMEOUT = 180
HOW_TO_GET_SOFFICE = ("--pdf needs LibreOffice (soffice) on PATH: install it (Debian or Ubuntu: "
                      "apt-get install libreoffice-writer-nogui; elsewhere from libreoffice.org), "
                      "or leave out --pdf")


class ToolMissing(MediationError):
    """A program the command needs is not on this machine (exit 1: the environment)."""


@dataclass(slots=True)
class Written:
    """A document written: where, its digest, the case as it is after the reveal."""

    case_no: str
    kind: str
    path: Path
    sha256: str
    record: CaseRecord
    pdf: Path | None = None


def template_path(rules, kind: str) -> Path:
    """The rule set's ``templates/KIND.docx``, else the shipped one."""
    own = Path(rules.path) / "templates" / f"{kind}.docx"
    return own if own.exists() else SHIPPED / "templates" / f"{kind}.docx"


def check_target(path: Path) -> None:
    """Refuse a target whose folder is missing or that exists and is not a regular file."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        what = "a link" if stat.S_ISLNK(mode) else "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise Refused(f"{path} is {what}: a document replaces only a regular file", why="not_regular_file",
                      value=str(path))
    if not path.parent.is_dir():
        raise InputError(f"{path.parent} is not a folder: cannot write {path.name} there", why="not_folder",
                         value=str(path.parent))


def soffice() -> str:
    """The path of LibreOffice's ``soffice``, or :class:`ToolMissing` saying how to get it."""
    found = shutil.which(SOFFICE)
    if not found:
        raise ToolMissing(HOW_TO_GET_SOFFICE)
    return found


def to_pdf(docx: Path, program: str | None = None) -> Path:
    """``docx`` converted to PDF beside it (``soffice --headless --convert-to pdf``), atomically."""
    program = program or soffice()
    target = docx.with_suffix(".pdf")
    check_target(target)
    with tempfile.TemporaryDirectory(prefix="mediation-pdf-") as work:
        # a profile of its own: another soffice running (a clerk's Writer) cannot block this one
        profile = Path(work, "profile").as_uri()
        try:
            done = subprocess.run(
                [program, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                 "--outdir", work, str(docx)],
                capture_output=True, text=True, timeout=PDF_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise MediationError(f"LibreOffice did not convert {docx.name} within {PDF_TIMEOUT} s") from None
        made = Path(work, docx.with_suffix(".pdf").name)
        if done.returncode != 0 or not made.exists():
            said = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
            raise MediationError(f"LibreOffice could not convert {docx.name}: {said}")
        staged = _stage(target, made.read_bytes())
        os.replace(staged, target)
    return target


def _stage(target: Path, data: bytes) -> Path:
    """``data`` in a new temporary file beside ``target`` (flushed to disk); its path."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def write_document(db, rules, case_no: str, kind: str, *, operator: str | None,
                   out: Path | None = None, at: datetime | None = None, pdf: bool = False,
                   entered_by: str | None = None) -> Written:
    """Write the ``kind`` document of ``case_no`` to ``out`` (default ``CASE_NO-KIND.docx``).

    One transaction records the reveal (event ``reveal``; details: ``document``,
    ``sha256``); the file is moved into place once it has committed. With
    ``pdf``, also ``out`` converted to PDF beside it (LibreOffice must be on PATH:
    checked before anything is written).
    """
    k = kind_of(kind)
    out = Path(out) if out is not None else Path(f"{case_no}-{k.id}.docx")
    check_target(out)
    program = soffice() if pdf else None
    if program:
        check_target(out.with_suffix(".pdf"))
    template = template_path(rules, k.id)
    staged: dict[str, object] = {}

    def build(conn, row, op, moment):
        record = load_record(conn, case_no, revealed=True)
        why = refusal(k, row, record.events, rules.catalogue.label("state", row["state"]))
        if why:
            raise Refused(why, why="document_not_now", value=k.id,
                          bound=(case_no, row["state"], refusal_reason(k, row, record.events)))
        data = render_template(template, document_context(record, rules, k.id, operator=op.id, at=moment))
        digest = hashlib.sha256(data).hexdigest()
        staged["path"], staged["sha256"] = _stage(out, data), digest
        details = {"document": k.id, "sha256": digest}
        return {}, [event("reveal", row, row["state"], op, moment, rules, reason=f"文书 {k.title}",
                          details=details)]

    try:
        record = act(db, rules, case_no, "reveal", build, operator=operator, at=at,
                     expect_version=None, reveal=True, entered_by=entered_by)
        check_target(out)  # nothing has taken its place meanwhile
        os.replace(staged["path"], out)
    except BaseException:
        if "path" in staged and Path(staged["path"]).exists():
            os.unlink(staged["path"])
        raise
    written = Written(case_no, k.id, out, str(staged["sha256"]), record)
    if program:
        written.pdf = to_pdf(out, program)
    return written


def allowed_kinds(db, case_no: str) -> list[str]:
    """The document kinds ``case_no`` allows now (no reveal: nothing is written)."""
    record = show(db, case_no)
    return allowed(record.row, record.events)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A case a batch left out: ``why`` in English, and its facts: the case's ``state`` and the
    ``reason``'s id (:func:`~mediation.documents.kinds.refusal_reason`)."""

    case_no: str
    why: str
    state: str
    reason: str | None


@dataclass(slots=True)
class Batch:
    """What a batch wrote and what it left out."""

    written: list[Written] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def select_cases(db, *, state: str | None = None, destination: str | None = None,
                 received_from: date | None = None, received_to: date | None = None) -> list[str]:
    """The case numbers a batch covers (received between the days given, inclusive), oldest first."""
    numbers: list[str] = []
    offset = 0
    while True:
        page = list_cases(db, state=state, destination=destination, received_from=received_from,
                          received_to=received_to, limit=1000, offset=offset)
        numbers += [r["case_no"] for r in page.rows]
        offset += len(page.rows)
        if not page.rows or offset >= page.total:
            return numbers


def write_documents(db, rules, kind: str, case_numbers: list[str], folder: Path, *,
                    operator: str | None, at: datetime | None = None, pdf: bool = False,
                    progress: Callable[[str], None] | None = None, entered_by: str | None = None) -> Batch:
    """The ``kind`` document of each case into ``folder`` (``CASE_NO-KIND.docx``), each its own reveal.

    A case that does not allow the kind is skipped with the reason; any other
    failure (the operator's permission, a broken template) stops the batch.
    """
    k = kind_of(kind)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder", why="not_folder", value=str(folder))
    program = soffice() if pdf else None
    batch = Batch()
    for case_no in case_numbers:
        record = show(db, case_no)
        why = refusal(KINDS[k.id], record.row, record.events)
        if why:
            batch.skipped.append(Skipped(case_no, why, record.row["state"],
                                         refusal_reason(KINDS[k.id], record.row, record.events)))
        else:
            batch.written.append(write_document(db, rules, case_no, k.id, operator=operator,
                                                out=folder / f"{case_no}-{k.id}.docx", at=at,
                                                pdf=bool(program), entered_by=entered_by))
        if progress:
            progress(case_no)
    return batch
