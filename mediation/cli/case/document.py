"""``mediation case document`` and ``mediation case documents``: the centre's papers (文书).

Writing a document reveals the parties' personal data in full, so each one is
recorded in the case's timeline (a ``reveal`` event naming the document and
its digest) and needs an operator allowed to reveal. The library:
:mod:`mediation.documents`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mediation import documents
from mediation.cli.case.common import choose, destination_of
from mediation.cli.common import console, desk_words, echo_json
from mediation.cli.options import (
    at_option,
    db_option,
    load,
    operator_option,
    parse_at,
    parse_day,
    rules_option,
)
from mediation.desk.identity import identify
from mediation.documents.kinds import kind_of
from mediation.errors import InputError
from mediation.store.database import open_database

KIND_HELP = "One of: " + ", ".join(f"{k} ({v.title})" for k, v in documents.KINDS.items()) + "."


def _line(written) -> str:
    title = documents.KINDS[written.kind].title
    extra = f" + {written.pdf}" if written.pdf else ""
    return f"{written.case_no}  {title} ({written.kind})  → {written.path}{extra}"


def _json(written) -> dict:
    return {"case_no": written.case_no, "kind": written.kind, "path": str(written.path),
            "sha256": written.sha256, "pdf": str(written.pdf) if written.pdf else None}


@click.command()
@click.argument("case_no")
@click.argument("kind", required=False)
@click.option("--out", "out", metavar="FILE.docx", type=click.Path(path_type=Path), default=None,
              help="Where to write it (default: CASE_NO-KIND.docx here). A regular file is replaced.")
@click.option("--pdf", is_flag=True, help="Also convert it to PDF beside it (needs LibreOffice's soffice).")
@click.option("--list", "list_kinds", is_flag=True, help="List the kinds CASE_NO allows now.")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: case_no, kind, path, sha256 (as recorded in the timeline), pdf.")
@operator_option
@at_option
@db_option
@rules_option
def document(case_no: str, kind: str | None, out: Path | None, pdf: bool, list_kinds: bool,
             as_json: bool, operator: str | None, on_behalf_of: str | None, at: str | None, db: str | None,
             rules_dir: Path | None) -> None:
    """Write the KIND document of CASE_NO (.docx from rules/templates/KIND.docx).

    \b
    registration           矛盾纠纷受理登记表 (any registered case)
    acceptance, dispatch   受理通知书, 分流指派单 (once diverted)
    rejection              不予受理告知书 / 移交告知书 (rejected or referred out)
    agreement              人民调解协议书 (settled with a written agreement)
    judicial_confirmation  司法确认申请书 (settled with a written agreement)
    failure_notice         调解终止告知书 (unsettled)

    The document carries the parties' personal data in full: writing it is a
    reveal, recorded in the case's timeline with its SHA-256 digest.
    """
    rules = load(rules_dir)
    case_no = case_no.strip().upper()
    with open_database(db) as database:
        if list_kinds:
            kinds = documents.allowed_kinds(database, case_no)
            if as_json:
                echo_json([{"kind": k, "title": documents.KINDS[k].title} for k in kinds])
            else:
                click.echo("\n".join(f"{k}  {documents.KINDS[k].title}" for k in kinds))
            return
        if not kind:
            raise InputError("which document? give KIND, or --list to see those the case allows",
                             hint=KIND_HELP, why="which_document")
        acting = identify(database, operator, on_behalf_of)
        written = documents.write_document(database, rules, case_no, kind, operator=acting.operator, out=out,
                                           at=parse_at(at), pdf=pdf, entered_by=acting.entered_by)
    if as_json:
        echo_json(_json(written))
    else:
        click.echo(_line(written))


@click.command()
@click.argument("kind")
@click.option("--state", metavar="STATE", default=None, help="Only cases in this state (id or name: settled, 调解成功).")
@click.option("--destination", metavar="DEST", default=None, help="Only cases at this room or window (id or name).")
@click.option("--from", "since", metavar="DATE", default=None, help="Received on or after DATE.")
@click.option("--to", "until", metavar="DATE", default=None, help="Received on or before DATE.")
@click.option("--dir", "folder", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="The folder to write them in (CASE_NO-KIND.docx each; created if missing).")
@click.option("--pdf", is_flag=True, help="Also convert each to PDF (needs LibreOffice's soffice).")
@operator_option
@at_option
@db_option
@rules_option
def documents_batch(kind: str, state: str | None, destination: str | None, since: str | None,
                    until: str | None, folder: Path, pdf: bool, operator: str | None, on_behalf_of: str | None,
                    at: str | None, db: str | None, rules_dir: Path | None) -> None:
    """Write the KIND document of every case selected into DIR, with a progress bar.

    For the clerk who prints a day's papers at once, e.g.
    mediation case documents agreement --state settled --from 2020-07-03 --to 2020-07-03 --dir today/
    Cases that do not allow KIND are skipped (each named on stderr); each
    document written is a reveal recorded in its case's timeline.
    """
    rules = load(rules_dir)
    kind = kind_of(kind).id  # an unknown kind: refused before any work
    if folder.exists() and not folder.is_dir():
        raise InputError(f"--dir {folder} is not a folder", why="not_folder", option="--dir", value=str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    state = choose(rules, "state", state, "--state") if state else None
    destination = destination_of(rules, destination, "destination") if destination else None
    with open_database(db) as database:
        numbers = documents.select_cases(database, state=state, destination=destination,
                                         received_from=parse_day(since, "--from"),
                                         received_to=parse_day(until, "--to"))
        batch = _run(database, rules, kind, numbers, folder, identify(database, operator, on_behalf_of),
                     parse_at(at), pdf)
    words = desk_words()
    for skipped in batch.skipped:
        words.warn(words.skipped_document(rules, kind, skipped.case_no, skipped.state, skipped.reason))
    for written in batch.written:
        click.echo(_line(written))
    click.echo(words.documents_written(len(batch.written), folder, len(batch.skipped), len(numbers)), err=True)


def _run(database, rules, kind, numbers, folder, acting, at, pdf):
    who = {"operator": acting.operator, "entered_by": acting.entered_by}
    if not sys.stderr.isatty():
        return documents.write_documents(database, rules, kind, numbers, folder, at=at, pdf=pdf, **who)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"文书 {documents.KINDS[kind].title}", total=len(numbers))
        return documents.write_documents(database, rules, kind, numbers, folder, at=at,
                                         pdf=pdf, progress=lambda _: bar.advance(task), **who)
